package htmlreport

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/schemas"
)

// maxWarnings bounds the warnings listed; the rest are counted.
const maxWarnings = 100

// page is everything the template prints. Every string in it is plain
// text: the template escapes it for the context it lands in.
type page struct {
	Title    string
	Subtitle string
	Header   []field
	Labels   []field
	Verdict  []verdictItem
	Health   []card
	Sat      satView
	Growth   growthView
	// KeyChart (p95 and p99 against users) is shown with the saturation
	// evidence; Charts are the others, over time.
	KeyChart *chartSpec
	Charts   []chartSpec
	Steps    stepTable
	// LLM are the run's LLM figures; empty when it has none.
	LLM      []field
	Errors   []errorRow
	Warnings []string
	// MoreWarnings counts the warnings beyond maxWarnings.
	MoreWarnings int
	Definitions  []analyze.Definition
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
	Rows []stepRow
	// All is the overall row: every post-warmup request.
	All stepRow
}

type stepRow struct {
	Step, Users, Requests, OK, Failures, FailRate, RPS string
	P50, P90, P95, P99, Max, VsBase                    string
	TTFTP95, TokensPerS                                string
	Tag, Class                                         string
	LLM                                                bool // the table has the LLM columns
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

// signalName names a health signal for people.
func signalName(signal string) string {
	switch signal {
	case "p99_p50":
		return "Tail ratio p99/p50"
	case "fail_rate":
		return "Failure rate"
	case "growth":
		return "Latency growth"
	}
	return signal
}

// growthName words a growth pattern; ok is false for an unknown one.
func growthName(pattern string) (name string, ok bool) {
	switch pattern {
	case analyze.GrowthLinear:
		return "linear", true
	case analyze.GrowthExponential:
		return "exponential", true
	case analyze.GrowthFlatWithFailures:
		return "flat, with failures", true
	case analyze.GrowthFlat:
		return "flat", true
	}
	return pattern, false
}

// newPage lays out the analysis for the template. It computes nothing the
// analyzer did not; it only chooses words and formats numbers.
func newPage(a *analyze.Analysis, chartSpecs []chartSpec) *page {
	r := &a.Run
	p := &page{Charts: chartSpecs, Generator: schemas.ToolVersion}
	if len(chartSpecs) > 0 {
		p.KeyChart, p.Charts = &chartSpecs[0], chartSpecs[1:]
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
	keys := make([]string, 0, len(r.Labels))
	for k := range r.Labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		p.Labels = append(p.Labels, field{k, r.Labels[k]})
	}
	p.Health = healthCards(a)
	p.Sat = saturation(a)
	p.Growth = growth(a)
	p.Verdict = verdict(a, p)
	p.Steps = steps(a)
	p.LLM = llmFigures(a)
	for _, e := range a.Errors {
		share := e.Share
		p.Errors = append(p.Errors, errorRow{e.Class, fmtInt(e.Count), fmtPct(&share), e.Example})
	}
	p.Warnings = a.Warnings
	if len(p.Warnings) > maxWarnings {
		p.MoreWarnings = len(p.Warnings) - maxWarnings
		p.Warnings = p.Warnings[:maxWarnings]
	}
	p.Definitions = a.Definitions
	if len(p.Definitions) == 0 {
		p.Definitions = analyze.Definitions(a.Settings)
	}
	return p
}

func header(a *analyze.Analysis) []field {
	r, s := &a.Run, &a.Settings
	api := r.API
	if r.Stream {
		api += ", streaming"
	}
	if r.MaxTokens > 0 {
		api += ", max " + strconv.Itoa(r.MaxTokens) + " tokens"
	}
	target := redactURL(r.Target)
	if r.Simulator != "" {
		target += " (built-in simulator, " + r.Simulator + ")"
	}
	end := r.EndReason
	if r.EndDetail != "" {
		end += ": " + r.EndDetail
	}
	sh := &r.Shape
	shape := dash
	if sh.StepUsers > 0 {
		shape = "+" + strconv.Itoa(sh.StepUsers) + " users every " + fmtSeconds(sh.StepTimeS) +
			" up to " + strconv.Itoa(sh.MaxUsers)
		if sh.SpawnRate > 0 {
			shape += ", spawn " + trimFloat(sh.SpawnRate) + "/s"
		}
		shape += ", think " + fmtSeconds(sh.WaitMinS) + "–" + fmtSeconds(sh.WaitMaxS)
		if sh.Profile != "" {
			shape += " (" + sh.Profile + " profile)"
		}
		if sh.StopOnSaturation {
			shape += ", stop on saturation"
		}
	}
	reqs := fmtInt(a.Overall.Requests) + " after warmup (" + fmtInt(a.Overall.WarmupRequests) + " in warmup, " + fmtInt(r.Rows) + " rows)"
	metric := "latency"
	if s.Metric == analyze.MetricTTFT {
		metric = "TTFT"
	}
	settings := "warmup " + fmtSeconds(s.WarmupS) + ", window " + fmtSeconds(s.WindowS) +
		", baseline ≥" + strconv.Itoa(s.BaselineUsers) + " users, latency threshold " + trimFloat(s.LatencyThreshold) +
		"×, error threshold " + fmtPct(&s.ErrorThreshold) + ", metric " + metric
	f := []field{
		{"Model", orDash(r.Model)},
		{"Target", orDash(target)},
		{"API", orDash(api)},
		{"Shape", shape},
		{"Duration", fmtSeconds(r.DurationS)},
		{"End reason", orDash(end)},
		{"Requests", reqs},
		{"Analysis", settings},
		{"Recorder version", orDash(r.ToolVersion)},
	}
	if len(r.Shards) > 1 {
		var names []string
		for _, s := range r.Shards {
			names = append(names, s.File)
		}
		f = append(f, field{"Shards", strconv.Itoa(len(r.Shards)) + ": " + strings.Join(names, ", ")})
	}
	g := &r.Generator
	if g.PeakCPU > 0 || g.PeakLagMS > 0 {
		f = append(f, field{"Load generator", "peak CPU " + strconv.FormatFloat(g.PeakCPU, 'f', 1, 64) +
			" cores, scheduling lag p99 " + fmtNum(g.P99LagMS) + " ms (max " + fmtNum(g.PeakLagMS) + " ms)"})
	}
	return f
}

func orDash(s string) string {
	if s == "" {
		return dash
	}
	return s
}

func healthCards(a *analyze.Analysis) []card {
	var out []card
	for _, h := range a.Health {
		name := signalName(h.Signal)
		v := h.Text
		if v == "" {
			v = dash
		}
		if h.Signal == "growth" {
			if g, ok := growthName(h.Text); ok {
				v = g
			}
		}
		out = append(out, card{Name: name, Value: v, Band: h.Band, Rule: h.Rule, Class: bandClass(h.Band)})
	}
	return out
}

func saturation(a *analyze.Analysis) satView {
	s := &a.Saturation
	v := satView{Summary: s.Summary}
	switch {
	case s.Reached && s.Users != nil:
		v.Headline = "Saturated at " + strconv.Itoa(*s.Users) + " users"
		if s.Signal != nil {
			v.Headline += " (" + *s.Signal + ")"
		}
	case a.Baseline == nil:
		v.Headline = "No baseline: saturation not judged"
	default:
		v.Headline = "Not reached up to " + strconv.Itoa(s.MaxUsers) + " users"
	}
	if b := a.Baseline; b != nil {
		v.Evidence = append(v.Evidence, field{"Baseline", "step " + strconv.Itoa(b.Step) + ", " +
			strconv.Itoa(b.Users) + " users, p95 " + fmtMSUnit(b.P95MS)})
		if b.P95MS != nil {
			limit := *b.P95MS * a.Settings.LatencyThreshold
			v.Evidence = append(v.Evidence, field{"Latency limit", trimFloat(a.Settings.LatencyThreshold) +
				"× baseline p95 = " + fmtMSUnit(&limit)})
		}
	}
	v.Evidence = append(v.Evidence, field{"Error limit", "failure rate > " + fmtPct(&a.Settings.ErrorThreshold)})
	if s.Reached && s.Step != nil {
		v.Evidence = append(v.Evidence, field{"Saturating step", "step " + strconv.Itoa(*s.Step) +
			": p95 " + fmtRatio(s.LatencyRatio) + " baseline, failure rate " + fmtPct(s.FailRate) +
			"; signals fired: " + orDash(strings.Join(s.Signals, ", "))})
	}
	return v
}

func growth(a *analyze.Analysis) growthView {
	g := &a.Growth
	v := growthView{Summary: g.Summary, Method: g.Method}
	if n, ok := growthName(g.Pattern); ok {
		v.Headline = "Latency growth: " + n
	} else {
		v.Headline = "Latency growth: not judged"
	}
	e := &g.Evidence
	v.Evidence = []field{
		{"p95 max/min", fmtRatio(e.P95Ratio)},
		{"Slope, all points", fmtPtr(e.Slope) + " ms/user"},
		{"Slope, first third", fmtPtr(e.SlopeFirst) + " ms/user"},
		{"Slope, last third", fmtPtr(e.SlopeLast) + " ms/user"},
		{"Last/first slope", fmtRatio(e.SlopeRatio)},
		{"R² linear / exponential fit", fmtPtr(e.LinearR2) + " / " + fmtPtr(e.ExpR2)},
		{"Highest failure rate", fmtPct(e.MaxFailRate)},
	}
	for i := range e.Users {
		pt := growthPoint{Users: strconv.Itoa(e.Users[i]), Step: dash, P95: dash, FailRate: dash}
		if i < len(e.Steps) {
			pt.Step = strconv.Itoa(e.Steps[i])
		}
		if i < len(e.P95MS) {
			pt.P95 = fmtNum(e.P95MS[i])
		}
		if i < len(e.FailRate) {
			pt.FailRate = fmtPct(e.FailRate[i])
		}
		v.Points = append(v.Points, pt)
	}
	return v
}

// verdict answers the three questions a reader opens the report with.
func verdict(a *analyze.Analysis, p *page) []verdictItem {
	sat := verdictItem{Question: "Where did it saturate?", Answer: p.Sat.Headline, Detail: p.Sat.Summary, Class: "good"}
	if a.Saturation.Reached {
		sat.Class = "bad"
	} else if a.Baseline == nil {
		sat.Class = "na"
	}
	gr := verdictItem{Question: "How did latency grow?", Answer: strings.TrimPrefix(p.Growth.Headline, "Latency growth: "), Detail: p.Growth.Summary, Class: "na"}
	worst, rank := analyze.BandNA, 0
	var parts []string
	for _, h := range a.Health {
		if h.Signal == "growth" {
			gr.Class = bandClass(h.Band)
		}
		r := map[string]int{analyze.BandHealthy: 1, analyze.BandWarning: 2, analyze.BandCritical: 3}[h.Band]
		if r > rank {
			worst, rank = h.Band, r
		}
		parts = append(parts, signalName(h.Signal)+" "+orDash(h.Text)+": "+h.Band)
	}
	answer := map[string]string{
		analyze.BandHealthy:  "Healthy",
		analyze.BandWarning:  "Warning",
		analyze.BandCritical: "Critical",
	}[worst]
	if answer == "" {
		answer = "Not enough data to judge"
	}
	health := verdictItem{Question: "Is it healthy?", Answer: answer, Detail: strings.Join(parts, " · "), Class: bandClass(worst)}
	return []verdictItem{sat, gr, health}
}

func steps(a *analyze.Analysis) stepTable {
	t := stepTable{LLM: a.LLM != nil}
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
	t.All = stepRow{Step: "all", Users: dash, Requests: fmtInt(o.Requests), OK: fmtInt(o.OK), Failures: fmtInt(o.Failures),
		FailRate: fmtPct(o.FailRate), RPS: fmtPtr(o.RPS),
		P50: fmtMS(o.P50MS), P90: fmtMS(o.P90MS), P95: fmtMS(o.P95MS), P99: fmtMS(o.P99MS), Max: fmtMS(o.MaxMS),
		VsBase: dash, TTFTP95: dash, TokensPerS: dash, LLM: t.LLM}
	if a.LLM != nil {
		t.All.TTFTP95, t.All.TokensPerS = fmtMS(a.LLM.TTFT.P95), fmtPtr(a.LLM.TokensPerS.P50)
	}
	for _, s := range a.Steps {
		r := stepRow{
			Step: strconv.Itoa(s.Step), Users: strconv.Itoa(s.Users),
			Requests: fmtInt(s.Requests), OK: fmtInt(s.OK), Failures: fmtInt(s.Failures),
			FailRate: fmtPct(s.FailRate), RPS: fmtPtr(s.RPS),
			P50: fmtMS(s.P50MS), P90: fmtMS(s.P90MS), P95: fmtMS(s.P95MS), P99: fmtMS(s.P99MS), Max: fmtMS(s.MaxMS),
			VsBase: dash, TTFTP95: dash, TokensPerS: dash, LLM: t.LLM,
		}
		if base != nil && *base > 0 && s.P95MS != nil {
			x := *s.P95MS / *base
			r.VsBase = fmtRatio(&x)
		}
		if s.LLM != nil {
			r.TTFTP95 = fmtMS(s.LLM.TTFTP95MS)
			r.TokensPerS = fmtPtr(s.LLM.TokensPerSP50)
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
	q := func(x analyze.Quantiles, unit string) string {
		if x.Samples == 0 {
			return dash
		}
		return "p50 " + fmtPtr(x.P50) + ", p95 " + fmtPtr(x.P95) + ", p99 " + fmtPtr(x.P99) + " " + unit +
			" (" + fmtInt(x.Samples) + " requests)"
	}
	return []field{
		{"Time to first token", q(l.TTFT, "ms")},
		{"Inter-token latency", q(l.ITL, "ms")},
		{"Output tokens/s per request", q(l.TokensPerS, "tokens/s")},
		{"Output tokens/s overall", fmtPtr(l.OutputTokensPerS) + " (" + fmtInt(l.OutputTokens) + " output, " + fmtInt(l.PromptTokens) + " prompt tokens)"},
	}
}
