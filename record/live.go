package record

import (
	"fmt"
	"math"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/llmrec/llmrec/schemas"
)

// Live statistics use HdrHistogram (3 significant digits, 1 µs to 1 h):
// they drive the status line and --stop-on-saturation while the run goes
// on. They are approximate by design; llmrep computes the exact figures
// from the file.
func newHist() *hdrhistogram.Histogram {
	return hdrhistogram.New(1, int64(time.Hour/time.Microsecond), 3)
}

// quantileMS is the q-quantile (0-100) in milliseconds, NaN when empty,
// as the analyzer defines it (linear interpolation between the two order
// statistics around q·(n−1)), each read from the histogram.
func quantileMS(h *hdrhistogram.Histogram, q float64) float64 {
	n := h.TotalCount()
	if n == 0 {
		return math.NaN()
	}
	// The value of 0-based rank k: HdrHistogram's quantile (k+1)/n
	// counts k+1 values.
	at := func(k float64) float64 { return float64(h.ValueAtQuantile((k+1)/float64(n)*100)) / 1000 }
	pos := q / 100 * float64(n-1)
	lo := math.Floor(pos)
	v := at(lo)
	if pos > lo {
		v += (pos - lo) * (at(lo+1) - v)
	}
	return v
}

func recordMS(h *hdrhistogram.Histogram, ms float64) {
	us := int64(ms * 1000)
	if us < 1 {
		us = 1
	}
	if max := h.HighestTrackableValue(); us > max {
		us = max
	}
	h.RecordValue(us)
}

// windowSeconds is the status line's window: requests completed in the last
// 10 s, like Locust's real-time view.
const windowSeconds = 10

// stepStats is one step's live figures, over requests sent in the step
// after the live warmup.
type stepStats struct {
	users    int
	ok, fail int64
	waited   int64 // sent more than waitToleranceMS after they were due (open loop)
	hist     *hdrhistogram.Histogram
	ttft     *hdrhistogram.Histogram // of successes
	maxMS    float64                 // the slowest success, exact
}

func newStepStats() *stepStats { return &stepStats{hist: newHist(), ttft: newHist()} }

// live holds the statistics the watcher goroutine keeps as rows arrive.
// Only that goroutine touches it.
type live struct {
	t0      time.Time
	warmup  time.Duration // rows sent before t0+warmup are left out of step stats
	ring    [windowSeconds]*hdrhistogram.Histogram
	ringOK  [windowSeconds]int64
	ringBad [windowSeconds]int64
	ringSec [windowSeconds]int64 // which second each slot holds
	// ringTTFT and ringTok are the window's TTFT of successes and output
	// tokens, kept for the dashboard's snapshot (see snapshot.go).
	ringTTFT [windowSeconds]*hdrhistogram.Histogram
	ringTok  [windowSeconds]int64
	total    *hdrhistogram.Histogram
	lag      *hdrhistogram.Histogram
	steps    map[int32]*stepStats
	// all is the run's row of the live table: every request of steps.
	all *stepStats
	// stepTime is the schedule's step; done counts the successes
	// completed after the warmup by the step span they completed in, and
	// dirty the steps whose row changed since the table was last made.
	stepTime time.Duration
	endAt    time.Duration // the schedule's end
	done     map[int32]int64
	dirty    map[int32]bool
	classes  map[string]*FailureClass
	rows     int64
	fails    int64
	secLag   float64 // worst lag of rows sent in the current second, ms
	// secClass counts the failures completed in the current second by
	// class; the watcher resets it each second.
	secClass map[string]int64
}

func newLive(t0 time.Time, warmup, stepTime, endAt time.Duration) *live {
	l := &live{t0: t0, warmup: warmup, total: newHist(), lag: newHist(), steps: map[int32]*stepStats{}, secClass: map[string]int64{},
		all: newStepStats(), stepTime: stepTime, endAt: endAt, done: map[int32]int64{}, dirty: map[int32]bool{}, classes: map[string]*FailureClass{}}
	for i := range l.ring {
		l.ring[i] = newHist()
		l.ringTTFT[i] = newHist()
		l.ringSec[i] = -1
	}
	return l
}

func (l *live) add(r *schemas.Record) {
	l.rows++
	end := r.Start.Add(time.Duration(r.LatencyMS * float64(time.Millisecond)))
	sec := int64(end.Sub(l.t0) / time.Second)
	slot := int(((sec % windowSeconds) + windowSeconds) % windowSeconds)
	if l.ringSec[slot] != sec {
		l.ring[slot].Reset()
		l.ringTTFT[slot].Reset()
		l.ringOK[slot], l.ringBad[slot], l.ringTok[slot], l.ringSec[slot] = 0, 0, 0, sec
	}
	if r.OutputTokens != nil {
		l.ringTok[slot] += int64(*r.OutputTokens)
	}
	lagMS := float64(r.Start.Sub(r.ScheduledAt)) / float64(time.Millisecond)
	recordMS(l.lag, max(lagMS, 0.001))
	l.secLag = max(l.secLag, lagMS)
	if r.OK {
		recordMS(l.ring[slot], r.LatencyMS)
		recordMS(l.total, r.LatencyMS)
		if r.TTFTMS != nil {
			recordMS(l.ringTTFT[slot], *r.TTFTMS)
		}
		l.ringOK[slot]++
		l.addDone(end)
	} else {
		l.fails++
		l.ringBad[slot]++
		cls := schemas.ErrProtocol
		if r.ErrorClass != nil {
			cls = *r.ErrorClass
		}
		l.secClass[cls]++
		l.addFailure(cls, r, end)
	}
	if r.Start.Sub(l.t0) < l.warmup {
		return
	}
	l.addStep(r, lagMS)
}

// window merges the last windowSeconds seconds ending at second now.
func (l *live) window(now int64) (h *hdrhistogram.Histogram, ok, bad int64) {
	h = newHist()
	for i := range l.ring {
		if s := l.ringSec[i]; s > now-windowSeconds && s <= now {
			h.Merge(l.ring[i])
			ok += l.ringOK[i]
			bad += l.ringBad[i]
		}
	}
	return h, ok, bad
}

// saturation is the live rule of --stop-on-saturation.
type saturation struct {
	baselineUsers    int
	latencyThreshold float64
	errorThreshold   float64
	baselineStep     int32
	baselineP95      float64
}

// minStepSamples is the fewest requests a step needs before the live rule
// judges it.
const minStepSamples = 30

// Open-loop waits, as the analyzer counts them (docs/METHOD.md): an
// arrival sent more than waitToleranceMS after it was due waited (for an
// in-flight slot or for the generator), and a step where more than
// waitFraction of the arrivals waited is saturated by throughput.
const (
	waitToleranceMS = 10.0
	waitFraction    = 0.01
)

// check judges the step running at elapsed once half of it has passed. It
// fixes the baseline and then reports whether the current step's p95
// exceeds latencyThreshold × the baseline's, or its failure rate
// errorThreshold. The baseline of a closed loop is the first step with
// users ≥ baselineUsers; an open loop's is its first step (its live
// figures leave out the warmup, as the analyzer's do), and an open loop is
// also saturated when more than waitFraction of the step's arrivals waited
// (the offered rate was not sent). Each baseline is judged when its step
// ends. rateOf is an open loop's offered rate of a step (changes
// included).
func (s *saturation) check(l *live, cfg *Config, rateOf func(int) float64, elapsed time.Duration) (fired bool, detail string) {
	open, stepTime := cfg.open(), cfg.stepTime()
	cur := int32(cfg.stepAt(elapsed))
	at := func(st *stepStats, k int32) string {
		if open {
			return fmt.Sprintf("at %g req/s offered", rateOf(int(k)))
		}
		return fmt.Sprintf("at %d users", st.users)
	}
	if s.baselineStep == 0 {
		s.findBaseline(l, cur, open)
		return false, ""
	}
	if cur <= s.baselineStep || elapsed-time.Duration(cur-1)*stepTime < stepTime/2 {
		return false, ""
	}
	st := l.steps[cur]
	if st == nil || st.ok+st.fail < minStepSamples {
		return false, ""
	}
	n := float64(st.ok + st.fail)
	if open && float64(st.waited) > waitFraction*n {
		return true, fmt.Sprintf("%d of %d arrivals %s were sent over %.0f ms late (throughput: the offered rate was not sent)", st.waited, st.ok+st.fail, at(st, cur), waitToleranceMS)
	}
	if rate := float64(st.fail) / n; rate > s.errorThreshold {
		return true, fmt.Sprintf("failure rate %.1f%% %s is over %.1f%%", 100*rate, at(st, cur), 100*s.errorThreshold)
	}
	if p95 := quantileMS(st.hist, 95); p95 > s.latencyThreshold*s.baselineP95 {
		return true, fmt.Sprintf("p95 %.0f ms %s is over %.1f × the baseline %.0f ms (step %d)", p95, at(st, cur), s.latencyThreshold, s.baselineP95, s.baselineStep)
	}
	return false, ""
}

// findBaseline fixes the baseline once a step before cur qualifies: the
// first with users ≥ baselineUsers and a success.
func (s *saturation) findBaseline(l *live, cur int32, open bool) {
	if s.baselineStep != 0 {
		return
	}
	for k := int32(1); k < cur; k++ {
		st := l.steps[k]
		if st != nil && (open || st.users >= s.baselineUsers) && st.ok > 0 {
			s.baselineStep, s.baselineP95 = k, quantileMS(st.hist, 95)
			return
		}
	}
}
