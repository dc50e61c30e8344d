package record

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/llmrec/llmrec/analyze/level"
	"github.com/llmrec/llmrec/record/target"
	"github.com/llmrec/llmrec/schemas"
)

// errDecided is the cause a probe's run is canceled with when one of its
// looks decided: its step is over, and the run ended as planned.
var errDecided = errors.New("the probe's test decided")

// lookTick is how often a probe's pending look is judged.
const lookTick = 20 * time.Millisecond

// lookSettle is the longest a look waits for the answers of its sample
// (less when half a warmup is shorter). The rows a probe sends while a
// look settles wait out of the journal until it is settled (their step is
// the next one if it decides); sent after the look's time, they complete
// after it too, so once it is settled, within lookSettle and a tick or
// two, they are journaled before a second has passed since they
// completed, as every row is (persister).
const lookSettle = 800 * time.Millisecond

// lookSlack (µs) is how much later than the search sees a request sent
// the client may stamp its start: a request in flight is taken as
// possibly of a sample from this long before it, and as past the SLO's
// latency bound only this long after.
const lookSlack = 50_000

// lookout is the search's client: it passes each request to the real
// one and watches the requests of the probe in progress as they are sent
// and answered, to take the probe's looks (see probeLooks) and end the
// probe as soon as one decides. Between probes, and in a sweep, it only
// passes requests on.
type lookout struct {
	inner Client
	slo   level.SLO
	t0    time.Time

	mu sync.Mutex
	pl *probeLooks // the probe in progress; nil: none watched
}

// Do implements Client.
func (l *lookout) Do(ctx context.Context, p target.Prompt) target.Result {
	l.mu.Lock()
	pl := l.pl
	var id int64
	if pl != nil {
		id = pl.sent(l.us(time.Now()))
	}
	l.mu.Unlock()
	if pl == nil {
		return l.inner.Do(ctx, p)
	}
	// The probe's leftovers are canceled half-way into the next step's
	// warmup, whenever the probe stopped sending.
	rctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(pl.left, cancel)
	res := l.inner.Do(rctx, p)
	stop()
	cancel()
	r := resultRecord(&res)
	good := l.slo.Good(sloRequest(&r))
	l.mu.Lock()
	pl.answered(id, l.us(res.Start), res.OK, good)
	l.mu.Unlock()
	return res
}

// us is t in µs since the search's start, the file's resolution.
func (l *lookout) us(t time.Time) int64 { return t.UnixMicro() - l.t0.UnixMicro() }

// watch takes the looks of pl until done is closed: it judges the
// pending look every lookTick (answers settle it, time makes in-flight
// requests known bad) and, once one decides, calls stop.
func (l *lookout) watch(pl *probeLooks, done <-chan struct{}, stop func()) {
	tick := time.NewTicker(lookTick)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-tick.C:
		}
		l.mu.Lock()
		decided := pl.look(l.us(time.Now()))
		l.mu.Unlock()
		if decided {
			stop()
			return
		}
	}
}

// watching makes pl the probe in progress (nil: none) and returns where
// its rows are known to be of its step (see probeSink.cut): those sent
// before the pending look's time are; those sent at or after it wait
// until that look is settled (decided: the step ended there).
func (l *lookout) watching(pl *probeLooks) stepCut {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pl = pl
	if pl == nil {
		return nil
	}
	return &lookCut{l: l, pl: pl}
}

// stepCut is where the rows of a probe in progress are known to be of its
// step, as its looks go on.
type stepCut interface {
	// cut is that time: the rows sent before it are of the step; final
	// when the step ends there (those sent at or after it are of the
	// next step), else the rows sent at or after it are not known yet.
	cut() (at int64, final bool)
	// await waits until the rows sent at us are known to be of a step,
	// at most until the look pending at us is settled.
	await(us int64)
}

// lookCut is the stepCut of a probe's looks: the pending look's time,
// final once a look decided or only the probe's end is left.
type lookCut struct {
	l  *lookout
	pl *probeLooks
}

func (c *lookCut) cut() (int64, bool) {
	c.l.mu.Lock()
	defer c.l.mu.Unlock()
	return c.pl.cut()
}

func (c *lookCut) await(us int64) {
	for {
		c.l.mu.Lock()
		at, final := c.pl.cut()
		moved := c.pl.moved
		left := at + c.pl.settle + 2*lookTick.Microseconds() - c.l.us(time.Now())
		c.l.mu.Unlock()
		if final || at > us || left <= 0 {
			return
		}
		t := time.NewTimer(time.Duration(left) * time.Microsecond)
		select {
		case <-moved:
			t.Stop()
		case <-t.C:
			return
		}
	}
}

// tally counts requests: all of them, the good ones, the failures.
type tally struct{ n, good, failures int64 }

func (t *tally) add(o tally) { t.n, t.good, t.failures = t.n+o.n, t.good+o.good, t.failures+o.failures }

// probeLooks is one probe's looks. Look j tests the requests sent in the
// measured part before at[j] (µs since the search's start), pooled with
// the level's earlier steps, once that sample is settled enough: it
// decides when the verdict is the same whatever the requests still in
// flight turn out to be: meets when the level's verdict (decide) is meets
// counting each a failure; misses when the test shows the attainment
// below the target counting each good unless it is already past the SLO's
// latency bound. (A look does not miss on a point estimate below the
// target alone, as the verdict at a probe's end does: on the small sample
// of an early look that would often miss a level that holds.) A look not
// decided within settle after its time passes. The last look is
// the step's planned end, which the probe's own verdict takes; so a probe
// is tested at most len(at) times (SearchConfig.ProbeLooks).
type probeLooks struct {
	from   int64   // the measured part's start
	at     []int64 // look times, ascending; the last the step's planned end
	j      int     // the pending look
	grace  int64   // when after the step's end its leftovers are canceled
	settle int64   // how long a look may wait for its sample to settle
	target float64 // the SLO's target
	// judge is the verdict of the level on one step's counts.
	judge    func(one schemas.Probe) schemas.Probe
	latency  int64 // the SLO's latency bound, µs (0: none)
	done     []tally
	flying   map[int64]int64 // id → when sent
	nextID   int64
	verdict  string // the deciding look's verdict ("": none)
	left     context.Context
	leftOver context.CancelFunc
	moved    chan struct{} // closed when the cut moves (cut), then renewed
}

// newProbeLooks is the looks of a probe measured from `from` with looks
// at `at`, whose leftovers are canceled grace after the step ends; a look
// settles for grace at most, and lookSettle.
func newProbeLooks(from int64, at []int64, grace int64, sc *SearchConfig, judge func(schemas.Probe) schemas.Probe) *probeLooks {
	left, cancel := context.WithCancel(context.Background())
	return &probeLooks{from: from, at: at, grace: grace, settle: min(grace, lookSettle.Microseconds()), target: sc.Target,
		judge: judge, latency: sc.SLO.Latency.Microseconds(), done: make([]tally, len(at)+1), flying: map[int64]int64{},
		left: left, leftOver: cancel, moved: make(chan struct{})}
}

// cut is where the probe's rows are known to be of its step: the pending
// look's time; final when a look decided or only the probe's end is left.
func (pl *probeLooks) cut() (int64, bool) {
	return pl.at[pl.j], pl.verdict != "" || pl.j == len(pl.at)-1
}

// interval is the look interval a request sent at us falls in: i when
// at[i-1] ≤ us < at[i] (at[-1] the measured part's start), len(at) after
// the planned end, -1 in the warmup.
func (pl *probeLooks) interval(us int64) int {
	if us < pl.from {
		return -1
	}
	for i, a := range pl.at {
		if us < a {
			return i
		}
	}
	return len(pl.at)
}

// sent notes a request sent at us and returns its id.
func (pl *probeLooks) sent(us int64) int64 {
	pl.nextID++
	pl.flying[pl.nextID] = us
	return pl.nextID
}

// answered notes request id's answer: sent (by the client's clock) at
// start, ok and good.
func (pl *probeLooks) answered(id, start int64, ok, good bool) {
	delete(pl.flying, id)
	i := pl.interval(start)
	if i < 0 {
		return
	}
	t := tally{n: 1}
	if good {
		t.good = 1
	}
	if !ok {
		t.failures = 1
	}
	pl.done[i].add(t)
}

// look judges the pending looks whose time has come at now and reports
// whether one decided (then the step ends at its time).
func (pl *probeLooks) look(now int64) bool {
	j := pl.j
	defer func() {
		if pl.j != j || pl.verdict != "" {
			close(pl.moved)
			pl.moved = make(chan struct{})
		}
	}()
	for pl.verdict == "" && pl.j < len(pl.at)-1 && now >= pl.at[pl.j] {
		cut := pl.at[pl.j]
		var settled tally
		for _, t := range pl.done[:pl.j+1] {
			settled.add(t)
		}
		// Requests in flight that may be of the sample: sent before the
		// cut, and not clearly before the measured part (the client
		// stamps its start a little after the send, lookSlack at most).
		var open, bad int64
		for _, s := range pl.flying {
			if s < cut && s >= pl.from-lookSlack {
				open++
				if pl.latency > 0 && now-s > pl.latency+lookSlack {
					bad++
				}
			}
		}
		worst := schemas.Probe{Due: settled.n + open, Good: settled.good, Failures: settled.failures + open}
		best := schemas.Probe{Due: settled.n + open, Good: settled.good + open - bad, Failures: settled.failures}
		switch {
		case pl.judge(worst).Verdict == schemas.ProbeMeets:
			pl.verdict = schemas.ProbeMeets
		case pl.judge(best).Hi < pl.target:
			pl.verdict = schemas.ProbeMisses
		case open == 0 || now >= cut+pl.settle:
			pl.j++ // settled and undecided, or too late to end the step here
		default:
			return false
		}
	}
	if pl.verdict == "" {
		return false
	}
	time.AfterFunc(time.Duration(max(0, pl.at[pl.j]+pl.grace-now))*time.Microsecond, pl.leftOver)
	return true
}

// end is where the step ended: the deciding look's time, else its
// planned end.
func (pl *probeLooks) end() int64 {
	if pl.verdict == "" {
		return pl.at[len(pl.at)-1]
	}
	return pl.at[pl.j]
}

// resultRecord is what the SLO reads of a result, as the row the engine
// makes of it holds it.
func resultRecord(res *target.Result) schemas.Record {
	r := schemas.Record{OK: res.OK, LatencyMS: float64(res.Latency) / float64(time.Millisecond), ChunkUS: res.ChunkUS}
	if res.HasTTFT {
		v := float64(res.TTFT) / float64(time.Millisecond)
		r.TTFTMS = &v
	}
	tokenColumns(&r, *res)
	return r
}

// sloRequest is what the SLO reads of a row.
func sloRequest(r *schemas.Record) level.Request {
	req := level.Request{OK: r.OK, LatencyMS: r.LatencyMS, TTFTMS: r.TTFTMS}
	if r.OutputTokens != nil {
		n := int64(*r.OutputTokens)
		req.OutputTokens = &n
	}
	req.MaxGapMS = maxGapMS(r.ChunkUS)
	return req
}
