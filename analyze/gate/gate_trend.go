package gate

import (
	"fmt"
	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/compare"
	"slices"
	"strconv"
)

// `llmrep check --trend`: the newest run's regression gates are judged
// against the trend of the previous runs instead of one baseline run. Each
// previous run has one value of the figure, so there is no test on raw
// values; the spread of the previous runs stands in for one. A
// max-regression gate fails when the run's value is worse than the median
// of the previous runs by more than the limit and the min effect, and
// worse than every one of them.

// MinTrendRuns is the fewest previous runs a trend gate is judged on.
const MinTrendRuns = 2

// CheckTrend evaluates gates on run: max and min gates as Check does,
// max-regression gates against previous (the runs before it, oldest
// first).
func CheckTrend(run *analyze.RunData, previous []*analyze.Analysis, gates []Gate, alpha float64, me compare.MinEffect, inconclusiveFails bool) (*CheckResult, error) {
	if !(alpha > 0 && alpha < 1) {
		return nil, fmt.Errorf("alpha %v must be in (0, 1)", alpha)
	}
	res := &CheckResult{Run: run.Name, Alpha: alpha, MinEffect: me, Inconclusive: StatusPass, Gates: []GateResult{},
		MinGateSamples: analyze.MinStepSamples, TrendRuns: len(previous)}
	if inconclusiveFails {
		res.Inconclusive = StatusFail
	}
	res.Baseline = "the trend of the previous " + strconv.Itoa(len(previous)) + " runs"
	res.add(gates, inconclusiveFails, func(g Gate) GateResult {
		if g.Kind != GateMaxRegression {
			return noFigures(evaluate(run, nil, g, alpha, me), run, nil)
		}
		return noFigures(evaluateTrend(run, previous, g, me), run, nil)
	})
	if err := run.Samples.Err(); err != nil {
		return nil, err
	}
	return res, nil
}

// analysisAt is analysis a at gate g's level (no raw values: a trend
// reads figures only), false when a lacks it.
func analysisAt(a *analyze.Analysis, g Gate) (compare.Level, bool) {
	if g.Level == 0 {
		return compare.Level{Analysis: a}, true
	}
	if st := stepAt(a, g.Level); st != nil {
		return compare.Level{Analysis: a, Step: st}, true
	}
	return compare.Level{}, false
}

// evaluateTrend judges a max-regression gate against the previous runs.
func evaluateTrend(run *analyze.RunData, previous []*analyze.Analysis, g Gate, me compare.MinEffect) GateResult {
	r, d, _, done := reading(run, g)
	if done {
		return r
	}
	var prev []float64
	for _, a := range previous {
		if pv, ok := analysisAt(a, g); ok {
			if x := d.Value(pv); x != nil {
				prev = append(prev, *x)
			}
		}
	}
	r.Outcome.Trend, r.Outcome.Previous = true, len(prev)
	if r.Value == nil || len(prev) < MinTrendRuns {
		return inconclusive(r, WhyFewRuns)
	}
	if r.Samples < analyze.MinStepSamples {
		return inconclusive(r, WhyFewSamples)
	}
	med := compare.MedianOf(prev)
	r.Base = ptr(med)
	ch := compare.PlainChange(r.Base, r.Value)
	ch.MinEffect, _ = me.Threshold(d.Unit)
	ch.Negligible = me.Negligible(d.Unit, ch)
	r.Change = ch
	beyondAll := true
	for _, p := range prev {
		if (*r.Value-p)*float64(d.Worse) <= 0 {
			beyondAll = false
		}
	}
	r.Outcome.Lo, r.Outcome.Hi = slices.Min(prev), slices.Max(prev)
	r.Status = StatusPass
	switch {
	case ch.Negligible:
		r.Outcome.Why = WhyNegligible
	case worseBy(d, ch) > g.Limit && beyondAll:
		r.Status, r.Outcome.Why = StatusFail, WhyRegression
	case worseBy(d, ch) > g.Limit:
		r.Outcome.Why = WhyWithinRange
	default:
		r.Outcome.Why = WhyWithin
	}
	return r
}
