package record

import (
	"maps"
	"math"
	"runtime"
	"time"

	"github.com/llmrec/llmrec/schemas"
)

// Snapshot is the live view of a run for a dashboard, made once a second
// by the watcher when Config.Snapshot is set. Its figures are the live,
// approximate ones of the status line (HdrHistogram, 3 significant
// digits, over the last 10 s of completions); llmrep analyze computes the
// exact ones from the file. Latencies are in ms and NaN when there is no
// sample; a Snapshot shares nothing with the engine once handed over.
type Snapshot struct {
	Status
	P99                       float64 // window latency of successes
	TTFTP50, TTFTP95, TTFTP99 float64 // window time to first token of successes
	TokensPerSec              float64 // output tokens completed per second over the window
	// FailuresByClass counts the failures completed in the last second
	// by error class.
	FailuresByClass map[string]int64
	// StepP95 is the current step's live p95 (requests sent after the
	// live warmup), NaN when none. BaselineStep is 0 until the baseline
	// step (the first with users ≥ the baseline users) has ended; then
	// BaselineP95 is its p95 and Limit is the saturation limit, the
	// latency threshold × BaselineP95.
	StepP95 float64
	// StepP95Step is the step StepP95 is of: the current one, or until
	// it has a success the one before (0: none).
	StepP95Step  int
	BaselineStep int
	BaselineP95  float64
	Limit        float64
	// SendLagMS is the worst send lag of the requests sent in the last
	// second (a late send means the generator, not the server, is slow);
	// CPU is the cores the process used over it.
	SendLagMS  float64
	CPU        float64
	Goroutines int

	// SentRPS is the requests sent per second over the window (an open
	// loop's achieved rate; RPS counts completions).
	SentRPS float64
	// Steps are the rows of the live statistics table that changed in
	// the second (the current step's always), in step order; TotalRow is
	// the run's row; FailureClasses the failures table by class.
	Steps          []StepRow
	TotalRow       StepRow
	FailureClasses []FailureClass
	// Verdict is the level rules' verdict on the rows so far.
	Verdict LiveVerdict
	// FiredStep is the step where the live saturation rule (that of
	// --stop-on-saturation) first fired, 0 until it does; FiredAt when,
	// FiredDetail why.
	FiredStep   int
	FiredAt     time.Duration
	FiredDetail string
	// Changes are the level changes made so far (Control), in order.
	Changes []schemas.ShapeChange
}

// snapshot makes the Snapshot of the second just ended at elapsed, from
// the status and the live statistics; cores and lag are that second's
// generator health.
func (w *watcher) snapshot(st Status, elapsed time.Duration, cores, lag float64) Snapshot {
	l, cfg := w.live, w.e.cfg
	now := int64(elapsed / time.Second)
	h, _, _ := l.window(now)
	ttft := newHist()
	var tokens int64
	for i := range l.ring {
		if s := l.ringSec[i]; s > now-windowSeconds && s <= now {
			ttft.Merge(l.ringTTFT[i])
			tokens += l.ringTok[i]
		}
	}
	s := Snapshot{
		Status: st, P99: quantileMS(h, 99),
		TTFTP50: quantileMS(ttft, 50), TTFTP95: quantileMS(ttft, 95), TTFTP99: quantileMS(ttft, 99),
		FailuresByClass: maps.Clone(l.secClass), SendLagMS: round3(lag), CPU: round3(cores),
		Goroutines: runtime.NumGoroutine(), StepP95: math.NaN(),
	}
	if span := min(elapsed.Seconds(), windowSeconds); span > 0 {
		s.TokensPerSec = float64(tokens) / span
	}
	cur := int32(st.Step)
	for k := cur; k >= max(cur-1, 1); k-- {
		if step := l.steps[k]; step != nil && step.ok > 0 {
			s.StepP95, s.StepP95Step = quantileMS(step.hist, 95), int(k)
			break
		}
	}
	s.SentRPS = w.sentRate(elapsed)
	s.Steps, s.TotalRow = w.updateTable(elapsed)
	s.FailureClasses = l.failures()
	s.Verdict = w.verdict()
	s.FiredStep, s.FiredAt, s.FiredDetail = w.fired.step, w.fired.at, w.fired.detail
	s.Changes = w.e.changes() // never modified: a change stores a new slice
	w.sat.findBaseline(l, cur, w.e.cfg.open())
	if w.sat.baselineStep != 0 {
		s.BaselineStep, s.BaselineP95 = int(w.sat.baselineStep), w.sat.baselineP95
		s.Limit = cfg.LatencyThreshold * w.sat.baselineP95
	}
	return s
}

// sentRate is the requests sent per second over the last windowSeconds
// ticks (fewer at the start), from the engine's sequence numbers.
func (w *watcher) sentRate(elapsed time.Duration) float64 {
	n := w.e.seq.Load()
	i := w.tick % len(w.sent)
	w.sent[i] = n
	w.tick++
	back := min(w.tick-1, windowSeconds)
	span := min(elapsed.Seconds(), float64(back))
	if back == 0 || span <= 0 {
		if s := elapsed.Seconds(); s > 0 {
			return float64(n) / s
		}
		return 0
	}
	old := w.sent[(i-back+len(w.sent))%len(w.sent)]
	return float64(n-old) / span
}
