package htmlreport

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/report/view"
	"github.com/llmrec/llmrec/schemas"
)

// page is everything the template prints. Every string in it is plain
// text: the template escapes it for the context it lands in.
type page struct {
	Title    string
	Subtitle string
	Header   []field
	Labels   []field
	Verdict  []verdictItem
	// Notices lead the verdict (view.Notices).
	Notices []string
	Health  []card
	Sat     satView
	Growth  growthView
	// KeyChart (p95 and p99 against users) is shown with the saturation
	// evidence; Charts are the others, over time.
	KeyChart *chartSpec
	// GoodputChart (goodput and attainment against the level, with --slo)
	// stands beside KeyChart.
	GoodputChart *chartSpec
	Charts       []chartSpec
	Steps        stepTable
	// SLO is the per-step SLO table (no rows without --slo), headed by
	// SLOTitle: the text and Markdown reports' table.
	SLO      view.Table
	SLOTitle string
	// LLM are the run's LLM figures; empty when it has none.
	LLM []field
	// Server is the server-telemetry section; nil when the run has none.
	Server *view.Telemetry
	// Percentiles are the --percentiles (no rows without them).
	Percentiles view.Table
	// Turns are the figures by conversation turn (no rows without
	// conversations), TurnsNote what they show.
	Turns     view.Table
	TurnsNote string
	// Classes are the figures by request class (--by class; no rows
	// without), ClassLines a line a class.
	Classes    view.Table
	ClassLines []string
	Errors     []errorRow
	Warnings   []string
	// MoreWarnings counts the warnings beyond view.MaxWarnings.
	MoreWarnings int
	Definitions  []view.Field
	Generator    string
}

type field struct{ Name, Value string }

// verdictItem is one answer of the box at the top of the page.
type verdictItem struct {
	Question, Answer, Detail string
	Class                    string // good, warn, bad, na
}

// card is one health indicator with its band in words and in colour.
type card struct {
	Name, Value, Band, Rule, Class string
}

type satView struct {
	Headline string
	Summary  string
	Evidence []field
}

type growthView struct {
	Headline string
	Summary  string
	Method   string
	Evidence []field
	Points   []growthPoint
}

type growthPoint struct {
	Step, Users, P95, FailRate string
}

type stepTable struct {
	LLM  bool
	Open bool // an open loop: the offered, achieved, completed and waited columns
	// Estimated: the output tokens are the recorder's estimates (the
	// tokens/s column says so).
	Estimated bool
	Rows      []stepRow
	// All is the overall row: every post-warmup request.
	All stepRow
}

type stepRow struct {
	Step, Users, Requests, OK, Failures, FailRate, RPS string
	P50, P90, P95, P99, Max, VsBase                    string
	TTFTP95, TokensPerS                                string
	Tag, Class                                         string
	LLM                                                bool // the table has the LLM columns
	// Open-loop cells (view.OpenStepCells), shown when Open.
	Offered, Achieved, Completed, Waited string
	Open                                 bool
}

type errorRow struct {
	Class, Count, Share, Example string
}

// bandClass maps a health band to the CSS class of its colour.
func bandClass(band string) string {
	switch band {
	case analyze.BandHealthy:
		return "good"
	case analyze.BandWarning:
		return "warn"
	case analyze.BandCritical:
		return "bad"
	default:
		return "na"
	}
}

// newPage lays out the analysis for the template. It computes nothing the
// analyzer did not; it only chooses words and formats numbers.
func newPage(a *analyze.Analysis, chartSpecs []chartSpec) *page {
	r := &a.Run
	p := &page{Charts: chartSpecs, Generator: schemas.ToolVersion}
	if len(chartSpecs) > 0 {
		p.KeyChart, p.Charts = &chartSpecs[0], chartSpecs[1:]
		if a.Settings.SLO != nil && len(p.Charts) > 0 {
			p.GoodputChart, p.Charts = &p.Charts[0], p.Charts[1:]
		}
	}
	name := r.Model
	if name == "" {
		name = "unknown model"
	}
	p.Title = "Load test of " + name
	p.Subtitle = "run " + r.RunID
	if !r.StartedAt.IsZero() {
		p.Subtitle += " · " + r.StartedAt.UTC().Format(time.RFC3339)
	}
	p.Header = header(a)
	for _, l := range view.Labels(r.Labels) {
		p.Labels = append(p.Labels, field{l.Name, l.Value})
	}
	p.Health = healthCards(a)
	p.Sat = saturation(a)
	p.Growth = growth(a)
	p.Verdict = verdict(a)
	p.Notices = view.Notices(a)
	p.Steps = steps(a)
	if a.Settings.SLO != nil {
		va := view.NewAnalysis(a)
		p.SLO, p.SLOTitle = va.Goodput, va.GoodputTitle
	}
	p.LLM = llmFigures(a)
	p.Server = view.NewTelemetry(a)
	p.Percentiles = view.PercentileTable(a)
	p.Turns, p.TurnsNote = view.TurnTable(a), view.TurnsNote
	p.Classes, p.ClassLines = view.ClassTable(a), view.ClassLines(a)
	top, other := view.TopErrors(a.Errors, view.MaxErrorRows)
	for _, e := range top {
		p.Errors = append(p.Errors, errorRow{view.Clip(view.Clean(e.Class), 60), view.Int(e.Count), view.Pct(&e.Share), view.Clip(view.Clean(e.Example), 500)})
	}
	if other != nil {
		p.Errors = append(p.Errors, errorRow{fmt.Sprintf("other (%d classes)", other.Classes), view.Int(other.Count), view.Pct(&other.Share), ""})
	}
	p.Warnings, p.MoreWarnings = view.Warnings(view.WarningTexts(a.Warnings))
	p.Definitions = view.Definitions(view.AnalysisDefinitions(a))
	return p
}

func header(a *analyze.Analysis) []field {
	r := &a.Run
	api := r.API
	if r.Stream {
		api += ", streaming"
	}
	if r.MaxTokens > 0 {
		api += ", max " + strconv.Itoa(r.MaxTokens) + " tokens"
	}
	target := view.Target(r.Target)
	if r.Simulator != "" {
		target += " (built-in simulator, " + r.Simulator + ")"
	}
	end := r.EndReason
	if r.EndDetail != "" {
		end += ": " + r.EndDetail
	}
	sh := &r.Shape
	shape := closedShape(sh)
	if open := view.OpenShape(*sh); open != "" {
		shape = open
	}
	if sh.Search != nil {
		shape = view.SearchShape(*sh)
	}
	reqs := view.Int(a.Overall.Requests) + " after warmup (" + view.Int(a.Overall.WarmupRequests) + " in warmup, " + view.Int(r.Rows) + " rows)"
	f := []field{
		{"Model", orNA(r.Model)},
		{"Target", orNA(target)},
		{"API", orNA(api)},
		{"Shape", shape},
		{"Duration", view.Secs(r.DurationS)},
		{"End reason", orNA(end)},
		{"Requests", reqs},
		{"Analysis", view.Settings(a.Settings)},
		{"Recorder version", orNA(r.ToolVersion)},
	}
	if w := view.WorkloadLine(r.Workload); w != "" {
		f = slices.Insert(f, 4, field{"Workload", w}) // after Shape
	}
	if c := view.ChangesLine(r); c != "" {
		f = slices.Insert(f, 4, field{"Changed live", c}) // right after Shape
	}
	if s := view.Shards(r); s != "" {
		f = append(f, field{"Shards", s})
	}
	g := &r.Generator
	if g.PeakCPU > 0 || g.PeakLagMS > 0 {
		f = append(f, field{"Load generator", "peak CPU " + strconv.FormatFloat(g.PeakCPU, 'f', 1, 64) +
			" cores, scheduling lag p99 " + view.MS(&g.P99LagMS) + " ms (max " + view.MS(&g.PeakLagMS) + " ms)"})
	}
	return f
}

// closedShape describes a closed loop's shape: users added every step up
// to the maximum, spawn rate, think time, profile; NA without user steps.
func closedShape(sh *analyze.Shape) string {
	if sh.StepUsers <= 0 {
		return view.NA
	}
	shape := "+" + strconv.Itoa(sh.StepUsers) + " users every " + view.Secs(sh.StepTimeS) +
		" up to " + strconv.Itoa(sh.MaxUsers)
	if sh.SpawnRate > 0 {
		shape += ", spawn " + trimFloat(sh.SpawnRate) + "/s"
	}
	shape += ", think " + view.Secs(sh.WaitMinS) + "–" + view.Secs(sh.WaitMaxS)
	if sh.Profile != "" {
		shape += " (" + sh.Profile + " profile)"
	}
	if sh.StopOnSaturation {
		shape += ", stop on saturation"
	}
	return shape
}

func healthCards(a *analyze.Analysis) []card {
	var out []card
	for _, h := range a.Health {
		h.Text, h.WholeText = view.HealthText(h)
		name := view.SignalName(h.Signal)
		v := h.Text
		if v == "" {
			v = view.NA
		}
		if h.Signal == "growth" {
			if g, ok := view.GrowthName(h.Text); ok {
				v = g
			}
		}
		rule := h.Rule
		if h.Signal != "growth" {
			name += ", " + view.SteadyName(a.Steady)
			rule = "whole run: " + orNA(h.WholeText) + " " + h.WholeBand + " · " + rule
		}
		out = append(out, card{Name: name, Value: v, Band: h.Band, Rule: rule, Class: bandClass(h.Band)})
	}
	return out
}

func saturation(a *analyze.Analysis) satView {
	s := &a.Saturation
	v := satView{Summary: view.SaturationDetail(a), Headline: view.SaturationHeadline(a)}
	if b := a.Baseline; b != nil {
		v.Evidence = append(v.Evidence, field{"Baseline", "step " + strconv.Itoa(b.Step) + ", " +
			view.StepLevel(a, b.Level) + ", p95 " + view.Duration(b.P95MS)})
		if b.P95MS != nil {
			limit := *b.P95MS * a.Settings.LatencyThreshold
			v.Evidence = append(v.Evidence, field{"Latency limit", view.Factor(a.Settings.LatencyThreshold) +
				" baseline p95 = " + view.Duration(&limit)})
		}
	}
	v.Evidence = append(v.Evidence, field{"Error limit", "failure rate > " + view.Pct(&a.Settings.ErrorThreshold)})
	if s.Reached && s.Step != nil {
		v.Evidence = append(v.Evidence, field{"Saturating step", "step " + strconv.Itoa(*s.Step) +
			": p95 " + view.Ratio(s.LatencyRatio) + " baseline, failure rate " + view.Pct(s.FailRate) +
			"; signals fired: " + orNA(strings.Join(s.Signals, ", "))})
	}
	return v
}

func growth(a *analyze.Analysis) growthView {
	g := &a.Growth
	v := growthView{Summary: view.GrowthWords(*g, a.Run.LevelKind), Method: g.Method}
	if n, ok := view.GrowthName(g.Pattern); ok {
		v.Headline = "Latency growth: " + n
	} else {
		v.Headline = "Latency growth: not judged"
	}
	e := &g.Evidence
	v.Evidence = []field{
		{"p95 max/min", view.Ratio(e.P95Ratio)},
		{"Slope, all points", view.Num(e.Slope, 2) + " ms/user"},
		{"Slope, first third", view.Num(e.SlopeFirst, 2) + " ms/user"},
		{"Slope, last third", view.Num(e.SlopeLast, 2) + " ms/user"},
		{"Last/first slope", view.Ratio(e.SlopeRatio)},
		{"R² linear / exponential fit", view.Num(e.LinearR2, 2) + " / " + view.Num(e.ExpR2, 2)},
		{"Highest failure rate", view.Pct(e.MaxFailRate)},
	}
	for _, i := range view.Thin(len(e.Users), view.MaxStepRows) {
		pt := growthPoint{Users: strconv.Itoa(e.Users[i]), Step: view.NA, P95: view.NA, FailRate: view.NA}
		if i < len(e.Steps) {
			pt.Step = strconv.Itoa(e.Steps[i])
		}
		if i < len(e.P95MS) {
			pt.P95 = view.MS(&e.P95MS[i])
		}
		if i < len(e.FailRate) {
			pt.FailRate = view.Pct(e.FailRate[i])
		}
		v.Points = append(v.Points, pt)
	}
	return v
}

// verdict answers the questions a reader opens the report with, in the
// view's words (a capacity answer, for runs with an SLO, goes first).
func verdict(a *analyze.Analysis) []verdictItem {
	var out []verdictItem
	for _, x := range view.Answers(a) {
		class := bandClass(x.Band)
		if x.Band == "" {
			class = "peak"
		}
		out = append(out, verdictItem{Question: x.Question, Answer: x.Answer, Detail: x.Detail, Class: class})
	}
	return out
}

func steps(a *analyze.Analysis) stepTable {
	t := stepTable{LLM: a.LLM != nil, Open: view.OpenLoop(a), Estimated: view.TokensEstimated(a)}
	var base *float64
	baseStep := -1
	if a.Baseline != nil {
		base, baseStep = a.Baseline.P95MS, a.Baseline.Step
	}
	satStep := -1
	if a.Saturation.Reached && a.Saturation.Step != nil {
		satStep = *a.Saturation.Step
	}
	o := &a.Overall
	t.All = stepRow{Step: "all", Users: view.NA, Requests: view.Int(o.Requests), OK: view.Int(o.OK), Failures: view.Int(o.Failures),
		FailRate: view.Pct(o.FailRate), RPS: view.Num(o.RPS, 2),
		P50: view.MS(o.P50MS), P90: view.MS(o.P90MS), P95: view.MS(o.P95MS), P99: view.MS(o.P99MS), Max: view.MS(o.MaxMS),
		VsBase: view.NA, TTFTP95: view.NA, TokensPerS: view.NA, LLM: t.LLM,
		Offered: view.NA, Achieved: view.NA, Completed: view.NA, Waited: view.NA, Open: t.Open}
	if a.LLM != nil {
		t.All.TTFTP95, t.All.TokensPerS = view.MS(a.LLM.TTFT.P95), view.Num(a.LLM.TokensPerS.P50, 1)
	}
	shown, cut := view.Ends(len(a.Steps), view.MaxStepRows)
	for k, i := range shown {
		if cut > 0 && k == view.MaxStepRows/2 {
			t.Rows = append(t.Rows, stepRow{Step: "…", Tag: fmt.Sprintf("%d more steps (the JSON output has them all)", cut), LLM: t.LLM, Open: t.Open})
		}
		s := a.Steps[i]
		r := stepRow{
			Step: strconv.Itoa(s.Step), Users: strconv.Itoa(s.Users),
			Requests: view.Int(s.Requests), OK: view.Int(s.OK), Failures: view.Int(s.Failures),
			FailRate: view.Pct(s.FailRate), RPS: view.Num(s.RPS, 2),
			P50: view.MS(s.P50MS), P90: view.MS(s.P90MS), P95: view.MS(s.P95MS), P99: view.MS(s.P99MS), Max: view.MS(s.MaxMS),
			VsBase: view.NA, TTFTP95: view.NA, TokensPerS: view.NA, LLM: t.LLM,
		}
		if base != nil && *base > 0 && s.P95MS != nil {
			x := *s.P95MS / *base
			r.VsBase = view.Ratio(&x)
		}
		if t.Open {
			c := view.OpenStepCells(s)
			r.Open, r.Offered, r.Achieved, r.Completed, r.Waited = true, c[0], c[1], c[2], c[3]
		}
		if s.LLM != nil {
			r.TTFTP95 = view.MS(s.LLM.TTFTP95MS)
			r.TokensPerS = view.Num(s.LLM.TokensPerSP50, 1)
		}
		switch s.Step {
		case baseStep:
			r.Tag, r.Class = "baseline", "base"
		case satStep:
			r.Tag, r.Class = "saturation", "sat"
		}
		t.Rows = append(t.Rows, r)
	}
	return t
}

// llmFigures lists the run's LLM figures, or nothing without them.
func llmFigures(a *analyze.Analysis) []field {
	l := a.LLM
	if l == nil {
		return nil
	}
	q := func(x analyze.Quantiles, unit string, prec int) string {
		if x.Samples == 0 {
			return view.NA
		}
		return "p50 " + view.Num(x.P50, prec) + ", p95 " + view.Num(x.P95, prec) + ", p99 " + view.Num(x.P99, prec) + " " + unit +
			" (" + view.Int(x.Samples) + " requests)"
	}
	est := ""
	if view.TokensEstimated(a) {
		est = " (" + view.Estimated + ": the server sent no usage, " + view.EstimateHow(a) + ")"
	}
	f := []field{
		{"Time to first token (TTFT)", q(l.TTFT, "ms", 1)},
		{"Time per output token (TPOT)", q(l.TPOT, "ms", 2)},
	}
	if l.ITL != nil {
		itl := view.NA
		if l.ITL.Samples > 0 {
			itl = "p50 " + view.Num(l.ITL.P50, 2) + ", p95 " + view.Num(l.ITL.P95, 2) + ", p99 " + view.Num(l.ITL.P99, 2) + " ms (" + view.Int(l.ITL.Samples) + " gaps between content chunks)"
		}
		f = append(f, field{"Inter-token latency (ITL)", itl})
	}
	if s := view.StallSentence(a); s != "" {
		f = append(f, field{"Stalls", upperFirst(s)})
	}
	return append(f, []field{
		{"Output tokens/s per request", q(l.TokensPerS, "tokens/s", 1) + est},
		{"Output tokens/s overall", view.Num(l.OutputTokensPerS, 1) + " (" + view.Count(l.OutputTokens) + " output, " + view.Count(l.PromptTokens) + " prompt tokens)" + est},
	}...)
}

// upperFirst capitalises the first letter of s.
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToUpper(string(r[0])) + string(r[1:])
}
