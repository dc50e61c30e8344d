package compare

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/stats"
)

// CompareFormatVersion is the version of the Comparison document (the
// JSON output of `llmrep compare`). It changes only when a key is removed
// or changes meaning.
const CompareFormatVersion = 1

// Directions of a change.
const (
	DirectionWorse  = "worse"
	DirectionBetter = "better"
	DirectionSame   = "same" // not significant at alpha
)

// Outcomes of a verdict.
const (
	OutcomeWorse  = "worse"
	OutcomeBetter = "better"
	OutcomeMixed  = "mixed"
	OutcomeSame   = "same"
)

// CompareMetrics are the metrics of the comparison table, in order;
// ttft_p95 and tokens_per_s are listed only when a run has them.
var CompareMetrics = []string{"p50", "p95", "p99", "fail_rate", "rps", "ttft_p95", "tokens_per_s"}

// Comparison is `llmrep compare`: two or more runs side by side, the
// first the baseline, level by level (runs' steps matched by user count)
// and overall, each change with a significance test on the raw values
// (package stats). Renderers lay it out; they compute nothing. Times are
// in ms; a figure without samples is nil (JSON null).
type Comparison struct {
	FormatVersion int `json:"format_version"`
	// Settings are the analysis settings every run was analyzed with.
	Settings analyze.Settings `json:"settings"`
	// Alpha is the significance level: a change with p >= alpha is "~".
	Alpha float64 `json:"alpha"`
	// MinEffect is the smallest change that counts (--min-effect).
	MinEffect MinEffect `json:"min_effect"`
	// BootstrapResamples is the number of replicates of the quantile tests.
	BootstrapResamples int `json:"bootstrap_resamples"`
	// Runs in the order given; Runs[0] is the baseline.
	Runs []CompareRun `json:"runs"`
	// Metrics are the rows of every level's table, in order.
	Metrics []string `json:"metrics"`
	// Overall compares every post-warmup request of each run (Users 0).
	Overall LevelComparison `json:"overall"`
	// Levels compares the user levels that the baseline and at least one
	// other run have, by users ascending.
	Levels []LevelComparison `json:"levels"`
	// Unmatched lists the user levels that some run lacks.
	Unmatched []UnmatchedLevel `json:"unmatched"`
	// Unlike lists the recorded settings that change what is measured and
	// differ between the baseline and a run (empty when every run is like
	// for like); the verdicts lead with them.
	Unlike []Difference `json:"unlike"`
	// Verdicts has one verdict per run after the baseline.
	Verdicts    []Verdict            `json:"verdicts"`
	Definitions []analyze.Definition `json:"definitions"`
	Warnings    []analyze.Warning    `json:"warnings"`
}

// CompareRun is one run of a comparison.
type CompareRun struct {
	Name      string            `json:"name"`
	Baseline  bool              `json:"baseline"`
	Files     []string          `json:"files"`
	RunID     string            `json:"run_id"`
	Model     string            `json:"model"`
	Labels    map[string]string `json:"labels"`
	StartedAt time.Time         `json:"started_at"`
	EndReason string            `json:"end_reason"`
	// Users are the run's post-warmup user levels, ascending (empty for
	// an open loop).
	Users []int `json:"users"`
	// Rates are an open loop's post-warmup offered rates, ascending;
	// absent for a closed run.
	Rates []float64 `json:"rates,omitempty"`
	// BaselineP95 is the run's own baseline (docs/METHOD.md, "Baseline").
	BaselineP95 *analyze.Baseline  `json:"baseline_p95"`
	Saturation  analyze.Saturation `json:"saturation"`
	Growth      string             `json:"growth"` // pattern
	// GrowthSummary is the growth evidence in one sentence (report/view's
	// GrowthSummary: its JSON fills it).
	GrowthSummary string `json:"growth_summary"`
	// Capacity and Peak are the run's (Analysis.Capacity, .Peak); the
	// changes are against the baseline run's (nil for the baseline, and
	// when either value is missing). They are not tested: each run has one
	// value.
	Capacity         analyze.Capacity `json:"capacity"`
	Peak             analyze.Peak     `json:"peak"`
	CapacityChange   *Change          `json:"capacity_change"`
	PeakRPSChange    *Change          `json:"peak_rps_change"`
	PeakTokensChange *Change          `json:"peak_tokens_per_s_change"`
	// CDF is the distribution of the selected metric over post-warmup
	// successes: the quantile at each probability of CDFProbabilities.
	CDF []CDFPoint `json:"cdf"`
	// Server is the run's server-telemetry sentence (Telemetry.Summary,
	// report/view's TelemetrySentence: its JSON fills it): which server
	// signals moved with its saturation; absent when the run has no
	// telemetry.
	Server string `json:"server,omitempty"`
	// Analysis is the run's full analysis (for the HTML charts).
	Analysis *analyze.Analysis `json:"-"`
}

// Settings compared for like-for-like (Difference.Setting).
const (
	SettingModel        = "model"
	SettingAPI          = "api"
	SettingStream       = "stream"
	SettingMaxTokens    = "max_tokens"
	SettingPrompts      = "prompts"
	SettingInputTokens  = "input_tokens"
	SettingOutputTokens = "output_tokens"
	SettingIgnoreEOS    = "ignore_eos"
	SettingShape        = "shape"
	SettingThinkTime    = "think_time"
	SettingArrival      = "arrival"
	SettingWarmup       = "warmup"
	SettingTarget       = "target"
)

// Difference is one recorded setting that differs between the baseline
// and run Run: Base and Value are the two settings as recorded.
type Difference struct {
	Run     string `json:"run"`
	Setting string `json:"setting"`
	Base    string `json:"base"`
	Value   string `json:"value"`
}

// unlike lists the settings of run b that differ from the baseline a.
func unlike(name string, a, b *analyze.Analysis) []Difference {
	var out []Difference
	add := func(setting, x, y string) {
		if x != y {
			out = append(out, Difference{Run: name, Setting: setting, Base: x, Value: y})
		}
	}
	ra, rb := &a.Run, &b.Run
	add(SettingModel, ra.Model, rb.Model)
	add(SettingAPI, ra.API, rb.API)
	add(SettingStream, strconv.FormatBool(ra.Stream), strconv.FormatBool(rb.Stream))
	add(SettingMaxTokens, strconv.Itoa(ra.MaxTokens), strconv.Itoa(rb.MaxTokens))
	wa, wb := ra.Workload, rb.Workload
	if wa == nil {
		wa = &analyze.Workload{}
	}
	if wb == nil {
		wb = &analyze.Workload{}
	}
	add(SettingPrompts, wa.Prompts, wb.Prompts)
	add(SettingInputTokens, wa.InputTokens, wb.InputTokens)
	add(SettingOutputTokens, wa.OutputTokens, wb.OutputTokens)
	add(SettingIgnoreEOS, strconv.FormatBool(wa.IgnoreEOS), strconv.FormatBool(wb.IgnoreEOS))
	shape := func(s analyze.Shape) string {
		if s.Arrival != "" && s.Arrival != "closed" {
			return fmt.Sprintf("%g req/s +%g every %gs up to %g", s.Rate, s.StepRate, s.StepTimeS, s.MaxRate)
		}
		return fmt.Sprintf("+%d users every %gs up to %d", s.StepUsers, s.StepTimeS, s.MaxUsers)
	}
	add(SettingShape, shape(ra.Shape), shape(rb.Shape))
	think := func(s analyze.Shape) string { return fmt.Sprintf("%gs-%gs", s.WaitMinS, s.WaitMaxS) }
	add(SettingThinkTime, think(ra.Shape), think(rb.Shape))
	arrival := func(s analyze.Shape) string {
		if s.Arrival == "" {
			return "closed"
		}
		return s.Arrival
	}
	add(SettingArrival, arrival(ra.Shape), arrival(rb.Shape))
	add(SettingWarmup, strconv.FormatFloat(a.Settings.WarmupS, 'f', -1, 64)+"s", strconv.FormatFloat(b.Settings.WarmupS, 'f', -1, 64)+"s")
	target := func(r *analyze.Run) string {
		if r.Simulator != "" {
			return "built-in simulator " + r.Simulator // its loopback port changes every run
		}
		return r.Target
	}
	add(SettingTarget, target(ra), target(rb))
	return out
}

// CDFPoint is one point of a distribution: the P-quantile is MS.
type CDFPoint struct {
	P  float64 `json:"p"`
	MS float64 `json:"ms"`
}

// LevelComparison compares the runs at one user level (or overall).
type LevelComparison struct {
	// Users is the level; 0 for the whole run and in open loops.
	Users int `json:"users"`
	// Rate is the level of an open-loop comparison, an offered rate in
	// requests/s; absent in closed runs and for the whole run.
	Rate *float64 `json:"rate,omitempty"`
	// Steps are each run's step at this level (its first step with this
	// user count); nil when the run lacks the level (and for Overall).
	Steps   []*int             `json:"steps"`
	Metrics []MetricComparison `json:"metrics"`
}

// MetricComparison is one metric across the runs at one level.
type MetricComparison struct {
	Metric string `json:"metric"`
	Unit   string `json:"unit"`
	// Values, Samples and Changes have one entry per run. Changes[0] (the
	// baseline) is nil, and so is the change of a run without a value.
	Values  []*float64 `json:"values"`
	Samples []int64    `json:"samples"`
	Changes []*Change  `json:"changes"`
}

// Change is a run's value against the baseline's.
type Change struct {
	// Delta is new - base in the metric's unit; Relative is Delta / base
	// (nil when base is 0).
	Delta    *float64 `json:"delta"`
	Relative *float64 `json:"relative"`
	// Test names the significance test; P its p-value (nil: no test, too
	// few values). CILow and CIHigh bound the 1-alpha bootstrap interval
	// of Delta (quantile tests only).
	Test   string   `json:"test"`
	P      *float64 `json:"p"`
	CILow  *float64 `json:"ci_low"`
	CIHigh *float64 `json:"ci_high"`
	// Significant is P < alpha.
	Significant bool `json:"significant"`
	// MinEffect is the minimum effect that applied (a relative change, or
	// for rates a difference); Negligible: the change is smaller than it,
	// so it is "same" whatever P says.
	MinEffect  float64 `json:"min_effect"`
	Negligible bool    `json:"negligible"`
	// Direction is worse, better or same (not significant, or negligible);
	// "" untested.
	Direction string `json:"direction"`
}

// UnmatchedLevel is a user level that not every run has.
type UnmatchedLevel struct {
	Users int `json:"users"`
	// Rate is the offered rate of an open-loop level (Users is then 0).
	Rate *float64 `json:"rate,omitempty"`
	// In and Missing name the runs that have and lack it.
	In      []string `json:"in"`
	Missing []string `json:"missing"`
	// P95MS are the runs' p95 there (nil where missing).
	P95MS []*float64 `json:"p95_ms"`
}

// Verdict sums up one run against the baseline.
type Verdict struct {
	Run     string `json:"run"`
	Against string `json:"against"`
	// Outcome is worse, better, mixed or same over the significant changes
	// of p50, p95, p99 and the failure rate (overall and matched levels)
	// and the saturation point.
	Outcome string `json:"outcome"`
	// Summary is the verdict in one sentence as the reports print it.
	// Compare leaves it empty: the presentation layer (report/view) words
	// it from Evidence, and the JSON output carries its words.
	Summary  string          `json:"summary"`
	Evidence VerdictEvidence `json:"-"`
}

// VerdictEvidence is what a verdict rests on besides the saturation
// points of the two runs (CompareRun.Saturation).
type VerdictEvidence struct {
	// NoSuccess: the run has no successful request after the warmup (no
	// latency to compare).
	NoSuccess bool
	// WorstP95 is the largest relative p95 change at a matched level that
	// holds under the correction for multiple tests, at WorstUsers; nil
	// when none holds. Matched counts the levels the run shares with the
	// baseline.
	WorstP95   *Change
	WorstUsers int
	// WorstRate is WorstP95's level in an open-loop comparison (an offered
	// rate; WorstUsers is then 0).
	WorstRate *float64
	Matched   int
	// OverallP95 is the change of the whole-run p95, nil unless the runs
	// have the same user levels.
	OverallP95 *Change
	// FailRate is the change of the whole-run failure rate when it holds
	// under the correction (and the runs have the same levels), from
	// FailRateBase to FailRateRun.
	FailRate                  *Change
	FailRateRun, FailRateBase *float64
}

// CDFProbabilities are the probabilities of CompareRun.CDF.
var CDFProbabilities = func() []float64 {
	var p []float64
	for i := 0; i <= 100; i++ {
		p = append(p, float64(i)/100)
	}
	return slices.Insert(p, 100, 0.995, 0.999)
}()

// Compare compares runs (at least two, the first the baseline) at
// significance level alpha (0 < alpha < 1), counting only changes of at
// least me (MinEffect). The runs must have been loaded with the same
// Options.
func Compare(runs []*analyze.RunData, alpha float64, me MinEffect) (*Comparison, error) {
	if len(runs) < 2 {
		return nil, errors.New("compare needs at least two runs")
	}
	if !(alpha > 0 && alpha < 1) {
		return nil, fmt.Errorf("alpha %v must be in (0, 1)", alpha)
	}
	if err := analyze.SameLoopKind(runs); err != nil {
		return nil, err
	}
	c := &Comparison{
		FormatVersion:      CompareFormatVersion,
		Settings:           runs[0].Analysis.Settings,
		Alpha:              alpha,
		MinEffect:          me,
		BootstrapResamples: BootstrapResamples,
		Levels:             []LevelComparison{},
		Unmatched:          []UnmatchedLevel{},
		Verdicts:           []Verdict{},
		Warnings:           []analyze.Warning{},
	}
	c.Metrics = compareMetrics(runs)
	for i, r := range runs {
		c.Runs = append(c.Runs, compareRun(r, i == 0))
	}
	c.capacityChanges(me)
	c.Overall = c.level(0, overallViews(runs), nil)
	levels := c.matchLevels(runs)
	c.Warnings = c.warnings(runs, levels)
	c.Unlike = []Difference{}
	for _, r := range runs[1:] {
		c.Unlike = append(c.Unlike, unlike(r.Name, runs[0].Analysis, r.Analysis)...)
	}
	for i := 1; i < len(runs); i++ {
		c.Verdicts = append(c.Verdicts, c.verdict(i))
	}
	c.Warnings = append(c.Warnings, analyze.NonFiniteWarning(analyze.FiniteFigures(c))...)
	for _, r := range runs {
		if err := r.Samples.Err(); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// capacityChanges sets each run's capacity and peak changes against the
// baseline's.
func (c *Comparison) capacityChanges(me MinEffect) {
	for i := 1; i < len(c.Runs); i++ {
		r, b := &c.Runs[i], &c.Runs[0]
		r.CapacityChange = PlainChange(b.Capacity.Level, r.Capacity.Level)
		if ch := r.CapacityChange; ch != nil {
			// One value a run: untested, marked by its sign (a lower
			// capacity is worse) when beyond the minimum effect.
			ch.MinEffect, ch.Negligible = me.Relative, me.Negligible(UnitLevel, ch)
			switch {
			case ch.Negligible:
				ch.Direction = DirectionSame
			case *ch.Delta < 0:
				ch.Direction = DirectionWorse
			case *ch.Delta > 0:
				ch.Direction = DirectionBetter
			default:
				ch.Direction = DirectionSame
			}
		}
		r.PeakRPSChange = PlainChange(b.Peak.RPS, r.Peak.RPS)
		r.PeakTokensChange = PlainChange(b.Peak.OutputTokensPerS, r.Peak.OutputTokensPerS)
	}
}

// compareMetrics are the CompareMetrics some run has.
func compareMetrics(runs []*analyze.RunData) []string {
	hasTTFT, hasTokens := false, false
	for _, r := range runs {
		hasTTFT = hasTTFT || r.Samples.Overall.TTFT.Len() > 0
		hasTokens = hasTokens || r.Samples.Overall.TokensPerS.Len() > 0
	}
	var out []string
	for _, m := range CompareMetrics {
		if (m == "ttft_p95" && !hasTTFT) || (m == "tokens_per_s" && !hasTokens) {
			continue
		}
		out = append(out, m)
	}
	for _, p := range runs[0].Analysis.Settings.Percentiles {
		if name := analyze.PercentileName(p); !slices.Contains(out, name) {
			out = append(out, name) // --percentiles: p90, p99.9
		}
	}
	if runs[0].Analysis.Settings.SLO != nil {
		out = append(out, SLOCompareMetrics...)
	}
	return out
}

// SLOCompareMetrics are compared at every level when --slo is given.
var SLOCompareMetrics = []string{"goodput", "slo_attainment"}

// PlainChange is new against base without a test (nil when either is
// missing).
func PlainChange(base, new *float64) *Change {
	if base == nil || new == nil {
		return nil
	}
	c := &Change{Delta: ptr(*new - *base)}
	if *base != 0 {
		c.Relative = ptr((*new - *base) / *base)
	}
	return c
}

func overallViews(runs []*analyze.RunData) []*Level {
	vs := make([]*Level, len(runs))
	for i, r := range runs {
		vs[i] = &Level{Analysis: r.Analysis, Values: &r.Samples.Overall}
	}
	return vs
}

// firstSteps maps each level of a run (its user count, or an open loop's
// offered rate key, see analyze.LevelKey) to its first post-warmup step.
func firstSteps(a *analyze.Analysis, open bool) map[int]*analyze.Step {
	m := map[int]*analyze.Step{}
	for j := range a.Steps {
		if st := &a.Steps[j]; m[analyze.LevelKey(open, st)] == nil {
			m[analyze.LevelKey(open, st)] = st
		}
	}
	return m
}

// levelKey is the key of a compared level in firstSteps' maps.
func levelKey(users int, rate *float64) int {
	if rate != nil {
		return int(math.Round(*rate * 1000))
	}
	return users
}

// matchLevels compares the runs at every user level the baseline and
// another run have (Levels) and lists the levels some run lacks
// (Unmatched). It returns each run's first step of each user count.
func (c *Comparison) matchLevels(runs []*analyze.RunData) []map[int]*analyze.Step {
	levels := make([]map[int]*analyze.Step, len(runs))
	all := map[int]bool{}
	open := runs[0].Analysis.Run.OpenLoop()
	for i, r := range runs {
		levels[i] = firstSteps(r.Analysis, open)
		for u := range levels[i] {
			all[u] = true
		}
	}
	users := make([]int, 0, len(all))
	for u := range all {
		users = append(users, u)
	}
	slices.Sort(users)
	for _, u := range users {
		vs := make([]*Level, len(runs))
		steps := make([]*int, len(runs))
		ul := UnmatchedLevel{Users: u}
		if open {
			ul.Users, ul.Rate = 0, ptr(analyze.KeyRate(u))
		}
		for i, r := range runs {
			st := levels[i][u]
			if st == nil {
				ul.Missing = append(ul.Missing, r.Name)
				ul.P95MS = append(ul.P95MS, nil)
				continue
			}
			vs[i] = &Level{Analysis: r.Analysis, Step: st, Values: r.Samples.Steps[st.Step]}
			steps[i] = ptrInt(st.Step)
			ul.In = append(ul.In, r.Name)
			ul.P95MS = append(ul.P95MS, vs[i].lat().P95MS)
		}
		if len(ul.Missing) > 0 {
			c.Unmatched = append(c.Unmatched, ul)
		}
		if vs[0] != nil && len(ul.In) >= 2 {
			lc := c.level(u, vs, steps)
			lc.Users, lc.Rate = ul.Users, ul.Rate
			c.Levels = append(c.Levels, lc)
		}
	}
	return levels
}

// warnings are the comparison's warnings, as facts report/view words:
// thin levels, unmatched levels, runs of different levels, then each
// run's own warnings.
func (c *Comparison) warnings(runs []*analyze.RunData, levels []map[int]*analyze.Step) []analyze.Warning {
	var ws []analyze.Warning
	for _, lc := range c.Levels {
		for i, r := range runs {
			st := levels[i][levelKey(lc.Users, lc.Rate)]
			if st == nil || r.Analysis.Overall.OK == 0 {
				continue
			}
			if n := st.Latency.Samples; n < analyze.MinStepSamples {
				ws = append(ws, analyze.Warning{Fact: ThinLevelFact{Users: lc.Users, Rate: lc.Rate, Run: r.Name, Samples: n}})
			}
		}
	}
	for _, ul := range c.Unmatched {
		ws = append(ws, analyze.Warning{Fact: UnmatchedFact{Users: ul.Users, Rate: ul.Rate, In: ul.In, Missing: ul.Missing}})
	}
	for i := 1; i < len(runs); i++ {
		if !c.sameLevels(i) {
			ws = append(ws, analyze.Warning{Fact: MixedLevelsFact{Run: runs[i].Name, Base: runs[0].Name}})
		}
	}
	for _, r := range runs {
		for _, x := range r.Analysis.Warnings {
			x.Run = r.Name
			ws = append(ws, x)
		}
	}
	return ws
}

// ThinLevelFact: at a level (Users, or the offered Rate of an open loop)
// run Run has Samples successful requests, fewer than
// analyze.MinStepSamples: the tests there have little power.
type ThinLevelFact struct {
	Users   int
	Rate    *float64
	Run     string
	Samples int64
}

// UnmatchedFact: a level (Users, or Rate) only the runs In have, not the
// runs Missing.
type UnmatchedFact struct {
	Users       int
	Rate        *float64
	In, Missing []string
}

// MixedLevelsFact: runs Run and Base loaded different levels, so their
// overall figures mix different loads.
type MixedLevelsFact struct{ Run, Base string }

func (ThinLevelFact) WarningFact()   {}
func (UnmatchedFact) WarningFact()   {}
func (MixedLevelsFact) WarningFact() {}

func ptrInt(v int) *int { return &v }

// level compares the runs' views (nil: the run lacks the level).
func (c *Comparison) level(users int, vs []*Level, steps []*int) LevelComparison {
	if steps == nil {
		steps = make([]*int, len(vs))
	}
	lc := LevelComparison{Users: users, Steps: steps}
	for _, name := range c.Metrics {
		d, _ := FindMetric(name)
		mc := MetricComparison{Metric: name, Unit: d.Unit, Values: make([]*float64, len(vs)),
			Samples: make([]int64, len(vs)), Changes: make([]*Change, len(vs))}
		for i, v := range vs {
			if v == nil {
				continue
			}
			mc.Values[i], mc.Samples[i] = d.Value(*v), d.Samples(*v)
			if i > 0 && vs[0] != nil {
				mc.Changes[i] = d.Change(*vs[0], *v, c.Alpha, c.MinEffect)
			}
		}
		lc.Metrics = append(lc.Metrics, mc)
	}
	return lc
}

func compareRun(r *analyze.RunData, base bool) CompareRun {
	a := r.Analysis
	cr := CompareRun{Name: r.Name, Baseline: base, RunID: a.Run.RunID, Model: a.Run.Model, Labels: a.Run.Labels,
		StartedAt: a.Run.StartedAt, EndReason: a.Run.EndReason, BaselineP95: a.Baseline, Saturation: a.Saturation,
		Growth: a.Growth.Pattern, Analysis: a, Users: []int{}, CDF: []CDFPoint{},
		Capacity: a.Capacity, Peak: a.Peak}
	if cr.Labels == nil {
		cr.Labels = map[string]string{}
	}
	for _, sh := range a.Run.Shards {
		cr.Files = append(cr.Files, sh.File)
	}
	for _, st := range a.Steps {
		switch {
		case a.Run.OpenLoop() && st.OfferedRPS != nil:
			if !slices.Contains(cr.Rates, *st.OfferedRPS) {
				cr.Rates = append(cr.Rates, *st.OfferedRPS)
			}
		case !slices.Contains(cr.Users, st.Users):
			cr.Users = append(cr.Users, st.Users)
		}
	}
	slices.Sort(cr.Users)
	slices.Sort(cr.Rates)
	if vals := r.Samples.Overall.Metric; vals.Len() > 0 {
		for _, p := range CDFProbabilities {
			cr.CDF = append(cr.CDF, CDFPoint{P: p, MS: *stats.Quantile(vals, p)})
		}
	}
	return cr
}

// metric returns the comparison of name at level lc (nil when absent).
func (lc *LevelComparison) metric(name string) *MetricComparison {
	for i := range lc.Metrics {
		if lc.Metrics[i].Metric == name {
			return &lc.Metrics[i]
		}
	}
	return nil
}

// verdict weighs run i against the baseline and keeps the evidence: the
// largest p95 change of a matched level that survives the correction for
// multiple tests (corrected), the overall p95 and the failure rate when
// it changed.
func (c *Comparison) verdict(i int) Verdict {
	base, run := c.Runs[0], c.Runs[i]
	v := Verdict{Run: run.Name, Against: base.Name}
	held := c.corrected(i)
	e := &v.Evidence
	e.NoSuccess = run.Analysis.Overall.OK == 0
	if !e.NoSuccess {
		for _, lc := range c.Levels {
			if lc.Steps[i] != nil {
				e.Matched++
			}
			ch := lc.metric("p95").Changes[i]
			if held[ch] && !ch.Negligible && ch.Relative != nil && (e.WorstP95 == nil || math.Abs(*ch.Relative) > math.Abs(*e.WorstP95.Relative)) {
				e.WorstP95, e.WorstUsers, e.WorstRate = ch, lc.Users, lc.Rate
			}
		}
		if ch := c.Overall.metric("p95").Changes[i]; ch != nil && c.sameLevels(i) {
			e.OverallP95 = ch
		}
	}
	if m := c.Overall.metric("fail_rate"); m != nil && c.sameLevels(i) {
		if ch := m.Changes[i]; held[ch] && !ch.Negligible {
			e.FailRate, e.FailRateRun, e.FailRateBase = ch, m.Values[i], m.Values[0]
		}
	}
	v.Outcome = c.outcome(i, held)
	return v
}

// sameLevels reports whether run i has the baseline's user levels: only
// then do their overall figures compare like with like.
func (c *Comparison) sameLevels(i int) bool {
	return slices.Equal(c.Runs[i].Users, c.Runs[0].Users) && slices.Equal(c.Runs[i].Rates, c.Runs[0].Rates)
}

// verdictMetrics are the metrics a verdict weighs.
var verdictMetrics = []string{"p50", "p95", "p99", "fail_rate"}

// corrected returns the changes of run i in verdictMetrics (at matched
// levels, and overall when the runs have the same levels) that stay
// significant under the Holm-Bonferroni correction at alpha (stats.Holm):
// a verdict reads many tests at once.
func (c *Comparison) corrected(i int) map[*Change]bool {
	var tested []*Change
	var ps []float64
	levels := c.Levels
	if c.sameLevels(i) {
		levels = append([]LevelComparison{c.Overall}, levels...)
	}
	for _, lc := range levels {
		for _, name := range verdictMetrics {
			if m := lc.metric(name); m != nil {
				if ch := m.Changes[i]; ch != nil && ch.P != nil {
					tested = append(tested, ch)
					ps = append(ps, *ch.P)
				}
			}
		}
	}
	held := map[*Change]bool{}
	for k, ok := range stats.Holm(ps, c.Alpha) {
		if ok {
			held[tested[k]] = true
		}
	}
	return held
}

// outcome weighs the corrected significant changes of run i and the
// saturation points.
func (c *Comparison) outcome(i int, held map[*Change]bool) string {
	worse, better := 0, 0
	for ch := range held {
		switch ch.Direction {
		case DirectionWorse:
			worse++
		case DirectionBetter:
			better++
		}
	}
	switch SaturationDirection(c.Runs[i].Saturation, c.Runs[0].Saturation) {
	case DirectionWorse:
		worse++
	case DirectionBetter:
		better++
	}
	switch {
	case worse > 0 && better > 0:
		return OutcomeMixed
	case worse > 0:
		return OutcomeWorse
	case better > 0:
		return OutcomeBetter
	}
	return OutcomeSame
}

// SaturationDirection judges run's saturation point against base's, the
// rule a verdict weighs: worse when run saturates at a lower level (or
// saturates where base held), better the other way round, else same.
func SaturationDirection(run, base analyze.Saturation) string {
	switch {
	case run.Reached && base.Reached && *run.Level < *base.Level, run.Reached && !base.Reached && *run.Level <= base.MaxLevel:
		return DirectionWorse
	case run.Reached && base.Reached && *run.Level > *base.Level, !run.Reached && base.Reached && run.MaxLevel >= *base.Level:
		return DirectionBetter
	}
	return DirectionSame
}

func ptr(v float64) *float64 { return &v }
