package record

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/llmrec/llmrec/record/target"
	"github.com/llmrec/llmrec/schemas"
)

// Client is what the engine sends requests through. It is safe for
// concurrent use and never retries; a failure is described in the Result.
// record/target's clients implement it (see Connect).
type Client interface {
	Do(ctx context.Context, p target.Prompt) target.Result
}

// Sink is where the rows of a run go. One goroutine calls it: Begin with
// the metadata as at the start, Write with batches of rows in the order
// they completed, Flush at least once a second (what was written before it
// must survive a kill of the process), and Finish with the final metadata
// once every row is written. After an error the engine calls it no more
// (except Finish is never called then): its owner closes it.
// schemas/runfile.File is the persistent sink (journal and Parquet).
type Sink interface {
	Begin(meta *schemas.RunMeta) error
	Write(rows []schemas.Record) error
	Flush() error
	Finish(meta *schemas.RunMeta) error
}

// Checkpointer is a Sink that keeps the run's metadata as it changes
// while the run goes on (schemas/runfile.File journals it, so that a run
// recovered after a kill keeps it). It is optional: a sink that
// implements it gets Checkpoint, from the goroutine that calls its other
// methods, with the footer as it would be were the run to end then (its
// end and row count aside): a search's after each probe (its levels, its
// steps' ends, its probes so far), a run's at the first flush after a
// live level change (Control: its changes so far). What it was given
// must survive a kill once its next Flush returns.
type Checkpointer interface {
	Checkpoint(meta *schemas.RunMeta) error
}

// Status is the live view of a run, reported about once a second.
type Status struct {
	Elapsed, Total time.Duration
	Step, Users    int     // Users: users running (over every shard), or an open loop's requests in flight
	Open           bool    // an open loop, offering OfferedRPS requests a second in Step
	OfferedRPS     float64 // see Open
	Waiting        bool    // open loop: an arrival waits for an in-flight slot (the cap is full)
	Phase          string  // "waiting" (for Shard.StartAt), "running" or "grace"
	// Wait is how long until Shard.StartAt, while Phase is "waiting".
	Wait time.Duration
	// Here is the users running on this recorder (Users when not sharded).
	Here           int
	RPS            float64 // completed requests per second over the last window
	P50, P95       float64 // window latency of successes, ms; NaN when none
	Requests       int64   // rows recorded so far
	Failures       int64
	WindowFailures int64
}

// Summary is what a finished run reports.
type Summary struct {
	Meta     *schemas.RunMeta
	Rows     int64
	Failures int64
	// P50, P95, P99 are live HdrHistogram figures over successes (3
	// significant digits), NaN when none; llmrep analyze gives exact ones.
	P50, P95, P99 float64
	// Users is the users this recorder ran of the schedule's Planned.
	Users, Planned int
}

// ErrSink wraps an error of the sink: the rows written before it are in
// whatever the sink keeps (runfile's journal).
var ErrSink = errors.New("rows could not be stored")

// Run executes the step load of cfg, sending every request through client
// and every row to sink. Canceling ctx ends the run early: no new
// requests, in-flight ones get cfg.Grace, then are canceled and recorded;
// the end reason is "interrupted" and its detail is context.Cause(ctx)'s
// text when the canceler gave one. Run returns an error only when cfg is
// invalid or the sink failed (wrapping ErrSink); a finished run's end
// reason is in Summary.Meta.EndReason.
func Run(ctx context.Context, cfg Config, client Client, sink Sink) (*Summary, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	source := cfg.PromptSource
	prompts := cfg.Prompts
	if len(prompts) == 0 {
		prompts, source = target.BuiltinPrompts(), "builtin"
	} else if source == "" {
		source = "file"
	}
	seed := cfg.Seed
	if cfg.OpenLoop.Open() && cfg.OpenLoop.Seed == 0 {
		// The arrival sequence is always reproducible: its seed is recorded.
		// The shards of a run share one sequence, so they derive one seed.
		switch {
		case seed != 0:
		case cfg.Shard.Sharded():
			seed = derivedSeed(&cfg)
		default:
			seed = int64(rand.Uint64() >> 1)
		}
		cfg.OpenLoop.Seed = seed
	}
	prompts, source = cfg.Workload.Prompts(prompts, source, seed)
	if cfg.Replay != nil {
		if err := cfg.Replay.checkPool(len(prompts)); err != nil {
			return nil, err
		}
	}
	e := &engine{cfg: &cfg, client: client, sink: sink, prompts: prompts, meta: newMeta(&cfg),
		global: newGlobalUsers(cfg.Shape, cfg.Shard)}
	e.meta.Workload = cfg.Workload.Meta(source, seed)
	if len(cfg.Classes) > 0 {
		e.classes, e.meta.Workload.Classes = newClasses(&cfg, seed)
		e.meta.Workload.Prompts = "classes"
	}
	if w := cfg.Workload; w.PrefixTokens > 0 {
		ps := w.PrefixSeed
		if ps == 0 {
			ps = seed
		}
		e.prefixes = target.SharedPrefixes(w.PrefixTokens, w.Prefixes, ps)
	}
	switch {
	case cfg.OpenLoop.Open():
		e.pick = promptPicker(cfg.OpenLoop.Seed, len(prompts))
		e.pickPrefix = prefixPicker(cfg.OpenLoop.Seed, len(e.prefixes))
	case cfg.Replay != nil:
		e.pick = promptPicker(seed, len(prompts)) // a closed loop's replay without prompt indexes
	}
	return e.run(ctx)
}

func newMeta(cfg *Config) *schemas.RunMeta {
	host, _ := os.Hostname()
	labels := map[string]string{}
	for k, v := range cfg.Labels {
		labels[k] = v
	}
	s := cfg.Shape
	red := cfg.Redactor()
	id := cfg.Shard.RunID
	if id == "" && (cfg.Shard.Sharded() || !cfg.Shard.StartAt.IsZero()) {
		tgt := red.String(cfg.Target)
		if cfg.Simulator != "" {
			tgt = "simulator:" + cfg.Simulator // each shard starts its own, on its own port
		}
		id = derivedRunID(cfg, tgt)
	} else if id == "" {
		id = newRunID()
	}
	m := &schemas.RunMeta{
		RunID: id, ToolVersion: schemas.ToolVersion, API: cfg.API, Stream: cfg.Stream,
		ChunkTimes: cfg.ChunkTimes && cfg.Stream && cfg.API != target.APIHTTP,
		Target:     red.String(cfg.Target), Model: red.String(cfg.Model), Simulator: cfg.Simulator,
		MaxTokens: cfg.MaxTokens, Labels: red.Labels(labels), Hostname: host,
		Shard: cfg.Shard.Index, Shards: cfg.Shard.Shards(),
		Shape: schemas.Shape{
			Profile: cfg.Profile, StepUsers: s.StepUsers, StepTimeS: s.StepTime.Seconds(), MaxUsers: s.MaxUsers,
			SpawnRate: s.rate(), DurationS: s.Total().Seconds(), WaitMinS: cfg.WaitMin.Seconds(),
			WaitMaxS: cfg.WaitMax.Seconds(), StopOnSaturation: cfg.StopOnSaturation,
		},
		Timeouts: schemas.Timeouts{TimeoutS: cfg.Timeout.Seconds(), IdleTimeoutS: cfg.IdleTimeout.Seconds(), GraceS: cfg.Grace.Seconds()},
	}
	if cfg.Replay != nil {
		of := cfg.Replay.Of
		m.Replay = &of
	}
	if cfg.OpenLoop.Open() {
		cfg.OpenLoop.RecordShape(&m.Shape)
	}
	return m
}

func newRunID() string {
	var b [8]byte
	for i := range b {
		b[i] = byte(rand.Uint32())
	}
	return fmt.Sprintf("%s-%x", time.Now().UTC().Format("20060102T150405Z"), b)
}

// engine is one run in progress. Its goroutines, all owned by run, which
// waits for each before it returns: the spawner (starts users on
// schedule), one per user (send, record, think) — or, for an open loop,
// the driver (arrive) and one sender per request — and the two consumers of
// the rows the users hand over, the persister (the sink) and the watcher
// (live statistics, generator health, the saturation rule).
type engine struct {
	cfg     *Config
	client  Client
	sink    Sink
	prompts []target.Prompt
	pick    func(arrival int64) int // an open-loop arrival's prompt
	classes *classes                // the workload's classes; nil without
	// prefixes are the shared prefixes (Workload.Prefixes); pickPrefix
	// chooses an open-loop arrival's (nil without prefixes).
	prefixes   []string
	pickPrefix func(arrival int64) int
	meta       *schemas.RunMeta
	global     *globalUsers // the closed-loop schedule and this shard's users

	t0       time.Time     // the schedule's time zero (see startClock)
	deadline time.Time     // t0 + the schedule's total
	joined   time.Time     // when this recorder began the schedule: t0, or later when it joined late
	stopSend chan struct{} // closed: users send no more requests
	reqCtx   context.Context
	active   atomic.Int32 // users (closed loop) or requests in flight (open loop)
	waiting  atomic.Int32 // open loop: arrivals waiting for an in-flight slot (0 or 1)
	estRows  atomic.Int64 // rows whose output_tokens is the client's estimate
	estText  atomic.Int64 // of which from the streamed text's length
	// unsent are an open loop's arrivals never sent, by step (guarded by
	// mu; written by the driver before it ends).
	unsent []schemas.StepCount
	seq    atomic.Int64
	// plan holds the level changes made so far (Control); changed
	// wakes the spawner or the arrival driver to apply them.
	plan    atomic.Pointer[[]schemas.ShapeChange]
	changed chan struct{}
	persist chan schemas.Record // to the persister
	watch   chan schemas.Record // to the watcher
	users   sync.WaitGroup

	mu        sync.Mutex
	ended     bool
	endReason string
	endDetail string
	phase     atomic.Value // string
}

// end stops sending, recording the first reason given; it reports whether
// this call was the one that ended the run.
func (e *engine) end(reason, detail string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ended {
		return false
	}
	e.ended = true
	e.endReason, e.endDetail = reason, detail
	e.phase.Store("grace")
	close(e.stopSend)
	return true
}

func (e *engine) run(ctx context.Context) (*Summary, error) {
	if err := e.begin(ctx); err != nil {
		return nil, err
	}
	e.stopSend = make(chan struct{})
	e.changed = make(chan struct{}, 1)
	e.persist = make(chan schemas.Record, 8192)
	e.watch = make(chan schemas.Record, 8192)
	e.phase.Store("running")
	reqCtx, cancelReqs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelReqs()
	e.reqCtx = reqCtx

	p := &persister{sink: e.sink, fail: func(err error) { e.end(schemas.EndError, err.Error()) }, changed: e.changedMeta()}
	w := newWatcher(e)
	var consumers, spawner sync.WaitGroup
	consumers.Go(func() { p.loop(e.persist) })
	consumers.Go(func() { w.loop(e.watch) })
	switch {
	case ctx.Err() != nil:
		// Canceled while waiting for start-at: nothing is scheduled, not
		// even the first user (await ends the run as interrupted).
	case e.cfg.Replay != nil:
		spawner.Go(e.replay)
	case e.cfg.open():
		spawner.Go(e.arrive)
	default:
		spawner.Go(e.spawn)
	}

	stopScrape := e.startScrape(ctx)
	e.await(ctx)
	spawner.Wait()
	e.drain(ctx, cancelReqs)
	stopScrape()
	close(e.persist)
	close(e.watch)
	consumers.Wait()
	return e.finish(p, w)
}

// begin starts the clock (waiting for the start time) and writes the
// run's metadata as at the start; an error when the schedule ended
// before this recorder began or the sink refused the start.
func (e *engine) begin(ctx context.Context) error {
	e.startClock(ctx)
	if err := e.cfg.CheckStart(e.joined); err != nil {
		return err // the schedule ended before this recorder began: nothing to send
	}
	e.meta.StartedAt = e.t0.UTC()
	if late := e.joined.Sub(e.t0); late > 0 {
		j := e.joined.UTC()
		e.meta.JoinedAt = &j
		if late >= LateJoin {
			e.notice(e.lateNotice(late))
		}
	}
	if err := e.sink.Begin(e.meta); err != nil {
		return fmt.Errorf("%w: %w", ErrSink, err)
	}
	return nil
}

// finish writes the final metadata once every row is persisted (p) and
// watched (w), and sums the run up.
func (e *engine) finish(p *persister, w *watcher) (*Summary, error) {
	m := e.meta
	m.EndedAt = time.Now().UTC()
	m.EndReason, m.EndDetail = e.endReason, e.endDetail
	m.Requests = p.rows
	m.EstimatedOutputRows = e.estRows.Load()
	m.EstimatedTextRows = e.estText.Load()
	e.mu.Lock()
	m.Unsent = e.unsent
	m.Shape.Changes = e.changes()
	e.mu.Unlock()
	w.generatorMeta(&m.Generator)
	if p.err == nil {
		p.err = e.sink.Finish(m)
	}
	if p.err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSink, p.err)
	}
	l := w.live
	return &Summary{
		Meta: m, Rows: p.rows, Failures: l.fails, Users: len(e.global.mine), Planned: len(e.global.starts),
		P50: quantileMS(l.total, 50), P95: quantileMS(l.total, 95), P99: quantileMS(l.total, 99),
	}, nil
}

// startClock fixes the schedule's clock, the one place that does: t0, its
// time zero, is Shard.StartAt when set (the same instant on every shard;
// it waits for it, reporting the wait, unless ctx is canceled first), else
// now; the schedule ends at deadline = t0 + Total. A recorder that begins
// after StartAt joins the schedule in progress: joined is when it began
// (t0 when on time). Every schedule, closed or open loop, counts from t0.
func (e *engine) startClock(ctx context.Context) {
	now := time.Now()
	e.t0, e.joined = now, now
	if at := e.cfg.Shard.StartAt; !at.IsZero() {
		e.t0, e.joined = at, now
		if now.Before(at) {
			e.joined = at
			if !e.waitStart(ctx, at) { // interrupted while waiting: nothing was scheduled
				e.t0 = time.Now()
				e.joined = e.t0
			}
		}
	}
	e.deadline = e.t0.Add(e.cfg.total())
}

// waitStart waits until at, reporting the wait once a second, and reports
// whether it got there (false: ctx was canceled first).
func (e *engine) waitStart(ctx context.Context, at time.Time) bool {
	e.notice(fmt.Sprintf("%s: waiting for start-at %s (in %s)", e.cfg.Shard, at.UTC().Format(time.RFC3339Nano),
		time.Until(at).Round(time.Second)))
	start := time.NewTimer(time.Until(at))
	defer start.Stop()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		if e.cfg.Progress != nil {
			e.cfg.Progress(Status{Phase: "waiting", Wait: time.Until(at), Total: e.cfg.total()})
		}
		select {
		case <-start.C:
			return true
		case <-ctx.Done():
			return false
		case <-tick.C:
		}
	}
}

// lateNotice says that this recorder joined the schedule late; more than
// a step late, it warns that the steps it missed ran without its share.
func (e *engine) lateNotice(late time.Duration) string {
	msg := fmt.Sprintf("%s joined the schedule %s late (start-at was %s): the users whose start had passed start now",
		e.cfg.Shard, late.Round(time.Millisecond), e.t0.UTC().Format(time.RFC3339Nano))
	if st := e.cfg.stepTime(); late > st {
		msg = fmt.Sprintf("warning: %s; that is more than a step (%s): it joined in step %d, and the steps before ran without this shard's share of the load, so their figures are low; start every shard before --start-at",
			msg, st, e.cfg.stepAt(late))
	}
	return msg
}

// notice passes a message to Config.Notice.
func (e *engine) notice(msg string) {
	if e.cfg.Notice != nil {
		e.cfg.Notice(msg)
	}
}

// await returns once sending stops: the schedule is over, ctx is
// canceled, or a consumer ended the run (saturation, a sink error).
// Meanwhile the run's Control, if any, can change its level.
func (e *engine) await(ctx context.Context) {
	if e.cfg.Control != nil {
		e.cfg.Control.e.Store(e)
	}
	total := time.NewTimer(time.Until(e.deadline)) // the deadline, not Total from now: Begin took time
	defer total.Stop()
	select {
	case <-total.C:
		e.end(schemas.EndCompleted, "")
	case <-ctx.Done():
		e.end(schemas.EndInterrupted, interruptDetail(ctx))
	case <-e.stopSend:
	}
}

// interruptDetail is the end detail of a run ended by canceling ctx.
func interruptDetail(ctx context.Context) string {
	if c := context.Cause(ctx); c != nil && !errors.Is(c, context.Canceled) && !errors.Is(c, context.DeadlineExceeded) {
		return c.Error()
	}
	return "interrupted"
}

// drain gives in-flight requests the grace period, then cancels them;
// users record the canceled requests before they return. Canceling ctx
// during the grace period cancels them at once and the run is recorded as
// interrupted, whatever ended it.
func (e *engine) drain(ctx context.Context, cancelReqs context.CancelFunc) {
	var users sync.WaitGroup
	usersDone := make(chan struct{})
	users.Go(func() { e.users.Wait(); close(usersDone) })
	defer users.Wait()
	grace := time.NewTimer(e.cfg.Grace)
	defer grace.Stop()
	interrupt := ctx.Done()
	if e.endReason == schemas.EndInterrupted {
		interrupt = nil // the interrupt ended the run: its requests get the grace
	}
	select {
	case <-usersDone:
	case <-grace.C:
		cancelReqs()
	case <-interrupt:
		cancelReqs()
		e.mu.Lock()
		e.endReason = schemas.EndInterrupted
		e.endDetail = interruptDetail(ctx) + " during the grace period; in-flight requests were canceled"
		e.mu.Unlock()
	}
}

// usersAt is a row's `users`: the users active on this recorder, or, when
// the schedule is split over shards, the users the global schedule has
// started by now.
func (e *engine) usersAt(now time.Time) int32 {
	if e.cfg.open() {
		return e.active.Load() // an open loop's requests in flight
	}
	if !e.cfg.Shard.Sharded() {
		return e.usersCap(now.Sub(e.t0), e.active.Load()) // one recorder's users
	}
	return int32(e.global.startedBy(now.Sub(e.t0)))
}

// user is one closed-loop virtual user: send, wait for the whole response,
// think for a uniform time in [WaitMin, WaitMax], send again; until
// sending stops, the schedule ends or the spawner retires it (h.quit).
// The spawner counted it in e.active; it counts itself out as it ends.
func (e *engine) user(id int32, next time.Time, h *userHandle) {
	defer e.users.Done()
	defer h.leave(e)
	rng := rand.New(rand.NewPCG(uint64(e.cfg.Seed), uint64(id)))
	if e.cfg.Seed == 0 {
		rng = rand.New(rand.NewPCG(rand.Uint64(), uint64(id)))
	}
	wmin, span := e.cfg.WaitMin, e.cfg.WaitMax-e.cfg.WaitMin
	var conv conversation
	var w waiter
	defer w.stop()
	for {
		if w.wait(next, e.stopSend, h.quit) != waitReached {
			return
		}
		if !time.Now().Before(e.deadline) {
			return // the schedule is over; the main loop is about to stop sending
		}
		var shared schemas.Record // the turn and prefix of the row
		var p target.Prompt
		var idx int
		var class *string
		if e.classes != nil {
			p, idx, class = e.classes.draw(rng)
		} else {
			p, idx = e.nextPrompt(rng, &conv, &shared)
		}
		seq := e.seq.Add(1) - 1
		users := e.usersAt(time.Now())
		res := e.client.Do(e.reqCtx, p)
		r := e.row(id, seq, users, next, &res)
		r.Turn, r.Prefix, r.Class = shared.Turn, shared.Prefix, class
		conv.answered(p, &res)
		e.requestSize(&r, idx, p)
		e.persist <- r
		e.watch <- r
		think := wmin
		if span > 0 {
			think += time.Duration(rng.Int64N(int64(span) + 1))
		}
		next = time.Now().Add(think)
	}
}

// waiter sleeps until a time unless sending stops; one per goroutine.
// Its timer is made on first use rather than made long and stopped: once,
// under load, Reset of such a stopped timer was measured waking its waiter
// up to ~450 ms late while fresh timers were not (BENCHMARKS.md, "Timers on
// this Go"; not reproduced on a quiet machine). The fresh form costs
// nothing and is never worse.
type waiter struct{ t *time.Timer }

// until waits for at and reports whether sending goes on.
func (w *waiter) until(at time.Time, stop <-chan struct{}) bool {
	return w.wait(at, stop, nil) == waitReached
}

// What ended a wait (waiter.wait).
type waitResult int

const (
	waitReached waitResult = iota // the time came
	waitStopped                   // stop was closed
	waitWoken                     // wake had a value, or was closed
)

// wait waits for at (the zero time: no time, only stop or wake) unless
// stop or wake comes first, and says which ended it; when several are
// ready, stop wins, then wake. A nil wake never comes.
func (w *waiter) wait(at time.Time, stop, wake <-chan struct{}) waitResult {
	var fire <-chan time.Time
	if d := time.Until(at); !at.IsZero() && d > 0 {
		if w.t == nil {
			w.t = time.NewTimer(d)
		} else {
			w.t.Reset(d)
		}
		fire = w.t.C
	}
	if fire != nil || at.IsZero() {
		select {
		case <-fire:
		case <-stop:
			return waitStopped
		case <-wake:
			w.stop()
			w.t = nil // a fresh timer next time (see waiter)
			return waitWoken
		}
	}
	select {
	case <-stop:
		return waitStopped
	default:
	}
	select {
	case <-wake:
		return waitWoken
	default:
		return waitReached
	}
}

func (w *waiter) stop() {
	if w.t != nil {
		w.t.Stop()
	}
}

// step32 is a step number as the file's int32 column holds it. Validate
// bounds a schedule to MaxSteps steps, so this clamps only what cannot
// happen, rather than let a step wrap to a negative number.
func step32(k int) int32 { return int32(min(max(k, 1), math.MaxInt32)) }

// requestSize fills a row's max_tokens and prompt_index: the prompt's own
// max_tokens, else the run's; none for the http API, which asks none.
func (e *engine) requestSize(r *schemas.Record, idx int, p target.Prompt) {
	pi := int32(min(idx, math.MaxInt32))
	r.PromptIndex = &pi
	if e.cfg.API == target.APIHTTP {
		return
	}
	mt := int32(min(cmp.Or(p.MaxTokens, e.cfg.MaxTokens), math.MaxInt32))
	r.MaxTokens = &mt
}

// row turns a result into the file's record: the one place where a
// request's sequence number and timestamps become a row.
func (e *engine) row(user int32, seq int64, users int32, scheduled time.Time, res *target.Result) schemas.Record {
	r := schemas.Record{
		RunID: e.meta.RunID, Shard: int32(e.cfg.Shard.Index), Seq: seq, User: user, Users: users,
		Step:        step32(e.cfg.Shape.StepAt(res.Start.Sub(e.t0))),
		ScheduledAt: scheduled.UTC(), Start: res.Start.UTC(),
		LatencyMS: float64(res.Latency) / float64(time.Millisecond),
		Status:    int32(res.Status), OK: res.OK, Chunks: res.Chunks, BytesIn: res.BytesIn,
		ChunkUS: res.ChunkUS,
	}
	if res.HasTTFT {
		v := float64(res.TTFT) / float64(time.Millisecond)
		r.TTFTMS = &v
	}
	switch tokenColumns(&r, *res) {
	case fromText:
		e.estText.Add(1)
		e.estRows.Add(1)
	case fromChunks:
		e.estRows.Add(1)
	}
	if !res.OK {
		cls := res.ErrorClass
		if cls == "" {
			cls = schemas.ErrProtocol
		}
		r.ErrorClass = &cls
		if res.Error != "" {
			msg := res.Error
			r.Error = &msg
		}
	}
	return r
}
