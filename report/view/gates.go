package view

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/compare"
	"github.com/llmrec/llmrec/analyze/gate"
)

// The lines of `llmrep check`: a gate's outcome (gate.Outcome) in words,
// once for every format; the JSON's gates[].line is GateLine.

// WithLines returns r with every gate's Line worded (GateLine), for the
// JSON; r is not changed.
func WithLines(r *gate.CheckResult) *gate.CheckResult {
	out := *r
	out.Gates = make([]gate.GateResult, len(r.Gates))
	for i, g := range r.Gates {
		g.Line = GateLine(g)
		out.Gates[i] = g
	}
	return &out
}

// GateLine is a gate's one-line report: its status, the metric and where
// it looks, the value and the limit, or why it could not be judged.
func GateLine(r gate.GateResult) string {
	d, _ := compare.FindMetric(r.Gate.Metric)
	o := r.Outcome
	status := r.Status
	if o.Empty != "" {
		status = gate.StatusPass // a pass that the run's missing figures made inconclusive
	}
	name := gateName(d, r.Gate, o.LevelKind)
	line := gateBound(r, d, name, status)
	if line == "" {
		line = gateRegression(r, d, name, status)
	}
	if line == "" {
		line = "INCONCLUSIVE " + name + ": " + gateWhy(r, d)
	}
	if o.Empty != "" {
		line = "INCONCLUSIVE " + strings.TrimPrefix(line, "PASS ") +
			"; but " + o.Empty + " has no successful request after the warmup: every figure is n/a"
	}
	return line
}

// gateName is the metric's name and where the gate looks: overall, at a
// level ("at 30 users", "at 16 req/s offered"), or the whole run.
func gateName(d compare.Metric, g gate.Gate, kind string) string {
	where := "overall"
	if g.Level > 0 {
		where = "at " + levelWords(kind, g.Level)
	}
	if d.RunLevel {
		where = "run"
	}
	return d.Name + " (" + where + ")"
}

// gateWhy says why a gate could not be judged.
func gateWhy(r gate.GateResult, d compare.Metric) string {
	o := r.Outcome
	switch o.Why {
	case gate.WhyNoStep:
		return o.Run + " has no post-warmup step at " + levelWords(o.LevelKind, r.Gate.Level)
	case gate.WhyFewSamples:
		return fmt.Sprintf("%d samples, fewer than %d", r.Samples, analyze.MinStepSamples)
	case gate.WhyNoCompare:
		return "no value to compare in " + o.Base + " or " + o.Run
	case gate.WhyNoValue:
		return fmt.Sprintf("no value (%d samples)", r.Samples)
	case gate.WhyThinValue:
		return fmt.Sprintf("%s over %d samples, fewer than %d", GateValue(r.Value, d.Unit), r.Samples, analyze.MinStepSamples)
	case gate.WhyNoBaseline:
		return "saturation not judged: no step after the warmup reached the baseline (--baseline-users)"
	case gate.WhyFewRuns:
		return fmt.Sprintf("%d previous runs with a value, fewer than %d (or none in the run)", o.Previous, gate.MinTrendRuns)
	case gate.WhyNoSteps:
		return "the run has no post-warmup step"
	}
	return o.Why
}

// gateBound words a max or min gate judged on the run's value, its
// saturation point or its capacity; "" for any other outcome.
func gateBound(r gate.GateResult, d compare.Metric, name, status string) string {
	o, g := r.Outcome, r.Gate
	bound := "max"
	if g.Kind == gate.GateMin {
		bound = "min"
	}
	switch o.Why {
	case gate.WhyLimit:
		limit := GateValue(&g.Limit, d.Unit)
		if status == gate.StatusFail {
			return fmt.Sprintf("FAIL %s = %s, %s %s (%d samples)", name, GateValue(r.Value, d.Unit), bound, limit, r.Samples)
		}
		op := map[string]string{"max": "<=", "min": ">="}[bound]
		return fmt.Sprintf("PASS %s = %s %s %s %s (%d samples)", name, GateValue(r.Value, d.Unit), op, bound, limit, r.Samples)
	case gate.WhySaturated:
		return fmt.Sprintf("%s %s = %s users, %s %s", strings.ToUpper(status), name, GateValue(r.Value, compare.UnitUsers), bound, GateValue(&g.Limit, compare.UnitUsers))
	case gate.WhyNotReached:
		up, limit := GateValue(&o.Level, compare.UnitUsers), GateValue(&g.Limit, compare.UnitUsers)
		if status == gate.StatusInconclusive {
			return fmt.Sprintf("INCONCLUSIVE %s: not reached up to %s users, the run did not load %s users", name, up, limit)
		}
		return fmt.Sprintf("%s %s: not reached up to %s users, %s %s", strings.ToUpper(status), name, up, bound, limit)
	}
	unit := o.LevelKind
	if unit == analyze.LevelRate {
		unit = "req/s offered"
	}
	limit := GateValue(&g.Limit, compare.UnitLevel) + " " + unit
	switch o.Why {
	case gate.WhyNoneHeld:
		return fmt.Sprintf("%s %s: no level held (the first already missed the target), %s %s", strings.ToUpper(status), name, bound, limit)
	case gate.WhyCapacity:
		got := GateValue(&o.Level, compare.UnitLevel) + " " + unit
		if o.AtLeast && status == gate.StatusInconclusive {
			return fmt.Sprintf("INCONCLUSIVE %s = at least %s (the run held every level it loaded), %s %s", name, got, bound, limit)
		}
		if o.AtLeast {
			got = "at least " + got
		}
		return fmt.Sprintf("%s %s = %s, %s %s", strings.ToUpper(status), name, got, bound, limit)
	}
	return ""
}

// gateRegression words a max-regression gate judged against a baseline
// run or the trend of the previous runs; "" for any other outcome.
func gateRegression(r gate.GateResult, d compare.Metric, name, status string) string {
	o := r.Outcome
	limit := regressionLimit(d, r.Gate.Limit)
	var got, against string
	if o.Trend {
		against = "the trend"
		got = fmt.Sprintf("%s against a median of %s (range %s to %s over %d runs), %s", GateValue(r.Value, d.Unit),
			GateValue(r.Base, d.Unit), GateValue(&o.Lo, d.Unit), GateValue(&o.Hi, d.Unit), o.Previous, Change(r.Change, d.Unit))
	} else {
		against = o.Base
		got = fmt.Sprintf("%s -> %s, %s", GateValue(r.Base, d.Unit), GateValue(r.Value, d.Unit), Change(r.Change, d.Unit))
	}
	head := fmt.Sprintf("%s %s vs %s: %s, ", strings.ToUpper(status), name, against, got)
	switch o.Why {
	case gate.WhyNotSignif:
		return head + fmt.Sprintf("not significant at alpha %g (max regression %s)", o.Alpha, limit)
	case gate.WhyNegligible:
		return head + fmt.Sprintf("below the min effect ±%s (max regression %s)", minEffectText(r.Change.MinEffect, d.Unit), limit)
	case gate.WhyRegression:
		if o.Trend {
			return head + "a regression over the allowed " + limit + " and worse than every previous run"
		}
		return head + "regression over the allowed " + limit
	case gate.WhyWithin:
		return head + "within the allowed " + limit
	case gate.WhyWithinRange:
		return head + "within the previous runs' range (max regression " + limit + ")"
	}
	return ""
}

// regressionLimit prints a max-regression limit: "+10%", or for a rate
// "+0.5pp".
func regressionLimit(d compare.Metric, limit float64) string {
	if d.Unit == compare.UnitRate {
		return "+" + strconv.FormatFloat(limit*100, 'f', -1, 64) + "pp"
	}
	return "+" + strconv.FormatFloat(limit*100, 'f', -1, 64) + "%"
}

// GateValue prints a gate's value in its metric's unit: latencies as
// durations ("612ms", "1.62s"), rates as percentages, per-second figures
// and ratios to 2 decimals, users and levels in their shortest digits.
func GateValue(v *float64, unit string) string {
	if v == nil {
		return NA
	}
	x := *v
	switch unit {
	case compare.UnitMS:
		switch {
		case math.Abs(x) >= 10000:
			return strconv.FormatFloat(x/1000, 'f', 1, 64) + "s"
		case math.Abs(x) >= 1000:
			return strconv.FormatFloat(x/1000, 'f', 2, 64) + "s"
		case math.Abs(x) >= 100:
			return strconv.FormatFloat(x, 'f', 0, 64) + "ms"
		}
		return strconv.FormatFloat(x, 'f', 1, 64) + "ms"
	case compare.UnitRate:
		return strconv.FormatFloat(x*100, 'f', 2, 64) + "%"
	case compare.UnitPerS:
		return strconv.FormatFloat(x, 'f', 2, 64) + "/s"
	case compare.UnitRatio:
		return strconv.FormatFloat(x, 'f', 2, 64) + "x"
	}
	return strconv.FormatFloat(x, 'f', -1, 64)
}
