package view

import (
	"fmt"
	"slices"
	"strings"

	"github.com/llmrec/llmrec/analyze"
)

// Field is a named value: a header line, a verdict, a definition.
type Field struct{ Name, Value string }

// Table is a table of plain-text cells, its rows already capped.
type Table struct {
	Head  []string
	Right []bool // right-align column i (numbers)
	// Strong columns are emphasised (upper case in text, bold in
	// Markdown); Code columns are literal input (a code span in Markdown).
	Strong, Code []bool
	Rows         [][]string
	// Cut rows were left out after row CutAt-1 (see Caps).
	Cut, CutAt int
	// Of names what the rows are ("steps"), for the line saying the cut.
	Of string
}

// Analysis is the view of one run: every section of the text, Markdown
// and HTML reports, words chosen and numbers formatted once. Every string
// in it is plain text, cleaned; encoders only escape and lay it out.
type Analysis struct {
	RunID    string
	Header   []Field
	Settings string
	Metric   string
	// WarmupRequests were excluded from every figure.
	WarmupRequests int64
	Totals         Table
	Health         Table
	Verdicts       []Field
	// GrowthPoints is the growth evidence in one line ("" without).
	GrowthPoints string
	Steps        Table
	// LLM is nil when the run has no LLM figures.
	LLM          *LLM
	Errors       Table
	Warnings     []string
	MoreWarnings int
	Definitions  []Field
}

// LLM is the LLM section.
type LLM struct {
	Figures Table
	Line    string
	Steps   Table
}

// NewAnalysis builds the view of a.
func NewAnalysis(a *analyze.Analysis) *Analysis {
	v := &Analysis{
		RunID:          Clean(a.Run.RunID),
		Header:         header(a),
		Settings:       Settings(a.Settings),
		Metric:         Clean(a.Settings.Metric),
		WarmupRequests: a.Overall.WarmupRequests,
		Totals:         totals(a),
		Health:         health(a),
		Verdicts:       verdicts(a),
		GrowthPoints:   growthPoints(a),
		Steps:          steps(a),
		LLM:            llm(a),
		Errors:         errorTable(a.Errors),
	}
	v.Header = openHeader(a, v.Header)
	v.Warnings, v.MoreWarnings = Warnings(a.Warnings)
	v.Definitions = Definitions(a.Definitions)
	return v
}

// Warnings cleans and caps a list of warnings.
func Warnings(ws []string) (shown []string, more int) {
	for i, w := range ws {
		if i == MaxWarnings {
			return shown, len(ws) - MaxWarnings
		}
		shown = append(shown, Clip(Clean(w), 500))
	}
	return shown, 0
}

// Definitions lists the definitions of the figures.
func Definitions(ds []analyze.Definition) []Field {
	var out []Field
	for i, d := range ds {
		if i == MaxDefinitions {
			break
		}
		out = append(out, Field{Clean(d.Figure), Clean(d.Definition)})
	}
	return out
}

// Labels lists the run's labels sorted by key, capped.
func Labels(labels map[string]string) []Field {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out []Field
	for i, k := range keys {
		if i == MaxLabels {
			out = append(out, Field{"…", fmt.Sprintf("%d more", len(keys)-MaxLabels)})
			break
		}
		out = append(out, Field{Clip(Clean(k), 100), Clip(Clean(labels[k]), 200)})
	}
	return out
}

func header(a *analyze.Analysis) []Field {
	r := &a.Run
	api := Clean(r.API)
	if r.Model != "" {
		api += ", model " + Clip(Clean(r.Model), 200)
	}
	if r.Stream {
		api += ", streaming"
	}
	h := []Field{
		{"target", Clip(Target(r.Target), 200) + "  (" + api + ")"},
		{"started", fmt.Sprintf("%s  ended %s (%s)  duration %s", Stamp(r.StartedAt), Stamp(r.EndedAt), Clean(r.EndReason), Secs(r.DurationS))},
	}
	if len(r.Labels) > 0 {
		var parts []string
		for _, l := range Labels(r.Labels) {
			parts = append(parts, l.Name+"="+l.Value)
		}
		h = append(h, Field{"labels", strings.Join(parts, " ")})
	}
	files := make([]string, 0, len(r.Shards))
	for i, sd := range r.Shards {
		if i == MaxLabels {
			files = append(files, fmt.Sprintf("… %d more", len(r.Shards)-MaxLabels))
			break
		}
		files = append(files, Clean(sd.File))
	}
	h = append(h,
		Field{"shape", Shape(r.Shape)},
		Field{"input", fmt.Sprintf("%d rows in %d file(s): %s", r.Rows, len(r.Shards), strings.Join(files, " "))},
		Field{"settings", Settings(a.Settings)},
	)
	if r.ToolVersion != "" {
		h = append(h, Field{"recorder", "llmrec " + Clip(Clean(r.ToolVersion), 100)})
	}
	return h
}

func totals(a *analyze.Analysis) Table {
	o := a.Overall
	return Table{
		Head:  []string{"requests", "ok", "failures", "fail rate", "rps", "p50", "p90", "p95", "p99", "max", "p99/p50"},
		Right: []bool{true, true, true, true, true, true, true, true, true, true, true},
		Rows: [][]string{{Int(o.Requests), Int(o.OK), Int(o.Failures), Pct(o.FailRate), Num(o.RPS, 2),
			MS(o.P50MS), MS(o.P90MS), MS(o.P95MS), MS(o.P99MS), MS(o.MaxMS), Ratio(o.P99P50)}},
	}
}

func health(a *analyze.Analysis) Table {
	t := Table{Head: []string{"signal", "value", "band", "bands"}, Strong: []bool{false, false, true}}
	for _, h := range a.Health {
		text := Clean(h.Text)
		if text == analyze.GrowthFlatWithFailures {
			text = "flat+failures"
		}
		t.Rows = append(t.Rows, []string{SignalName(h.Signal), text, Clean(h.Band), Clean(h.Rule)})
	}
	return t
}

func verdicts(a *analyze.Analysis) []Field {
	return []Field{
		{"baseline", Baseline(a.Baseline)},
		{"saturation", Clean(a.Saturation.Summary)},
		{"growth", Clean(a.Growth.Pattern) + ": " + Clean(a.Growth.Summary)},
	}
}

func growthPoints(a *analyze.Analysis) string {
	ev := a.Growth.Evidence
	if len(ev.Users) == 0 {
		return ""
	}
	idx := Thin(len(ev.Users), MaxStepRows)
	pts := make([]string, 0, len(idx))
	for _, i := range idx {
		if i < len(ev.P95MS) {
			v := ev.P95MS[i]
			pts = append(pts, fmt.Sprintf("%d:%s", ev.Users[i], Duration(&v)))
		}
	}
	return "p95 by users " + strings.Join(pts, " ")
}

func steps(a *analyze.Analysis) Table {
	t := Table{
		Head:  []string{"step", "users", "reqs", "ok", "fail", "fail%", "rps", "p50", "p90", "p95", "p99", "max", "mark"},
		Right: []bool{true, true, true, true, true, true, true, true, true, true, true, true, false},
		Of:    "steps",
	}
	shown, cut := Ends(len(a.Steps), MaxStepRows)
	t.Cut, t.CutAt = cut, MaxStepRows/2
	for _, i := range shown {
		s := a.Steps[i]
		t.Rows = append(t.Rows, []string{Int(s.Step), Int(s.Users), Int(s.Requests), Int(s.OK),
			Int(s.Failures), Pct(s.FailRate), Num(s.RPS, 2), MS(s.P50MS), MS(s.P90MS), MS(s.P95MS),
			MS(s.P99MS), MS(s.MaxMS), StepMark(a, s)})
	}
	openLoopColumns(a, &t, shown)
	return t
}

// StepMark flags the baseline and saturation steps and thin samples.
func StepMark(a *analyze.Analysis, s analyze.Step) string {
	var m []string
	if a.Baseline != nil && a.Baseline.Step == s.Step {
		m = append(m, "base")
	}
	if a.Saturation.Step != nil && *a.Saturation.Step == s.Step {
		m = append(m, "SAT")
	}
	if s.Samples < int64(a.Settings.MinStepSamples) {
		m = append(m, "few")
	}
	if len(m) == 0 {
		return "-"
	}
	return strings.Join(m, ",")
}

func llm(a *analyze.Analysis) *LLM {
	l := a.LLM
	if l == nil {
		return nil
	}
	q := func(name string, x analyze.Quantiles, prec int) []string {
		return []string{name, Int(x.Samples), Num(x.P50, prec), Num(x.P90, prec), Num(x.P95, prec), Num(x.P99, prec), Num(x.Max, prec)}
	}
	v := &LLM{
		Figures: Table{
			Head:  []string{"figure", "samples", "p50", "p90", "p95", "p99", "max"},
			Right: []bool{false, true, true, true, true, true, true},
			Rows:  [][]string{q("TTFT ms", l.TTFT, 1), q("inter-token ms", l.ITL, 2), q("tokens/s per request", l.TokensPerS, 1)},
		},
		Line: fmt.Sprintf("output tokens %d (%s tokens/s overall), prompt tokens %d", l.OutputTokens, Num(l.OutputTokensPerS, 1), l.PromptTokens),
		Steps: Table{
			Head:  []string{"step", "users", "ttft p50", "ttft p95", "itl p50", "tok/s p50", "out tok/s"},
			Right: []bool{true, true, true, true, true, true, true},
			Of:    "steps",
		},
	}
	var with []analyze.Step
	for _, s := range a.Steps {
		if s.LLM != nil {
			with = append(with, s)
		}
	}
	shown, cut := Ends(len(with), MaxStepRows)
	v.Steps.Cut, v.Steps.CutAt = cut, MaxStepRows/2
	for _, i := range shown {
		s := with[i]
		v.Steps.Rows = append(v.Steps.Rows, []string{Int(s.Step), Int(s.Users), MS(s.LLM.TTFTP50MS), MS(s.LLM.TTFTP95MS),
			Num(s.LLM.ITLP50MS, 2), Num(s.LLM.TokensPerSP50, 1), Num(s.LLM.OutputTokensPerS, 1)})
	}
	openLoopLLM(a, v)
	return v
}

func errorTable(errs []analyze.ErrorCount) Table {
	t := Table{Head: []string{"class", "count", "share", "example"}, Right: []bool{false, true, true, false}}
	top, other := TopErrors(errs, MaxErrorRows)
	for _, e := range top {
		share := e.Share
		t.Rows = append(t.Rows, []string{Clip(Clean(e.Class), 60), Int(e.Count), Pct(&share), Clip(Clean(e.Example), 120)})
	}
	if other != nil {
		t.Rows = append(t.Rows, []string{fmt.Sprintf("other (%d classes)", other.Classes), Int(other.Count), Pct(&other.Share), ""})
	}
	return t
}
