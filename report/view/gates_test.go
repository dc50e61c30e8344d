package view

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/compare"
	"github.com/llmrec/llmrec/analyze/gate"
)

// TestGateLine: every outcome of a gate in words, one row a wording.
func TestGateLine(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	g := func(kind, metric string, level, limit float64) gate.Gate {
		return gate.Gate{Kind: kind, Metric: metric, Level: level, Limit: limit}
	}
	slower := &compare.Change{Delta: f(100), Relative: f(0.25), P: f(0.0004), Significant: true}
	tiny := &compare.Change{Delta: f(4), Relative: f(0.02), P: f(0.01), Significant: true, Negligible: true, MinEffect: 0.05}
	users, rate := gate.Outcome{LevelKind: analyze.LevelUsers}, gate.Outcome{LevelKind: analyze.LevelRate}
	with := func(o gate.Outcome, edit func(*gate.Outcome)) gate.Outcome { edit(&o); return o }
	why := func(w string) func(*gate.Outcome) { return func(o *gate.Outcome) { o.Why = w } }
	for _, tc := range []struct {
		name string
		r    gate.GateResult
		want string
	}{
		{"limit pass", gate.GateResult{Gate: g(gate.GateMax, "p95", 0, 800), Status: gate.StatusPass, Value: f(612), Samples: 400, Outcome: with(users, why(gate.WhyLimit))},
			"PASS p95 (overall) = 612ms <= max 800ms (400 samples)"},
		{"limit fail, at a rate", gate.GateResult{Gate: g(gate.GateMin, "rps", 12.3456, 100), Status: gate.StatusFail, Value: f(20), Samples: 200, Outcome: with(rate, why(gate.WhyLimit))},
			"FAIL rps (at 12.346 req/s offered) = 20.00/s, min 100.00/s (200 samples)"},
		{"no step", gate.GateResult{Gate: g(gate.GateMax, "p95", 1, 1000), Status: gate.StatusInconclusive, Outcome: with(users, func(o *gate.Outcome) { o.Why, o.Run = gate.WhyNoStep, "v1" })},
			"INCONCLUSIVE p95 (at 1 user): v1 has no post-warmup step at 1 user"},
		{"few samples", gate.GateResult{Gate: g(gate.GateMaxRegression, "p95", 0, 0.1), Status: gate.StatusInconclusive, Samples: 12, Outcome: with(users, why(gate.WhyFewSamples))},
			"INCONCLUSIVE p95 (overall): 12 samples, fewer than 30"},
		{"no compare", gate.GateResult{Gate: g(gate.GateMaxRegression, "p95", 0, 0.1), Status: gate.StatusInconclusive, Outcome: with(users, func(o *gate.Outcome) { o.Why, o.Base, o.Run = gate.WhyNoCompare, "base", "run" })},
			"INCONCLUSIVE p95 (overall): no value to compare in base or run"},
		{"no value", gate.GateResult{Gate: g(gate.GateMax, "p95", 0, 1000), Status: gate.StatusInconclusive, Outcome: with(users, why(gate.WhyNoValue))},
			"INCONCLUSIVE p95 (overall): no value (0 samples)"},
		{"thin value", gate.GateResult{Gate: g(gate.GateMax, "fail_rate", 10, 0.01), Status: gate.StatusInconclusive, Value: f(0.05), Samples: 20, Outcome: with(users, why(gate.WhyThinValue))},
			"INCONCLUSIVE fail_rate (at 10 users): 5.00% over 20 samples, fewer than 30"},
		{"no baseline", gate.GateResult{Gate: g(gate.GateMin, "saturation_users", 0, 40), Status: gate.StatusInconclusive, Outcome: with(users, why(gate.WhyNoBaseline))},
			"INCONCLUSIVE saturation_users (run): saturation not judged: no step after the warmup reached the baseline (--baseline-users)"},
		{"few runs", gate.GateResult{Gate: g(gate.GateMaxRegression, "p95", 0, 0.1), Status: gate.StatusInconclusive, Outcome: with(users, func(o *gate.Outcome) { o.Why, o.Trend, o.Previous = gate.WhyFewRuns, true, 1 })},
			"INCONCLUSIVE p95 (overall): 1 previous runs with a value, fewer than 2 (or none in the run)"},
		{"saturated", gate.GateResult{Gate: g(gate.GateMin, "saturation_users", 0, 50), Status: gate.StatusFail, Value: f(40), Outcome: with(users, why(gate.WhySaturated))},
			"FAIL saturation_users (run) = 40 users, min 50"},
		{"not reached, min", gate.GateResult{Gate: g(gate.GateMin, "saturation_users", 0, 50), Status: gate.StatusPass, Outcome: with(users, func(o *gate.Outcome) { o.Why, o.Level = gate.WhyNotReached, 60 })},
			"PASS saturation_users (run): not reached up to 60 users, min 50"},
		{"not reached, max", gate.GateResult{Gate: g(gate.GateMax, "saturation_users", 0, 50), Status: gate.StatusFail, Outcome: with(users, func(o *gate.Outcome) { o.Why, o.Level = gate.WhyNotReached, 60 })},
			"FAIL saturation_users (run): not reached up to 60 users, max 50"},
		{"not reached, not loaded", gate.GateResult{Gate: g(gate.GateMin, "saturation_users", 0, 80), Status: gate.StatusInconclusive, Outcome: with(users, func(o *gate.Outcome) { o.Why, o.Level = gate.WhyNotReached, 60 })},
			"INCONCLUSIVE saturation_users (run): not reached up to 60 users, the run did not load 80 users"},
		{"no steps", gate.GateResult{Gate: g(gate.GateMin, "capacity", 0, 10), Status: gate.StatusInconclusive, Outcome: with(users, why(gate.WhyNoSteps))},
			"INCONCLUSIVE capacity (run): the run has no post-warmup step"},
		{"none held", gate.GateResult{Gate: g(gate.GateMin, "capacity", 0, 10), Status: gate.StatusFail, Outcome: with(rate, why(gate.WhyNoneHeld))},
			"FAIL capacity (run): no level held (the first already missed the target), min 10 req/s offered"},
		{"capacity", gate.GateResult{Gate: g(gate.GateMax, "capacity", 0, 40), Status: gate.StatusPass, Outcome: with(users, func(o *gate.Outcome) { o.Why, o.Level = gate.WhyCapacity, 30 })},
			"PASS capacity (run) = 30 users, max 40 users"},
		{"capacity at least", gate.GateResult{Gate: g(gate.GateMin, "capacity", 0, 20), Status: gate.StatusPass, Outcome: with(users, func(o *gate.Outcome) { o.Why, o.Level, o.AtLeast = gate.WhyCapacity, 30, true })},
			"PASS capacity (run) = at least 30 users, min 20 users"},
		{"capacity at least, untold", gate.GateResult{Gate: g(gate.GateMin, "capacity", 0, 40), Status: gate.StatusInconclusive, Outcome: with(users, func(o *gate.Outcome) { o.Why, o.Level, o.AtLeast = gate.WhyCapacity, 30, true })},
			"INCONCLUSIVE capacity (run) = at least 30 users (the run held every level it loaded), min 40 users"},
		{"not significant", gate.GateResult{Gate: g(gate.GateMaxRegression, "p95", 0, 0.1), Status: gate.StatusPass, Base: f(400), Value: f(500), Change: &compare.Change{Delta: f(100), Relative: f(0.25), P: f(0.2)},
			Outcome: with(users, func(o *gate.Outcome) { o.Why, o.Base, o.Alpha = gate.WhyNotSignif, "v1", 0.05 })},
			"PASS p95 (overall) vs v1: 400ms -> 500ms, ~ (p=0.200), not significant at alpha 0.05 (max regression +10%)"},
		{"negligible", gate.GateResult{Gate: g(gate.GateMaxRegression, "p95", 0, 0.01), Status: gate.StatusPass, Base: f(200), Value: f(204), Change: tiny, Outcome: with(users, func(o *gate.Outcome) { o.Why, o.Base = gate.WhyNegligible, "v1" })},
			"PASS p95 (overall) vs v1: 200ms -> 204ms, ~ +2.0% (p=0.010, within ±5%), below the min effect ±5% (max regression +1%)"},
		{"regression", gate.GateResult{Gate: g(gate.GateMaxRegression, "p95", 20, 0.1), Status: gate.StatusFail, Base: f(400), Value: f(500), Change: slower, Outcome: with(users, func(o *gate.Outcome) { o.Why, o.Base = gate.WhyRegression, "v1" })},
			"FAIL p95 (at 20 users) vs v1: 400ms -> 500ms, +25.0% (p<0.001), regression over the allowed +10%"},
		{"within, a rate", gate.GateResult{Gate: g(gate.GateMaxRegression, "fail_rate", 0, 0.005), Status: gate.StatusPass, Base: f(0.01), Value: f(0.012), Change: &compare.Change{Delta: f(0.002), P: f(0.03), Significant: true},
			Outcome: with(users, func(o *gate.Outcome) { o.Why, o.Base = gate.WhyWithin, "v1" })},
			"PASS fail_rate (overall) vs v1: 1.00% -> 1.20%, +0.20pp (p=0.030), within the allowed +0.5pp"},
		{"trend regression", gate.GateResult{Gate: g(gate.GateMaxRegression, "p95", 0, 0.1), Status: gate.StatusFail, Base: f(400), Value: f(500), Change: slower,
			Outcome: with(users, func(o *gate.Outcome) { o.Why, o.Trend, o.Previous, o.Lo, o.Hi = gate.WhyRegression, true, 4, 380, 420 })},
			"FAIL p95 (overall) vs the trend: 500ms against a median of 400ms (range 380ms to 420ms over 4 runs), +25.0% (p<0.001), a regression over the allowed +10% and worse than every previous run"},
		{"trend within range", gate.GateResult{Gate: g(gate.GateMaxRegression, "p95", 0, 0.1), Status: gate.StatusPass, Base: f(400), Value: f(500), Change: slower,
			Outcome: with(users, func(o *gate.Outcome) { o.Why, o.Trend, o.Previous, o.Lo, o.Hi = gate.WhyWithinRange, true, 4, 380, 520 })},
			"PASS p95 (overall) vs the trend: 500ms against a median of 400ms (range 380ms to 520ms over 4 runs), +25.0% (p<0.001), within the previous runs' range (max regression +10%)"},
		{"a pass on a run without figures", gate.GateResult{Gate: g(gate.GateMin, "rps", 0, 1), Status: gate.StatusInconclusive, Value: f(0), Samples: 40,
			Outcome: with(users, func(o *gate.Outcome) { o.Why, o.Empty = gate.WhyLimit, "broken" })},
			"INCONCLUSIVE rps (overall) = 0.00/s >= min 1.00/s (40 samples); but broken has no successful request after the warmup: every figure is n/a"},
	} {
		if got := GateLine(tc.r); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}

// TestGateValue: a gate's value in its unit.
func TestGateValue(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	for _, tc := range []struct {
		v    *float64
		unit string
		want string
	}{
		{nil, compare.UnitMS, "n/a"}, {f(61.25), compare.UnitMS, "61.2ms"}, {f(612.4), compare.UnitMS, "612ms"},
		{f(1620), compare.UnitMS, "1.62s"}, {f(12345), compare.UnitMS, "12.3s"}, {f(0.0123), compare.UnitRate, "1.23%"},
		{f(20), compare.UnitPerS, "20.00/s"}, {f(1.5), compare.UnitRatio, "1.50x"}, {f(40), compare.UnitUsers, "40"},
		{f(12.5), compare.UnitLevel, "12.5"},
	} {
		if got := GateValue(tc.v, tc.unit); got != tc.want {
			t.Errorf("GateValue(%v, %s) = %q, want %q", tc.v, tc.unit, got, tc.want)
		}
	}
}

// TestCheckJSONWorded: the JSON carries every gate's line worded by the
// view, the result is left as it was, and an unworded gate refuses to be
// written.
func TestCheckJSONWorded(t *testing.T) {
	v := 612.0
	r := &gate.CheckResult{Gates: []gate.GateResult{{Gate: gate.Gate{Kind: gate.GateMax, Metric: "p95", Limit: 800, Spec: "p95=800ms"},
		Status: gate.StatusPass, Value: &v, Samples: 400, Outcome: gate.Outcome{Why: gate.WhyLimit}}}}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // as report.CheckJSON writes it
	if err := enc.Encode(WithLines(r)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"line":"PASS p95 (overall) = 612ms <= max 800ms (400 samples)"`) {
		t.Errorf("JSON %s lacks the worded line", b.String())
	}
	if r.Gates[0].Line != "" {
		t.Errorf("WithLines changed its input: %q", r.Gates[0].Line)
	}
	if _, err := json.Marshal(r); err == nil || !strings.Contains(err.Error(), "not worded") {
		t.Errorf("an unworded gate marshals: %v", err)
	}
}
