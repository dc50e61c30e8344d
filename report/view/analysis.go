package view

import (
	"fmt"
	"math"
	"slices"
	"strconv"
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
	// Notices lead the verdict: what makes every figure doubtful (a
	// warmup that removed much of the run, a run without any figure).
	Notices []string
	// Answers are the verdict, in order: capacity, saturation, growth,
	// health, throughput.
	Answers []Answer
	Totals  Table
	// Health judges the requests SteadyScope names.
	Health      Table
	SteadyScope string
	// Verdicts are the answers as name-value lines, with the baseline.
	Verdicts []Field
	// Capacity is the capacity answer in one sentence (CapacitySentence),
	// also the first verdict.
	Capacity string
	// Goodput is the per-step SLO table (no rows without --slo), headed
	// by GoodputTitle.
	Goodput      Table
	GoodputTitle string
	// GrowthPoints is the growth evidence in one line ("" without).
	GrowthPoints string
	Steps        Table
	// LLM is nil when the run has no LLM figures.
	LLM *LLM
	// Telemetry is nil when the run has no server telemetry.
	Telemetry *Telemetry
	// Percentiles are the --percentiles (no rows when none was given).
	Percentiles Table
	// Turns are the figures by conversation turn (TurnTable; no rows
	// without conversations).
	Turns Table
	// Classes are the figures by request class (--by class; no rows
	// without), ClassLines a line a class (ClassLines).
	Classes      Table
	ClassLines   []string
	Errors       Table
	Warnings     []string
	MoreWarnings int
	Definitions  []Field
}

// Answer is one answer of the verdict.
type Answer struct {
	Name     string // saturation, growth, health
	Question string // "Where did it saturate?"
	Answer   string // "Saturated at 40 users (latency)"
	Detail   string
	// Band colours it: a health band (analyze.BandHealthy, ...), also for
	// saturation (reached: critical) and growth.
	Band string
}

// LLM is the LLM section.
type LLM struct {
	Figures Table
	Line    string
	// Stalls is the stall sentence (StallSentence); "" without chunk
	// times.
	Stalls string
	Steps  Table
}

// NewAnalysis builds the view of a.
func NewAnalysis(a *analyze.Analysis) *Analysis {
	v := &Analysis{
		RunID:          Clean(a.Run.RunID),
		Header:         header(a),
		Settings:       Settings(a.Settings),
		Metric:         Clean(a.Settings.Metric),
		WarmupRequests: a.Overall.WarmupRequests,
		Notices:        Notices(a),
		Answers:        Answers(a),
		Totals:         totals(a),
		Health:         health(a),
		SteadyScope:    SteadyName(a.Steady),
		Verdicts:       verdicts(a),
		Capacity:       Clean(CapacitySentence(a)),
		Goodput:        goodputTable(a),
		GrowthPoints:   growthPoints(a),
		Steps:          steps(a),
		LLM:            llm(a),
		Telemetry:      telemetry(a),
		Percentiles:    PercentileTable(a),
		Turns:          TurnTable(a),
		Classes:        ClassTable(a),
		ClassLines:     ClassLines(a),
		Errors:         errorTable(a.Errors),
	}
	if a.Settings.SLO != nil {
		v.GoodputTitle = GoodputTitle(a)
	}
	v.Header = openHeader(a, v.Header)
	v.Warnings, v.MoreWarnings = Warnings(WarningTexts(a.Warnings))
	v.Definitions = Definitions(AnalysisDefinitions(a))
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

// Shards lists a sharded run's shards compactly, "3 of 3: 0 host-a 1204
// rows, 1 …", at most MaxShards of them; "" for a run of one recorder.
func Shards(r *analyze.Run) string {
	if len(r.Shards) == 0 || (len(r.Shards) == 1 && r.Shards[0].Shards <= 1) {
		return ""
	}
	parts := make([]string, 0, min(len(r.Shards), MaxShards+1))
	for i, s := range r.Shards {
		if i == MaxShards {
			parts = append(parts, fmt.Sprintf("… %d more", len(r.Shards)-MaxShards))
			break
		}
		host := Clip(Clean(s.Hostname), 60)
		if host == "" {
			host = "(no host)"
		}
		parts = append(parts, fmt.Sprintf("%d %s %s rows", s.Shard, host, Int(s.Rows)))
	}
	return fmt.Sprintf("%d of %d: %s", len(r.Shards), max(r.Shards[0].Shards, 1), strings.Join(parts, ", "))
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
	h = append(h, Field{"shape", shapeLine(r.Shape)})
	if c := ChangesLine(r); c != "" {
		h = append(h, Field{"changed live", c})
	}
	h = append(h,
		Field{"input", Plural(int(r.Rows), "row", "rows") + " in " + Plural(len(r.Shards), "file", "files") + ": " + strings.Join(files, " ")},
	)
	if s := Shards(r); s != "" {
		h = append(h, Field{"shards", s})
	}
	h = append(h, Field{"settings", Settings(a.Settings)})
	if r.ToolVersion != "" {
		h = append(h, Field{"recorder", "llmrec " + Clip(Clean(r.ToolVersion), 100)})
	}
	return h
}

// maxChangeWords bounds the changes ChangesLine lists.
const maxChangeWords = 20

// ChangesLine says how the level was changed while the run went on
// ("from step 3 on 15 users (at 25s, from the dashboard)"), "" when it
// was not.
func ChangesLine(r *analyze.Run) string {
	var parts []string
	for i, c := range r.Shape.Changes {
		if i == maxChangeWords {
			parts = append(parts, fmt.Sprintf("… %d more", len(r.Shape.Changes)-i))
			break
		}
		parts = append(parts, fmt.Sprintf("from step %d on %s (at %s, from the %s)", c.Step, levelWords(r.LevelKind, c.Level), Secs(c.AtS), Clean(c.By)))
	}
	return strings.Join(parts, "; ")
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
	t := Table{Head: []string{"signal", "value", "band", "whole run", "bands"}, Strong: []bool{false, false, true}}
	for _, h := range a.Health {
		h.Text, h.WholeText = HealthText(h)
		text, whole := Clean(h.Text), Clean(h.WholeText)
		if h.Signal == "growth" {
			if g, ok := GrowthName(h.Text); ok {
				text = g
			}
			if g, ok := GrowthName(h.WholeText); ok {
				whole = g
			}
		}
		if whole != "" && h.WholeBand != "" {
			whole += " " + Clean(h.WholeBand)
		}
		t.Rows = append(t.Rows, []string{SignalName(h.Signal), text, Clean(h.Band), whole, Clean(h.Rule)})
	}
	return t
}

// HealthText is a health row's value and whole-run value as printed (the
// JSON's text and whole_run_text): "1.72x", "0.05%", the growth pattern,
// or "n/a". A text the row already has is kept (a row read back from
// JSON): analyze leaves the values' texts to this.
func HealthText(h analyze.Health) (text, whole string) {
	word := Ratio
	if h.Signal == "fail_rate" {
		word = Pct
	}
	text, whole = h.Text, h.WholeText
	if text == "" {
		text = word(h.Value)
	}
	if whole == "" {
		whole = word(h.WholeValue)
	}
	return text, whole
}

// SteadyName names the requests the health bands judge.
func SteadyName(s analyze.Steady) string {
	if s.BeforeSaturation {
		if s.LastStep == 0 || s.Requests == 0 {
			return "over the whole run (it saturated at its first judged step)"
		}
		if s.BelowLevel != nil {
			return "before saturation (the steps below level " + num(*s.BelowLevel) + ", a search's in the order of their levels)"
		}
		return fmt.Sprintf("before saturation (steps up to %d)", s.LastStep)
	}
	return "over the whole run (no saturation)"
}

func verdicts(a *analyze.Analysis) []Field {
	name, _ := GrowthName(a.Growth.Pattern)
	return []Field{
		{"baseline", Baseline(a.Baseline)},
		{"saturation", Clean(SaturationSentence(a))},
		{"growth", name + ": " + GrowthWords(a.Growth, a.Run.LevelKind)},
	}
}

// SaturatedAtOnce: the run saturated at its first judged step, so it has
// no steady state and its health bands judge the whole run.
func SaturatedAtOnce(a *analyze.Analysis) bool {
	return a.Steady.BeforeSaturation && a.Steady.Requests == 0
}

// Notices are the sentences that lead a run's verdict when its figures
// are doubtful: no figure at all, or a warmup that removed a whole step
// or much of the run.
func Notices(a *analyze.Analysis) []string {
	var out []string
	if NoFigures(a) {
		why := "no successful request after the warmup"
		switch {
		case a.Run.Rows == 0:
			why = "the run has no request"
		case a.Overall.Requests == 0:
			why = "no request was sent after the warmup"
		}
		out = append(out, "no verdict: every figure is n/a ("+why+")")
	}
	if w := a.Warmup; w.Heavy {
		s := fmt.Sprintf("the warmup (%s) removed %s of %s requests (%s)", Secs(a.Settings.WarmupS),
			Int(w.Requests), Int(w.Requests+a.Overall.Requests), Pct(w.Share))
		if w.WholeSteps > 0 {
			s += " and " + Plural(w.WholeSteps, "whole step", "whole steps")
		}
		out = append(out, s+": the verdict rests on what is left; "+warmupHint(a)+" keeps more")
	}
	return out
}

// NoFigures: the run has no successful request after the warmup, so every
// latency figure, the baseline and the saturation point are n/a.
func NoFigures(a *analyze.Analysis) bool { return a.Overall.OK == 0 }

// Plural prints n with the singular or plural noun: "1 step", "3 steps".
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// Answers are the verdict of a run: where it saturated, how latency grew,
// whether it is healthy (judged before saturation).
func Answers(a *analyze.Analysis) []Answer {
	sat := Answer{Name: "saturation", Question: "Where did it saturate?", Answer: SaturationHeadline(a),
		Detail: upperFirst(Clean(SaturationDetail(a))), Band: analyze.BandHealthy}
	switch {
	case a.Saturation.Reached:
		sat.Band = analyze.BandCritical
	case a.Baseline == nil:
		sat.Band = analyze.BandNA
	}
	gr := Answer{Name: "growth", Question: "How did latency grow?", Detail: GrowthWords(a.Growth, a.Run.LevelKind), Band: analyze.BandNA}
	if n, ok := GrowthName(a.Growth.Pattern); ok && len(a.Growth.Evidence.P95MS) > 0 {
		gr.Answer = upperFirst(n)
	} else {
		gr.Answer = "Not judged"
	}
	hl, growthBand, judged := healthAnswer(a)
	if judged {
		gr.Band = growthBand
	}
	if NoFigures(a) {
		for _, x := range []*Answer{&sat, &gr} {
			x.Answer, x.Band = "n/a", analyze.BandNA
		}
		if hl.Band != analyze.BandCritical {
			hl.Answer, hl.Band = "n/a", analyze.BandNA
		}
	}
	out := []Answer{capacityAnswer(a)}
	if s, ok := searchAnswer(a); ok {
		out = append(out, s)
	}
	out = append(out, sat, gr, hl, peak(a))
	if s, ok := scalabilityAnswer(a); ok {
		out = append(out, s)
	}
	return out
}

// healthAnswer is the health answer: the worst band of the health
// signals (growth aside: it is its own answer, whose band it returns when
// the health table has it), and never healthy when the whole run failed
// over the error threshold.
func healthAnswer(a *analyze.Analysis) (_ Answer, growthBand string, growthJudged bool) {
	worst, rank := analyze.BandNA, 0
	var parts, whole []string
	for _, h := range a.Health {
		if h.Signal == "growth" {
			growthBand, growthJudged = h.Band, true // growth is its own answer: not in the health headline
			continue
		}
		r := map[string]int{analyze.BandHealthy: 1, analyze.BandWarning: 2, analyze.BandCritical: 3}[h.Band]
		if r > rank {
			worst, rank = h.Band, r
		}
		h.Text, h.WholeText = HealthText(h)
		text, wtext := Clean(h.Text), Clean(h.WholeText)
		if g, ok := GrowthName(h.Text); ok {
			text = g
		}
		if h.Band == analyze.BandNA {
			parts = append(parts, SignalName(h.Signal)+" n/a")
			continue
		}
		parts = append(parts, SignalName(h.Signal)+" "+orNA(text)+" "+Clean(h.Band))
		if g, ok := GrowthName(h.WholeText); ok {
			wtext = g
		}
		if h.WholeBand != h.Band {
			whole = append(whole, SignalName(h.Signal)+" "+orNA(wtext)+" "+Clean(h.WholeBand))
		}
	}
	// A run whose judged span failed more than the error threshold is
	// never healthy: the whole run's failure band counts too.
	if fr := a.Overall.FailRate; fr != nil && *fr > a.Settings.ErrorThreshold {
		b := analyze.BandFailRate(*fr)
		if b == analyze.BandHealthy {
			b = analyze.BandWarning
		}
		if r := map[string]int{analyze.BandWarning: 2, analyze.BandCritical: 3}[b]; r > rank {
			worst, rank = b, r
		}
	}
	answer := map[string]string{analyze.BandHealthy: "Healthy", analyze.BandWarning: "Warning", analyze.BandCritical: "Critical"}[worst]
	if answer == "" {
		answer = "Not enough data to judge"
	}
	detail := strings.Join(parts, ", ")
	switch {
	case SaturatedAtOnce(a):
		detail = "over the whole run (it saturated at its first judged step): " + detail
	case a.Steady.BeforeSaturation:
		detail = "before saturation: " + detail
	}
	if len(whole) > 0 {
		detail += "; over the whole run, past saturation: " + strings.Join(whole, ", ")
	}
	return Answer{Name: "health", Question: "Is it healthy?", Answer: answer, Detail: detail, Band: worst}, growthBand, growthJudged
}

// capacityAnswer is the capacity answer that leads the verdict: how much
// the service holds (within the SLOs when given) before saturation.
func capacityAnswer(a *analyze.Analysis) Answer {
	band := map[string]string{"good": analyze.BandHealthy, "bad": analyze.BandCritical}[CapacityClass(a)]
	if band == "" {
		band = analyze.BandNA
	}
	return Answer{Name: "capacity", Question: "How much does it hold?", Answer: upperFirst(CapacityHeadline(a)),
		Detail: upperFirst(Clean(CapacityDetail(a))), Band: band}
}

// peak is the throughput answer: the step that completed the most
// requests per second after the warmup (analyze.Peak).
func peak(a *analyze.Analysis) Answer {
	x := Answer{Name: "throughput", Question: "What throughput did it reach?", Answer: "n/a", Band: analyze.BandNA,
		Detail: "no step after the warmup"}
	p := a.Peak
	if p.RPS == nil || p.Level == nil {
		return x
	}
	x.Answer = "Peak " + Num(p.RPS, 1) + " req/s at " + levelWords(a.Capacity.LevelKind, *p.Level)
	x.Detail = "the most requests completed per second in a step"
	if p.Step != nil {
		x.Detail += fmt.Sprintf(" (step %d)", *p.Step)
	}
	if p.DropAfterPeak != nil && *p.DropAfterPeak > 0 {
		by := "by the last step"
		if p.LastLevel != nil && a.Run.Shape.Search != nil {
			by = "at " + levelWords(a.Capacity.LevelKind, *p.LastLevel) + ", the highest level probed"
		}
		x.Detail += fmt.Sprintf(", %s lower %s", Pct(p.DropAfterPeak), by)
	}
	if p.OutputTokensPerS != nil && p.TokensLevel != nil {
		x.Detail += "; peak " + Num(p.OutputTokensPerS, 0) + " output tokens/s at " + levelWords(a.Capacity.LevelKind, *p.TokensLevel)
	}
	// The throughput knee beside the saturation point, when they differ:
	// "latency doubled at 2 users; throughput rose until 5".
	if k, s := p.KneeLevel, a.Saturation; k != nil && s.Reached && s.Level != nil && *k > *s.Level {
		x.Detail += "; completed req/s kept rising until " + levelWords(a.Capacity.LevelKind, *k) +
			", past the saturation point at " + levelWords(a.Capacity.LevelKind, *s.Level)
	}
	x.Band = ""
	return x
}

func orNA(s string) string {
	if s == "" {
		return NA
	}
	return s
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
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
			v, x := ev.P95MS[i], float64(ev.Users[i])
			if i < len(ev.Levels) {
				x = ev.Levels[i]
			}
			pts = append(pts, strconv.FormatFloat(x, 'f', -1, 64)+":"+Duration(&v))
		}
	}
	by := "users"
	if a.Run.LevelKind == analyze.LevelRate {
		by = "offered req/s"
	}
	return "p95 by " + by + " " + strings.Join(pts, " ")
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
	rows := [][]string{q("TTFT ms", l.TTFT, 1), q("TPOT ms", l.TPOT, 2)}
	if l.ITL != nil {
		rows = append(rows, q("ITL ms (chunk gaps)", *l.ITL, 2))
	}
	if l.Stalls != nil {
		rows = append(rows, q("longest gap ms", l.Stalls.LongestGap, 1))
	}
	rows = append(rows, q("tokens/s per request", l.TokensPerS, 1))
	head := []string{"step", "users", "ttft p50", "ttft p95", "tpot p50"}
	if a.Run.ChunkTimes {
		head = append(head, "itl p95", "stalls")
	}
	head = append(head, "tok/s p50", "out tok/s")
	right := make([]bool, len(head))
	for i := range right {
		right[i] = true
	}
	v := &LLM{
		Figures: Table{
			Head:  []string{"figure", "samples", "p50", "p90", "p95", "p99", "max"},
			Right: []bool{false, true, true, true, true, true, true},
			Rows:  rows,
		},
		Line:   fmt.Sprintf("output tokens %s (%s tokens/s overall), prompt tokens %s", Count(l.OutputTokens), Num(l.OutputTokensPerS, 1), Count(l.PromptTokens)),
		Stalls: StallSentence(a),
		Steps:  Table{Head: head, Right: right, Of: "steps"},
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
		row := []string{Int(s.Step), Int(s.Users), MS(s.LLM.TTFTP50MS), MS(s.LLM.TTFTP95MS), Num(s.LLM.TPOTP50MS, 2)}
		if a.Run.ChunkTimes {
			row = append(row, Num(s.LLM.ITLP95MS, 2), Pct(s.LLM.StallShare))
		}
		v.Steps.Rows = append(v.Steps.Rows, append(row, Num(s.LLM.TokensPerSP50, 1), Num(s.LLM.OutputTokensPerS, 1)))
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

// warmupHint suggests a concrete shorter warmup than the one in use: half
// of it, whole seconds, at least one.
func warmupHint(a *analyze.Analysis) string {
	w := max(1, math.Floor(a.Settings.WarmupS/2))
	return "--warmup " + strconv.FormatFloat(w, 'f', -1, 64) + "s"
}
