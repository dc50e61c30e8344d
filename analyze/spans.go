package analyze

import (
	"math"
	"sort"
)

// StepSpan is step k's span in seconds from the run's start, [start, end):
// the one rule of every figure that needs a step's span or its own warmup
// (the SQL's step_start and step_of fragments are the same rule). With
// StepEndsS, step k ends at StepEndsS[k-1] and starts where step k−1
// ended (step 1 at 0), and a step past the list is StepTimeS long after
// the one before it; without, every step is StepTimeS long (step k spans
// [(k−1)·StepTimeS, k·StepTimeS)). ok is false for k below 1 and, past the
// listed ends, without a step time.
func (sh Shape) StepSpan(k int) (start, end float64, ok bool) {
	n := len(sh.StepEndsS)
	switch {
	case k < 1:
		return 0, 0, false
	case k <= n:
		return sh.endOf(k - 1), sh.StepEndsS[k-1], true
	case !(sh.StepTimeS > 0):
		return 0, 0, false
	}
	last := sh.endOf(n)
	// Each bound from last, so that without ends they are (k−1)·StepTimeS
	// and k·StepTimeS to the bit, as before steps could differ.
	return last + float64(k-1-n)*sh.StepTimeS, last + float64(k-n)*sh.StepTimeS, true
}

// endOf is where the first n listed steps ended: StepEndsS[n-1], 0 for
// none.
func (sh Shape) endOf(n int) float64 {
	if n == 0 {
		return 0
	}
	return sh.StepEndsS[n-1]
}

// stepLength is how long step k is (StepSpan): its listed span, or
// StepTimeS past the list (0 without one).
func (sh Shape) stepLength(k int) float64 {
	if k >= 1 && k <= len(sh.StepEndsS) {
		s, e, _ := sh.StepSpan(k)
		return e - s
	}
	return math.Max(sh.StepTimeS, 0)
}

// stepsDone is how many steps had ended by t, seconds from the run's
// start (StepSpan; past the listed ends, a step that ends within 1e-9 of
// a step time after t counts, as the rounding of t may hide its end).
func (sh Shape) stepsDone(t float64) int {
	n := sort.SearchFloat64s(sh.StepEndsS, math.Nextafter(t, math.Inf(1)))
	if n < len(sh.StepEndsS) || !(sh.StepTimeS > 0) {
		return n
	}
	last := sh.endOf(n)
	return n + max(0, int(math.Floor((t-last)/sh.StepTimeS+1e-9)))
}

// stepOf is the step whose span (StepSpan) holds t, seconds from the
// run's start; 0 when none does (t before 0, or past the listed ends
// without a step time).
func (sh Shape) stepOf(t float64) int {
	if !(t >= 0) {
		return 0
	}
	n := sort.SearchFloat64s(sh.StepEndsS, math.Nextafter(t, math.Inf(1)))
	if n < len(sh.StepEndsS) {
		return n + 1
	}
	if !(sh.StepTimeS > 0) {
		return 0
	}
	last := sh.endOf(n)
	return n + int(math.Floor((t-last)/sh.StepTimeS)) + 1
}

// stepEndsUS is sh.StepEndsS in µs: the ends parameter of the SQL's
// step spans (fragments.sql); empty, never nil, without them.
func stepEndsUS(sh Shape) []int64 {
	out := make([]int64, len(sh.StepEndsS))
	for i, e := range sh.StepEndsS {
		out[i] = int64(math.Round(e * 1e6))
	}
	return out
}
