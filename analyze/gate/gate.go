package gate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/compare"
	"math"
	"strconv"
	"strings"
	"time"
)

// Gate kinds: a bound on a run's metric, or on its change against a
// baseline run.
const (
	GateMax           = "max"
	GateMin           = "min"
	GateMaxRegression = "max_regression"
)

// Gate statuses.
const (
	StatusPass         = "pass"
	StatusFail         = "fail"
	StatusInconclusive = "inconclusive"
)

// Gate is one condition of `llmrep check`.
type Gate struct {
	Kind   string `json:"kind"`
	Metric string `json:"metric"`
	// Level is the level the gate reads: the run's first step at it,
	// users in a closed loop, offered req/s in an open loop (never the
	// requests in flight); 0 for the whole run. Run-level metrics
	// (saturation_users) ignore it. Users is Level when it is a whole
	// number (kept for readers of the users key), else 0.
	Level float64 `json:"level"`
	Users int     `json:"users"`
	// Limit is in the metric's unit (ms, fraction, per second, ratio,
	// users). For max_regression it is the largest allowed relative change
	// for the worse (0.1 = 10%), except for fail_rate where it is the
	// largest allowed rise of the rate itself (0.005 = 0.5 points).
	Limit float64 `json:"limit"`
	// Spec is the gate as given ("p95=800ms").
	Spec string `json:"spec"`
}

// GateError is a gate that cannot be parsed (not an unknown metric: that
// is *UnknownMetricError).
type GateError struct{ Spec, Reason string }

func (e *GateError) Error() string { return "gate " + quote(e.Spec) + ": " + e.Reason }

// ParseGate parses a gate of kind given as "K=V" or "K@USERS=V". atUsers
// is the level of a gate without @USERS (0: overall). Values take units
// (docs/METHOD.md): latencies are Go durations ("800ms", "2s"), rates fractions
// or percentages ("0.01", "1%"), counts and ratios plain numbers;
// max_regression takes a percentage or fraction of change.
func ParseGate(kind, spec string, atUsers int) (Gate, error) {
	bad := func(format string, args ...any) (Gate, error) {
		return Gate{}, &GateError{Spec: spec, Reason: fmt.Sprintf(format, args...)}
	}
	if kind != GateMax && kind != GateMin && kind != GateMaxRegression {
		return bad("unknown gate kind %q", kind)
	}
	if atUsers < 0 {
		return bad("level %d is not a user count (0 reads the whole run)", atUsers)
	}
	key, val, ok := strings.Cut(spec, "=")
	if !ok || strings.TrimSpace(val) == "" {
		return bad("want METRIC=VALUE (or METRIC@USERS=VALUE)")
	}
	key, val = strings.TrimSpace(key), strings.TrimSpace(val)
	g := Gate{Kind: kind, Level: float64(atUsers), Spec: spec}
	if name, lv, ok := strings.Cut(key, "@"); ok {
		x, err := strconv.ParseFloat(lv, 64)
		if err != nil || !(x > 0) || math.IsInf(x, 0) || x > 1e9 {
			return bad("%q is not a level (users, or offered req/s in an open loop)", lv)
		}
		key, g.Level = name, x
	}
	d, ok := compare.FindMetric(key)
	if !ok {
		return Gate{}, &compare.UnknownMetricError{Name: key}
	}
	g.Metric = d.Name
	if d.RunLevel {
		g.Level = 0
	}
	if g.Level == math.Trunc(g.Level) {
		g.Users = int(g.Level)
	}
	if kind == GateMaxRegression {
		if d.Test == "" {
			return bad("%s has no significance test; bound it with a max or min gate", d.Name)
		}
		v, err := parseRate(val)
		if err != nil || v < 0 {
			return bad("%q is not an allowed change (a percentage like 10%% or a fraction like 0.1)", val)
		}
		if d.Unit == compare.UnitRate && v > 1 {
			return bad("%s is a rate: a rise of %q is more than 100 points, which no run can exceed", d.Name, val)
		}
		g.Limit = v
		return g, nil
	}
	limit, reason := parseLimit(d, val)
	if reason != "" {
		return bad("%s", reason)
	}
	g.Limit = limit
	return g, nil
}

// parseLimit reads the limit of a max or min gate on metric d in its
// unit, or says why it cannot.
func parseLimit(d compare.Metric, val string) (float64, string) {
	var limit float64
	var err error
	switch d.Unit {
	case compare.UnitMS:
		var dur time.Duration
		dur, err = time.ParseDuration(val)
		if err != nil {
			return 0, fmt.Sprintf("%s is a latency: give a duration such as 800ms or 2s, not %q", d.Name, val)
		}
		limit = float64(dur) / float64(time.Millisecond)
	case compare.UnitRate:
		limit, err = parseRate(val)
		if err != nil {
			return 0, fmt.Sprintf("%s is a rate: give a fraction like 0.01 or a percentage like 1%%, not %q", d.Name, val)
		}
	default:
		limit, err = strconv.ParseFloat(val, 64)
		if err != nil || math.IsNaN(limit) || math.IsInf(limit, 0) {
			return 0, fmt.Sprintf("%s takes a plain number, not %q", d.Name, val)
		}
	}
	return limit, gateRange(d, limit, val)
}

// gateRange says why a --max or --min limit can never be met or never be
// missed (a rate outside [0, 1], a negative latency, rate or count, a tail
// ratio below 1), as
// Options.Validate refuses an error threshold outside [0, 1); "" if fine.
func gateRange(d compare.Metric, limit float64, val string) string {
	switch {
	case d.Unit == compare.UnitRate && (limit < 0 || limit > 1):
		hint := ""
		if !strings.HasSuffix(val, "%") && limit > 1 && limit <= 100 {
			hint = fmt.Sprintf(" (for %g%% write %g%% or %g)", limit, limit, limit/100)
		}
		return fmt.Sprintf("%s is a rate between 0 and 1 (0%% to 100%%), not %q%s", d.Name, val, hint)
	case limit < 0:
		return fmt.Sprintf("%s cannot be negative, not %q", d.Name, val)
	case d.Unit == compare.UnitRatio && limit < 1:
		return fmt.Sprintf("%s is a ratio of a higher percentile to a lower one, at least 1, not %q", d.Name, val)
	}
	return ""
}

// parseRate reads a fraction (0.01) or a percentage (1%).
func parseRate(s string) (float64, error) {
	div := 1.0
	if t, ok := strings.CutSuffix(s, "%"); ok {
		s, div = t, 100
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, errors.New("not a rate")
	}
	return v / div, nil
}

// GateResult is the outcome of one gate.
type GateResult struct {
	Gate   Gate   `json:"gate"`
	Status string `json:"status"` // pass, fail, inconclusive
	// Value is the run's value; Base the baseline run's (regression gates).
	Value *float64 `json:"value"`
	Base  *float64 `json:"base"`
	// Change is the run against the baseline (regression gates).
	Change *compare.Change `json:"change"`
	// Samples is what the value rests on (the fewer of the two runs').
	Samples int64 `json:"samples"`
	// Outcome is why the gate came out as it did, which report/view words
	// as Line.
	Outcome Outcome `json:"-"`
	// Line is the gate's one-line report: empty until report/view words
	// it (view.WithLines fills it for the JSON).
	Line string `json:"line"`
}

// MarshalJSON writes the result, refusing one whose Line is not worded.
func (r GateResult) MarshalJSON() ([]byte, error) {
	if r.Line == "" {
		return nil, fmt.Errorf("gate %s: line not worded (report/view words it)", r.Gate.Spec)
	}
	type plain GateResult
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // the encoder of the whole document escapes, or not
	if err := enc.Encode(plain(r)); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// Why a gate came out as it did: the kinds of Outcome. A gate that
// cannot be judged (inconclusive) says why with one of the first seven.
const (
	WhyNoStep      = "no_step"      // Outcome.Run has no post-warmup step at the gate's level
	WhyFewSamples  = "few_samples"  // the value rests on GateResult.Samples, under analyze.MinStepSamples
	WhyNoCompare   = "no_compare"   // no value to compare in Outcome.Base or Outcome.Run
	WhyNoValue     = "no_value"     // the run has no value
	WhyThinValue   = "thin_value"   // a value over GateResult.Samples, under analyze.MinStepSamples
	WhyNoBaseline  = "no_baseline"  // saturation not judged: no step reached the baseline
	WhyFewRuns     = "few_runs"     // a trend over Outcome.Previous runs with a value, under MinTrendRuns
	WhyNoSteps     = "no_steps"     // capacity: the run has no post-warmup step
	WhyLimit       = "limit"        // the value against a max or min limit
	WhySaturated   = "saturated"    // the saturation point (GateResult.Value) against the limit
	WhyNotReached  = "not_reached"  // no saturation up to Outcome.Level
	WhyNoneHeld    = "none_held"    // capacity: no level held (the first missed the target)
	WhyCapacity    = "capacity"     // the capacity Outcome.Level (at least it, AtLeast) against the limit
	WhyNotSignif   = "not_signif"   // a regression gate: the change is not significant
	WhyNegligible  = "negligible"   // a regression gate: the change is below the min effect
	WhyRegression  = "regression"   // a regression gate: worse than the limit (a trend: than every previous run too)
	WhyWithin      = "within"       // a regression gate: within the limit
	WhyWithinRange = "within_range" // a trend gate: worse than the limit, not than every previous run
)

// Outcome is the kind (Why*) of a gate's outcome and what it names.
type Outcome struct {
	Why string
	// LevelKind is the run's level kind: the gate's level is named in it.
	LevelKind string
	// Run and Base are the runs a reason names: the run without the
	// gate's level (WhyNoStep), the runs with no value to compare
	// (WhyNoCompare), the baseline run of a regression gate.
	Run, Base string
	// Trend: a regression gate judged against the previous runs (their
	// median is GateResult.Base): Previous runs with a value, from Lo to
	// Hi.
	Trend    bool
	Previous int
	Lo, Hi   float64
	// Level is the highest level loaded without saturation
	// (WhyNotReached) or the capacity (WhyCapacity); AtLeast: the
	// capacity is not bounded (the run held every level it loaded).
	Level   float64
	AtLeast bool
	// Alpha is the significance level a regression gate was judged at
	// (WhyNotSignif).
	Alpha float64
	// Empty names the run without a successful request after the warmup
	// that made a passing gate inconclusive: every figure of it is n/a.
	Empty string
}

// CheckResult is the outcome of `llmrep check`.
type CheckResult struct {
	Run      string  `json:"run"`
	Baseline string  `json:"baseline,omitempty"`
	Alpha    float64 `json:"alpha"`
	// MinEffect is the smallest change a regression gate counts.
	MinEffect compare.MinEffect `json:"min_effect"`
	// TrendRuns is the number of previous runs of check --trend (the
	// regression gates' reference); absent otherwise.
	TrendRuns int `json:"trend_runs,omitempty"`
	// Inconclusive is the policy for inconclusive gates: pass or fail.
	Inconclusive string       `json:"inconclusive"`
	Gates        []GateResult `json:"gates"`
	// Failed counts the gates that fail, inconclusive ones included when
	// the policy is fail; Passed is Failed == 0.
	Failed         int  `json:"failed"`
	InconclusiveN  int  `json:"inconclusive_gates"`
	Passed         bool `json:"passed"`
	MinGateSamples int  `json:"min_gate_samples"`
	// Comparison is the run against the baseline, when the caller made
	// one for a report (the Markdown comment leads with its compact
	// table); not part of the JSON output.
	Comparison *compare.Comparison `json:"-"`
}

// Check evaluates gates on run, and the regression gates against base
// (nil when no baseline run is given); a regression smaller than me
// (MinEffect) passes whatever its p-value. A gate over fewer than
// MinStepSamples samples, or whose level or value is missing, is
// inconclusive; inconclusiveFails decides whether that fails the check.
func Check(run, base *analyze.RunData, gates []Gate, alpha float64, me compare.MinEffect, inconclusiveFails bool) (*CheckResult, error) {
	if !(alpha > 0 && alpha < 1) {
		return nil, fmt.Errorf("alpha %v must be in (0, 1)", alpha)
	}
	res := &CheckResult{Run: run.Name, Alpha: alpha, MinEffect: me, Inconclusive: StatusPass, Gates: []GateResult{}, MinGateSamples: analyze.MinStepSamples}
	if inconclusiveFails {
		res.Inconclusive = StatusFail
	}
	if base != nil {
		res.Baseline = base.Name
	}
	for _, g := range gates {
		if g.Kind == GateMaxRegression && base == nil {
			return nil, fmt.Errorf("gate %s: a max_regression gate needs a baseline run", g.Spec)
		}
	}
	res.add(gates, inconclusiveFails, func(g Gate) GateResult { return noFigures(evaluate(run, base, g, alpha, me), run, base) })
	for _, r := range []*analyze.RunData{run, base} {
		if r != nil {
			if err := r.Samples.Err(); err != nil {
				return nil, err
			}
		}
	}
	analyze.FiniteFigures(res)
	return res, nil
}

// add judges every gate with judge and counts the outcome.
func (res *CheckResult) add(gates []Gate, inconclusiveFails bool, judge func(Gate) GateResult) {
	for _, g := range gates {
		r := judge(g)
		switch r.Status {
		case StatusFail:
			res.Failed++
		case StatusInconclusive:
			res.InconclusiveN++
			if inconclusiveFails {
				res.Failed++
			}
		}
		res.Gates = append(res.Gates, r)
	}
	res.Passed = res.Failed == 0
}

// noFigures makes a gate that passed inconclusive when the run (or the
// baseline) has no successful request after the warmup: every figure of
// such a run is n/a, so a pass says nothing. A failure stays one.
func noFigures(r GateResult, run, base *analyze.RunData) GateResult {
	if r.Status != StatusPass {
		return r
	}
	for _, d := range []*analyze.RunData{run, base} {
		if d != nil && d.Analysis.Overall.OK == 0 {
			r.Status = StatusInconclusive
			r.Outcome.Empty = d.Name
			return r
		}
	}
	return r
}

// viewAt is the run's level for gate g, false when it has none.
func viewAt(r *analyze.RunData, g Gate) (compare.Level, bool) {
	a := r.Analysis
	if g.Level == 0 {
		return compare.Level{Analysis: a, Values: &r.Samples.Overall}, true
	}
	if st := stepAt(a, g.Level); st != nil {
		return compare.Level{Analysis: a, Step: st, Values: r.Samples.Steps[st.Step]}, true
	}
	return compare.Level{}, false
}

// stepAt is a's first step at level: users in a closed loop, the offered
// rate (req/s) in an open loop, never the requests in flight; nil when it
// has none.
func stepAt(a *analyze.Analysis, level float64) *analyze.Step {
	open := a.Run.OpenLoop()
	for i := range a.Steps {
		if st := &a.Steps[i]; analyze.LevelKey(open, st) == analyze.LevelKey(open, &analyze.Step{Level: level}) {
			return st
		}
	}
	return nil
}

// reading reads gate g's metric on run at the gate's level: the result
// so far (its value and samples), the metric and the level; done when
// the gate is judged already (inconclusive: run lacks the level).
func reading(run *analyze.RunData, g Gate) (r GateResult, d compare.Metric, v compare.Level, done bool) {
	d, _ = compare.FindMetric(g.Metric)
	r = GateResult{Gate: g, Outcome: Outcome{LevelKind: run.Analysis.Run.LevelKind}}
	v, ok := viewAt(run, g)
	if !ok {
		r.Outcome.Run = run.Name
		return inconclusive(r, WhyNoStep), d, v, true
	}
	r.Value, r.Samples = d.Value(v), d.Samples(v)
	return r, d, v, false
}

// evaluate judges one gate on run: a max-regression gate against base, a
// run-level metric with a rule of its own by that rule (runRules), any
// other by comparing its value with the limit.
func evaluate(run, base *analyze.RunData, g Gate, alpha float64, me compare.MinEffect) GateResult {
	r, d, v, done := reading(run, g)
	if done {
		return r
	}
	if g.Kind == GateMaxRegression {
		return evaluateRegression(r, d, v, run, base, alpha, me)
	}
	if rule, ok := runRules[g.Metric]; ok {
		return rule(r, v.Analysis)
	}
	return evaluateLimit(r)
}

// runRules are the run-level metrics judged by a rule of their own rather
// than by comparing a value with the limit.
var runRules = map[string]func(r GateResult, a *analyze.Analysis) GateResult{
	"saturation_users": func(r GateResult, a *analyze.Analysis) GateResult {
		if a.Baseline == nil {
			return inconclusive(r, WhyNoBaseline)
		}
		return evaluateSaturation(r, a.Saturation)
	},
	"capacity": evaluateCapacity,
}

// inconclusive is r when the gate cannot be judged, and why (Why*).
func inconclusive(r GateResult, why string) GateResult {
	r.Status, r.Outcome.Why = StatusInconclusive, why
	return r
}

// evaluateRegression judges a max-regression gate: it fails when the
// change from base to run is significant at alpha, at least the minimum
// effect me, and worse than the limit.
func evaluateRegression(r GateResult, d compare.Metric, v compare.Level, run, base *analyze.RunData, alpha float64, me compare.MinEffect) GateResult {
	r.Outcome.Base = base.Name
	bv, ok := viewAt(base, r.Gate)
	if !ok {
		r.Outcome.Run = base.Name
		return inconclusive(r, WhyNoStep)
	}
	r.Base = d.Value(bv)
	r.Samples = min(r.Samples, d.Samples(bv))
	if r.Samples < analyze.MinStepSamples {
		return inconclusive(r, WhyFewSamples)
	}
	ch := d.Change(bv, v, alpha, me)
	if ch == nil || ch.P == nil {
		r.Outcome.Run = run.Name
		return inconclusive(r, WhyNoCompare)
	}
	r.Change = ch
	r.Status = StatusPass
	switch {
	case !ch.Significant:
		r.Outcome.Why, r.Outcome.Alpha = WhyNotSignif, alpha
	case ch.Negligible:
		r.Outcome.Why = WhyNegligible
	case worseBy(d, ch) > r.Gate.Limit:
		r.Status, r.Outcome.Why = StatusFail, WhyRegression
	default:
		r.Outcome.Why = WhyWithin
	}
	return r
}

// worseBy is how much worse ch is in a regression limit's terms: the
// difference of a rate, else the relative change (infinite from a zero
// base that got worse); negative when it got better.
func worseBy(d compare.Metric, ch *compare.Change) float64 {
	switch {
	case d.Unit == compare.UnitRate:
		return *ch.Delta * float64(d.Worse)
	case ch.Relative != nil:
		return *ch.Relative * float64(d.Worse)
	case *ch.Delta*float64(d.Worse) > 0:
		return math.Inf(1)
	}
	return 0
}

// evaluateLimit judges a max or min gate on the run's value, given enough
// samples.
func evaluateLimit(r GateResult) GateResult {
	if r.Value == nil {
		return inconclusive(r, WhyNoValue)
	}
	if r.Samples < analyze.MinStepSamples {
		return inconclusive(r, WhyThinValue)
	}
	r.Status, r.Outcome.Why = StatusPass, WhyLimit
	if !within(r.Gate, *r.Value) {
		r.Status = StatusFail
	}
	return r
}

// within says whether v holds gate g's bound: at most a max, at least a
// min.
func within(g Gate, v float64) bool {
	if g.Kind == GateMin {
		return v >= g.Limit
	}
	return v <= g.Limit
}

// evaluateSaturation bounds the saturation point. A run that did not
// saturate up to N users saturates beyond N: that passes a minimum of N or
// less and fails a maximum under N; otherwise it cannot be told.
func evaluateSaturation(r GateResult, sat analyze.Saturation) GateResult {
	if sat.Reached {
		r.Status, r.Outcome.Why = StatusPass, WhySaturated
		if !within(r.Gate, *r.Value) {
			r.Status = StatusFail
		}
		return r
	}
	r.Outcome.Why, r.Outcome.Level = WhyNotReached, sat.MaxLevel
	switch {
	case r.Gate.Kind == GateMin && sat.MaxLevel >= r.Gate.Limit:
		r.Status = StatusPass
	case r.Gate.Kind == GateMax && sat.MaxLevel >= r.Gate.Limit:
		r.Status = StatusFail
	default:
		r.Status = StatusInconclusive
	}
	return r
}

// evaluateCapacity bounds the capacity. A run with no level held (even
// its first level missed the SLO target) has none: that fails a minimum
// and passes a maximum. A capacity that is not bounded (the run held its
// last level and never saturated) is at least that level: a minimum above
// it, or a maximum below it, cannot be told.
func evaluateCapacity(r GateResult, a *analyze.Analysis) GateResult {
	c := a.Capacity
	isMin := r.Gate.Kind == GateMin
	switch {
	case len(a.Steps) == 0:
		return inconclusive(r, WhyNoSteps)
	case c.Level == nil:
		r.Status, r.Outcome.Why = StatusPass, WhyNoneHeld
		if isMin {
			r.Status = StatusFail
		}
		return r
	}
	r.Outcome.Why, r.Outcome.Level, r.Outcome.AtLeast = WhyCapacity, *c.Level, !c.Bounded
	ok := within(r.Gate, *c.Level)
	switch {
	case !c.Bounded && !ok == isMin:
		// Held up to the run's last level: more may hold than the run loaded.
		r.Status = StatusInconclusive
	case ok:
		r.Status = StatusPass
	default:
		r.Status = StatusFail
	}
	return r
}

// GatePercentiles are the percentiles the gates name that the fixed four
// are not: llmrep adds them to --percentiles, so that a gate on p99.9
// has its value.
func GatePercentiles(gates []Gate) []float64 {
	var out []float64
	for _, g := range gates {
		if _, ok := compare.FixedMetric(g.Metric); ok {
			continue
		}
		if d, ok := compare.PercentileMetric(g.Metric); ok {
			out = append(out, d.Q*100)
		}
	}
	return out
}

func quote(s string) string { return `"` + s + `"` }

func ptr(v float64) *float64 { return &v }
