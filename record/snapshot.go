package record

import (
	"maps"
	"math"
	"runtime"
	"time"
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
	StepP95      float64
	BaselineStep int
	BaselineP95  float64
	Limit        float64
	// SendLagMS is the worst send lag of the requests sent in the last
	// second (a late send means the generator, not the server, is slow);
	// CPU is the cores the process used over it.
	SendLagMS  float64
	CPU        float64
	Goroutines int
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
	if step := l.steps[cur]; step != nil && step.ok > 0 {
		s.StepP95 = quantileMS(step.hist, 95)
	}
	w.sat.findBaseline(l, cur, w.e.cfg.open())
	if w.sat.baselineStep != 0 {
		s.BaselineStep, s.BaselineP95 = int(w.sat.baselineStep), w.sat.baselineP95
		s.Limit = cfg.LatencyThreshold * w.sat.baselineP95
	}
	return s
}
