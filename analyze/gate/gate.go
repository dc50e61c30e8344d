package gate

import (
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
	// Line is the gate's one-line report.
	Line string `json:"line"`
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
			r.Line = "INCONCLUSIVE " + strings.TrimPrefix(r.Line, "PASS ") +
				"; but " + d.Name + " has no successful request after the warmup: every figure is n/a"
		}
	}
	return r
}

// viewAt is the run's level for gate g, or why there is none.
func viewAt(r *analyze.RunData, g Gate) (compare.Level, string) {
	a := r.Analysis
	if g.Level == 0 {
		return compare.Level{Analysis: a, Values: &r.Samples.Overall}, ""
	}
	if st := stepAt(a, g.Level); st != nil {
		return compare.Level{Analysis: a, Step: st, Values: r.Samples.Steps[st.Step]}, ""
	}
	return compare.Level{}, fmt.Sprintf("%s has no post-warmup step at %s", r.Name, analyze.StepLevel(a.Run.LevelKind, &analyze.Step{Level: g.Level}))
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
// so far (its value and samples), the metric, the level and the gate's
// name; done when the gate is judged already (inconclusive: run lacks the
// level).
func reading(run *analyze.RunData, g Gate) (r GateResult, d compare.Metric, v compare.Level, name string, done bool) {
	d, _ = compare.FindMetric(g.Metric)
	r = GateResult{Gate: g}
	name = gateName(d, g, run.Analysis.Run.LevelKind)
	v, why := viewAt(run, g)
	if why != "" {
		return inconclusive(r, name, why), d, v, name, true
	}
	r.Value, r.Samples = d.Value(v), d.Samples(v)
	return r, d, v, name, false
}

// regressionLimit prints a max-regression limit: "+10%", or for a rate
// "+0.5pp".
func regressionLimit(d compare.Metric, limit float64) string {
	if d.Unit == compare.UnitRate {
		return "+" + strconv.FormatFloat(limit*100, 'f', -1, 64) + "pp"
	}
	return "+" + strconv.FormatFloat(limit*100, 'f', -1, 64) + "%"
}

// evaluate judges one gate on run: a max-regression gate against base, a
// run-level metric with a rule of its own by that rule (runRules), any
// other by comparing its value with the limit.
func evaluate(run, base *analyze.RunData, g Gate, alpha float64, me compare.MinEffect) GateResult {
	r, d, v, name, done := reading(run, g)
	if done {
		return r
	}
	if g.Kind == GateMaxRegression {
		return evaluateRegression(r, d, v, run, base, name, alpha, me)
	}
	if rule, ok := runRules[g.Metric]; ok {
		return rule(r, v.Analysis, name)
	}
	return evaluateLimit(r, d, name)
}

// runRules are the run-level metrics judged by a rule of their own rather
// than by comparing a value with the limit.
var runRules = map[string]func(r GateResult, a *analyze.Analysis, name string) GateResult{
	"saturation_users": func(r GateResult, a *analyze.Analysis, name string) GateResult {
		if a.Baseline == nil {
			return inconclusive(r, name, "saturation not judged: no step after the warmup reached the baseline (--baseline-users)")
		}
		return evaluateSaturation(r, a.Saturation, name)
	},
	"capacity": evaluateCapacity,
}

// gateName is the metric's name and where the gate looks: overall, at a
// level of kind ("at 30 users", "at 16 req/s offered"), or the whole run.
func gateName(d compare.Metric, g Gate, kind string) string {
	where := "overall"
	if g.Level > 0 {
		where = "at " + analyze.StepLevel(kind, &analyze.Step{Level: g.Level})
	}
	if d.RunLevel {
		where = "run"
	}
	return d.Name + " (" + where + ")"
}

// inconclusive is r when the gate cannot be judged, and why.
func inconclusive(r GateResult, name, why string) GateResult {
	r.Status = StatusInconclusive
	r.Line = fmt.Sprintf("INCONCLUSIVE %s: %s", name, why)
	return r
}

// evaluateRegression judges a max-regression gate: it fails when the
// change from base to run is significant at alpha, at least the minimum
// effect me, and worse than the limit.
func evaluateRegression(r GateResult, d compare.Metric, v compare.Level, run, base *analyze.RunData, name string, alpha float64, me compare.MinEffect) GateResult {
	bv, why := viewAt(base, r.Gate)
	if why != "" {
		return inconclusive(r, name, why)
	}
	r.Base = d.Value(bv)
	r.Samples = min(r.Samples, d.Samples(bv))
	if r.Samples < analyze.MinStepSamples {
		return inconclusive(r, name, fmt.Sprintf("%d samples, fewer than %d", r.Samples, analyze.MinStepSamples))
	}
	ch := d.Change(bv, v, alpha, me)
	if ch == nil || ch.P == nil {
		return inconclusive(r, name, "no value to compare in "+base.Name+" or "+run.Name)
	}
	r.Change = ch
	limit := regressionLimit(d, r.Gate.Limit)
	got := fmt.Sprintf("%s -> %s, %s", FormatValue(r.Base, d.Unit), FormatValue(r.Value, d.Unit), compare.ChangeText(ch, d.Unit))
	switch {
	case !ch.Significant:
		r.Status = StatusPass
		r.Line = fmt.Sprintf("PASS %s vs %s: %s, not significant at alpha %g (max regression %s)", name, base.Name, got, alpha, limit)
	case ch.Negligible:
		r.Status = StatusPass
		r.Line = fmt.Sprintf("PASS %s vs %s: %s, below the min effect ±%s (max regression %s)", name, base.Name, got, compare.MinEffectText(ch.MinEffect, d.Unit), limit)
	case worseBy(d, ch) > r.Gate.Limit:
		r.Status = StatusFail
		r.Line = fmt.Sprintf("FAIL %s vs %s: %s, regression over the allowed %s", name, base.Name, got, limit)
	default:
		r.Status = StatusPass
		r.Line = fmt.Sprintf("PASS %s vs %s: %s, within the allowed %s", name, base.Name, got, limit)
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
func evaluateLimit(r GateResult, d compare.Metric, name string) GateResult {
	if r.Value == nil {
		return inconclusive(r, name, fmt.Sprintf("no value (%d samples)", r.Samples))
	}
	if r.Samples < analyze.MinStepSamples {
		return inconclusive(r, name, fmt.Sprintf("%s over %d samples, fewer than %d", FormatValue(r.Value, d.Unit), r.Samples, analyze.MinStepSamples))
	}
	g := r.Gate
	ok := *r.Value <= g.Limit
	op, bound := "<=", "max"
	if g.Kind == GateMin {
		ok, op, bound = *r.Value >= g.Limit, ">=", "min"
	}
	limit := FormatValue(&g.Limit, d.Unit)
	r.Status, r.Line = StatusPass, fmt.Sprintf("PASS %s = %s %s %s %s (%d samples)", name, FormatValue(r.Value, d.Unit), op, bound, limit, r.Samples)
	if !ok {
		r.Status, r.Line = StatusFail, fmt.Sprintf("FAIL %s = %s, %s %s (%d samples)", name, FormatValue(r.Value, d.Unit), bound, limit, r.Samples)
	}
	return r
}

// evaluateSaturation bounds the saturation point. A run that did not
// saturate up to N users saturates beyond N: that passes a minimum of N or
// less and fails a maximum under N; otherwise it cannot be told.
func evaluateSaturation(r GateResult, sat analyze.Saturation, name string) GateResult {
	limit := FormatValue(&r.Gate.Limit, compare.UnitUsers)
	if sat.Reached {
		ok := *r.Value <= r.Gate.Limit
		bound := "max"
		if r.Gate.Kind == GateMin {
			ok, bound = *r.Value >= r.Gate.Limit, "min"
		}
		r.Status = StatusPass
		if !ok {
			r.Status = StatusFail
		}
		r.Line = fmt.Sprintf("%s %s = %s users, %s %s", strings.ToUpper(r.Status), name, FormatValue(r.Value, compare.UnitUsers), bound, limit)
		return r
	}
	up := sat.MaxLevel
	upText := FormatValue(&up, compare.UnitUsers)
	switch {
	case r.Gate.Kind == GateMin && up >= r.Gate.Limit:
		r.Status = StatusPass
		r.Line = fmt.Sprintf("PASS %s: not reached up to %s users, min %s", name, upText, limit)
	case r.Gate.Kind == GateMax && up >= r.Gate.Limit:
		r.Status = StatusFail
		r.Line = fmt.Sprintf("FAIL %s: not reached up to %s users, max %s", name, upText, limit)
	default:
		r.Status = StatusInconclusive
		r.Line = fmt.Sprintf("INCONCLUSIVE %s: not reached up to %s users, the run did not load %s users", name, upText, limit)
	}
	return r
}

// evaluateCapacity bounds the capacity. A run with no level held (even
// its first level missed the SLO target) has none: that fails a minimum
// and passes a maximum. A capacity that is not bounded (the run held its
// last level and never saturated) is at least that level: a minimum above
// it, or a maximum below it, cannot be told.
func evaluateCapacity(r GateResult, a *analyze.Analysis, name string) GateResult {
	c := a.Capacity
	unit := c.LevelKind
	if unit == analyze.LevelRate {
		unit = "req/s offered"
	}
	limit := FormatValue(&r.Gate.Limit, compare.UnitLevel) + " " + unit
	isMin := r.Gate.Kind == GateMin
	bound := "max"
	if isMin {
		bound = "min"
	}
	switch {
	case len(a.Steps) == 0:
		r.Status = StatusInconclusive
		r.Line = fmt.Sprintf("INCONCLUSIVE %s: the run has no post-warmup step", name)
		return r
	case c.Level == nil:
		r.Status = StatusPass
		if isMin {
			r.Status = StatusFail
		}
		r.Line = fmt.Sprintf("%s %s: no level held (the first already missed the target), %s %s", strings.ToUpper(r.Status), name, bound, limit)
		return r
	}
	lv := *c.Level
	got := FormatValue(c.Level, compare.UnitLevel) + " " + unit
	ok := lv <= r.Gate.Limit
	if isMin {
		ok = lv >= r.Gate.Limit
	}
	if !c.Bounded && !ok == isMin {
		// Held up to the run's last level: more may hold than the run loaded.
		r.Status = StatusInconclusive
		r.Line = fmt.Sprintf("INCONCLUSIVE %s = at least %s (the run held every level it loaded), %s %s", name, got, bound, limit)
		return r
	}
	r.Status = StatusPass
	if !ok {
		r.Status = StatusFail
	}
	at := ""
	if !c.Bounded {
		at = "at least "
	}
	r.Line = fmt.Sprintf("%s %s = %s%s, %s %s", strings.ToUpper(r.Status), name, at, got, bound, limit)
	return r
}

// FormatValue prints a metric value in its unit: latencies as durations
// ("612ms", "1.62s"), rates as percentages.
func FormatValue(v *float64, unit string) string {
	if v == nil {
		return "n/a"
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
