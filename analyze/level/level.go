package level

import (
	"math"
	"slices"
)

// Kind is what a run's levels count.
type Kind string

const (
	// Users: a closed loop's levels are its users.
	Users Kind = "users"
	// Rate: an open loop's levels are its offered rates (req/s).
	Rate Kind = "rate"
)

// Signals of saturation.
const (
	SignalLatency    = "latency"
	SignalErrors     = "errors"
	SignalThroughput = "throughput"
)

// Step is what the rules read of one step. Counts are over the step's
// post-warmup requests; a nil figure has no samples.
type Step struct {
	Step  int
	Level float64
	// Sent requests, of which Failures failed; Unsent arrivals of an open
	// loop were due in the step but never sent (the run ended while they
	// waited for a slot).
	Sent, Failures, Unsent int64
	// Good requests succeeded and met every SLO (every success without
	// one).
	Good int64
	// P95 is the p95 of the metric over the step's successes (ms).
	P95 *float64
	// Open loops: the offered, achieved (sent) and completed rates (req/s)
	// over DurationS seconds, and how many arrivals waited for a slot.
	Offered, Achieved, Completed *float64
	DurationS                    float64
	Waited                       int64
}

// FailRate is failures over the requests sent (nil with none sent).
func (s Step) FailRate() *float64 {
	if s.Sent == 0 {
		return nil
	}
	v := float64(s.Failures) / float64(s.Sent)
	return &v
}

// Attainment is good requests over the requests due (sent and unsent: an
// arrival never sent met no SLO); nil with none due.
func (s Step) Attainment() *float64 {
	if s.Sent+s.Unsent == 0 {
		return nil
	}
	v := float64(s.Good) / float64(s.Sent+s.Unsent)
	return &v
}

// Rules are the thresholds of the method.
type Rules struct {
	Kind Kind
	// BaselineLevel: in a closed loop the baseline is the first step whose
	// level is at least this; an open loop's is its first step.
	BaselineLevel float64
	// LatencyThreshold: saturated when p95 exceeds this multiple of the
	// baseline's; ErrorThreshold: when the failure rate exceeds it.
	LatencyThreshold, ErrorThreshold float64
	// SLO: a capacity within an SLO, each level needing SLOTarget of its
	// requests good.
	SLO       bool
	SLOTarget float64
	// Poisson arrivals: a shortfall within chance (3 standard deviations
	// of a Poisson count) is not a throughput signal.
	Poisson bool
	// SentRatio: an open-loop step that sent, or completed, less than this
	// share of its offered load could not serve it; WaitFraction: more
	// than this share of its arrivals waiting for a slot fires too.
	SentRatio, WaitFraction float64
}

// Fired are the signals that fired at one step, with the factors by which
// each is over its threshold (0: not over; +Inf for errors over a zero
// threshold).
type Fired struct {
	LatencyRatio         *float64 // p95 over the baseline's
	LatencyFactor        float64
	ErrorFactor          float64
	Short, Unserved      bool // sent, or completed, too little of the offered load
	Waited               bool // too many arrivals waited for a slot
	SentRatio, DoneRatio *float64
}

// Any tells whether a signal fired.
func (f Fired) Any() bool { return f.LatencyFactor > 0 || f.ErrorFactor > 0 || f.Throughput() }

// Throughput tells whether the throughput signal fired.
func (f Fired) Throughput() bool { return f.Short || f.Unserved || f.Waited }

// Signals lists the signals that fired, in the order latency, errors,
// throughput.
func (f Fired) Signals() []string {
	out := []string{}
	if f.LatencyFactor > 0 {
		out = append(out, SignalLatency)
	}
	if f.ErrorFactor > 0 {
		out = append(out, SignalErrors)
	}
	if f.Throughput() {
		out = append(out, SignalThroughput)
	}
	return out
}

// Main is the signal a report names: throughput first (the offered load
// was not served), then the larger of the latency and error factors.
func (f Fired) Main() string {
	switch {
	case f.Throughput():
		return SignalThroughput
	case f.ErrorFactor > f.LatencyFactor:
		return SignalErrors
	case f.LatencyFactor > 0:
		return SignalLatency
	}
	return ""
}

// Verdict is where a run's steps put its answers; each index is into the
// steps given, -1 for none.
type Verdict struct {
	// Baseline is the baseline step; BaselineHeld that it did not itself
	// fail more than the error threshold (the latency rule needs one that
	// held, with a p95).
	Baseline     int
	BaselineHeld bool
	// Saturation is the first step from the baseline on where a signal
	// fired (the baseline step by the error or throughput rule only), and
	// Fired what fired there.
	Saturation int
	Fired      Fired
	// Capacity is the step of the capacity level (its last step at that
	// level); Bounded that a level above it failed the rule (false: every
	// level the run loaded held, so the service may hold more).
	Capacity int
	Bounded  bool
	// Knee is the step after which completed throughput stopped rising
	// (within noise): the first level whose completed req/s no later level
	// beats by more than KneeGain; -1 with fewer than two levels or no
	// throughput figures.
	Knee int
}

// KneeGain: a later level must complete more than this share more per
// second than the knee to count as still rising.
const KneeGain = 0.05

// Judge gives the verdict of steps (in time order).
func Judge(steps []Step, r Rules) Verdict {
	v := Verdict{Baseline: Baseline(steps, r), Saturation: -1, Capacity: -1, Knee: Knee(steps)}
	if v.Baseline >= 0 {
		b := steps[v.Baseline]
		v.BaselineHeld = !errorsOver(b, r) && b.P95 != nil && *b.P95 > 0
		for i := v.Baseline; i < len(steps); i++ {
			f := At(steps[i], steps[v.Baseline], v.BaselineHeld && i > v.Baseline, r)
			if f.Any() {
				v.Saturation, v.Fired = i, f
				break
			}
		}
	}
	v.Capacity, v.Bounded = Capacity(steps, v, r)
	return v
}

// Baseline is the index of the baseline step: an open loop's first step,
// a closed loop's first step at BaselineLevel or above; -1 for none.
func Baseline(steps []Step, r Rules) int {
	for i, s := range steps {
		if s.Sent+s.Unsent > 0 && (r.Kind == Rate || s.Level >= r.BaselineLevel) {
			return i
		}
	}
	return -1
}

func errorsOver(s Step, r Rules) bool {
	fr := s.FailRate()
	return fr != nil && *fr > r.ErrorThreshold
}

// At measures the signals of step s against the baseline base. latency
// says whether the latency rule applies (a later step than a baseline
// that held).
func At(s, base Step, latency bool, r Rules) Fired {
	var f Fired
	if latency && s.P95 != nil {
		lr := *s.P95 / *base.P95
		f.LatencyRatio = &lr
		if lr > r.LatencyThreshold {
			f.LatencyFactor = lr / r.LatencyThreshold
		}
	}
	if errorsOver(s, r) {
		f.ErrorFactor = math.Inf(1)
		if r.ErrorThreshold > 0 {
			f.ErrorFactor = *s.FailRate() / r.ErrorThreshold
		}
	}
	if r.Kind == Rate {
		f.SentRatio, f.Short = shortOf(s.Offered, s.Achieved, s.DurationS, r)
		f.DoneRatio, f.Unserved = shortOf(s.Offered, s.Completed, s.DurationS, r)
		due := s.Sent + s.Unsent
		f.Waited = due > 0 && float64(s.Waited+s.Unsent) > r.WaitFraction*float64(due)
	}
	return f
}

// shortOf is rate got over offered, and whether it fell short of the
// offered load by more than SentRatio allows and, for Poisson arrivals,
// by more than a chance shortfall.
func shortOf(offered, got *float64, seconds float64, r Rules) (*float64, bool) {
	if offered == nil || got == nil || *offered <= 0 || seconds <= 0 {
		return nil, false
	}
	ratio := *got / *offered
	expected := *offered * seconds
	limit := r.SentRatio * expected
	if r.Poisson {
		limit = math.Min(limit, expected-3*math.Sqrt(expected))
	}
	return &ratio, *got*seconds < limit
}

// Meets tells whether step s meets the capacity rule: with an SLO, its
// attainment reaches the target and its failure rate is within the error
// threshold; without one, the step is before the saturation point.
func Meets(s Step, r Rules) bool {
	if errorsOver(s, r) {
		return false
	}
	a := s.Attainment()
	return a != nil && *a >= r.SLOTarget
}

// Capacity is the capacity step of v over steps and whether a level above
// it failed. Without an SLO: the last level before saturation (none when
// the run saturated at its first judged step, or was not judged). With
// one: the highest level such that it and every level below it met
// Meets.
func Capacity(steps []Step, v Verdict, r Rules) (idx int, bounded bool) {
	if !r.SLO {
		switch {
		case v.Baseline < 0:
			return -1, false
		case v.Saturation < 0:
			return last(steps), false
		case v.Saturation == v.Baseline:
			return -1, true
		}
		idx = v.Saturation - 1
		// The last step before saturation at a level below the saturating
		// one (a hold step at the same level saturated with it) that sent
		// requests: a level nothing was sent at held nothing.
		for idx >= 0 && (steps[idx].Level >= steps[v.Saturation].Level || steps[idx].Sent == 0) {
			idx--
		}
		return idx, true
	}
	// Levels in ascending order; a level holds when each of its steps
	// met the rule.
	met := map[float64]bool{}
	var levels []float64
	for _, s := range steps {
		ok, seen := met[s.Level]
		if !seen {
			levels = append(levels, s.Level)
			ok = true
		}
		met[s.Level] = ok && Meets(s, r)
	}
	slices.Sort(levels)
	best := math.NaN()
	for _, l := range levels {
		if !met[l] {
			bounded = true
			break
		}
		best = l
	}
	if math.IsNaN(best) {
		return -1, bounded
	}
	for i := len(steps) - 1; i >= 0; i-- {
		if steps[i].Level == best {
			return i, bounded
		}
	}
	return -1, bounded
}

// last is the index of the last step at the highest level that sent
// requests.
func last(steps []Step) int {
	idx := -1
	for i, s := range steps {
		if s.Sent > 0 && (idx < 0 || s.Level >= steps[idx].Level) {
			idx = i
		}
	}
	return idx
}

// Knee is the index of the first step of the first level whose completed
// rate no later level beats by more than KneeGain (-1 without two levels
// with a completed rate).
func Knee(steps []Step) int {
	idx, n := -1, 0
	for i, s := range steps {
		if s.Completed == nil {
			continue
		}
		n++
		if idx < 0 || *s.Completed > *steps[idx].Completed*(1+KneeGain) {
			idx = i
		}
	}
	if n < 2 {
		return -1
	}
	return idx
}
