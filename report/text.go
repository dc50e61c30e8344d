package report

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/llmrec/llmrec/analyze"
)

// Width is the most columns the text report uses.
const Width = 100

// Text writes the terminal report: run info, totals, health, per-step
// table, LLM figures, errors, verdicts, warnings and definitions.
func Text(w io.Writer, a *analyze.Analysis) error {
	bw := bufio.NewWriter(w)
	t := &textWriter{w: bw}
	t.run(a)
	t.totals(a)
	t.health(a)
	t.steps(a)
	t.llm(a)
	t.errors(a)
	t.verdicts(a)
	t.warnings(a)
	t.definitions(a)
	if t.err != nil {
		return t.err
	}
	return bw.Flush()
}

type textWriter struct {
	w   io.Writer
	err error
}

func (t *textWriter) printf(format string, args ...any) {
	if t.err == nil {
		_, t.err = fmt.Fprintf(t.w, format, args...)
	}
}

func (t *textWriter) section(title string) { t.printf("\n%s\n", title) }

// table writes rows aligned by tabwriter, two spaces between columns, or
// one when two would pass Width columns.
func (t *textWriter) table(rows [][]string, rightAlign bool) {
	if t.err != nil {
		return
	}
	var out string
	for _, pad := range []int{2, 1} {
		out = renderTable(rows, rightAlign, pad)
		if maxWidth(out) <= Width {
			break
		}
	}
	t.printf("%s", out)
}

func renderTable(rows [][]string, rightAlign bool, pad int) string {
	var flags uint
	if rightAlign {
		flags = tabwriter.AlignRight
	}
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, pad, ' ', flags)
	for _, r := range rows {
		line := "  " + strings.Join(r, "\t")
		if rightAlign {
			line = strings.Join(r, "\t") + "\t"
		}
		fmt.Fprintln(tw, line)
	}
	tw.Flush()
	return b.String()
}

func maxWidth(s string) int {
	w := 0
	for _, l := range strings.Split(s, "\n") {
		w = max(w, utf8.RuneCountInString(l))
	}
	return w
}

func (t *textWriter) kv(rows [][2]string) {
	for _, r := range rows {
		for _, l := range wrap(fmt.Sprintf("  %-10s ", r[0]), oneLine(r[1]), Width) {
			t.printf("%s\n", l)
		}
	}
}

func (t *textWriter) run(a *analyze.Analysis) {
	r := a.Run
	t.printf("llmrep analyze: run %s\n", clip(oneLine(r.RunID), Width-22))
	api := r.API
	if r.Model != "" {
		api += ", model " + r.Model
	}
	if r.Stream {
		api += ", streaming"
	}
	s := a.Settings
	kv := [][2]string{
		{"target", clip(oneLine(r.Target)+"  ("+api+")", Width-13)},
		{"started", fmt.Sprintf("%s  ended %s (%s)  duration %s", stamp(r.StartedAt), stamp(r.EndedAt), r.EndReason, secs(r.DurationS))},
	}
	if len(r.Labels) > 0 {
		keys := make([]string, 0, len(r.Labels))
		for k := range r.Labels {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + "=" + r.Labels[k]
		}
		kv = append(kv, [2]string{"labels", strings.Join(parts, " ")})
	}
	sh := r.Shape
	shape := fmt.Sprintf("%d users/step every %s, up to %d users", sh.StepUsers, secs(sh.StepTimeS), sh.MaxUsers)
	if sh.Profile != "" {
		shape += " (profile " + sh.Profile + ")"
	}
	kv = append(kv, [2]string{"shape", shape})
	files := make([]string, len(r.Shards))
	for i, sd := range r.Shards {
		files[i] = sd.File
	}
	kv = append(kv,
		[2]string{"input", fmt.Sprintf("%d rows in %d file(s): %s", r.Rows, len(r.Shards), strings.Join(files, " "))},
		[2]string{"settings", fmt.Sprintf("metric %s, warmup %s, window %s, baseline users %d, latency threshold %gx, error threshold %s",
			s.Metric, secs(s.WarmupS), secs(s.WindowS), s.BaselineUsers, s.LatencyThreshold, pct(&s.ErrorThreshold))},
	)
	if r.ToolVersion != "" {
		kv = append(kv, [2]string{"recorder", "llmrec " + r.ToolVersion})
	}
	t.kv(kv)
}

func (t *textWriter) totals(a *analyze.Analysis) {
	o := a.Overall
	t.section(fmt.Sprintf("TOTALS  after the warmup (%d requests excluded), %s in ms over successes", o.WarmupRequests, a.Settings.Metric))
	t.table([][]string{
		{"requests", "ok", "failures", "fail rate", "rps", "p50", "p90", "p95", "p99", "max", "p99/p50"},
		{fmt.Sprint(o.Requests), fmt.Sprint(o.OK), fmt.Sprint(o.Failures), pct(o.FailRate), num(o.RPS, 2),
			ms(o.P50MS), ms(o.P90MS), ms(o.P95MS), ms(o.P99MS), ms(o.MaxMS), ratio(o.P99P50)},
	}, true)
}

func (t *textWriter) health(a *analyze.Analysis) {
	t.section("HEALTH")
	rows := [][]string{{"signal", "value", "band", "bands"}}
	for _, h := range a.Health {
		text := h.Text
		if text == analyze.GrowthFlatWithFailures {
			text = "flat+failures"
		}
		rows = append(rows, []string{healthName(h.Signal), text, strings.ToUpper(h.Band), h.Rule})
	}
	t.table(rows, false)
}

func healthName(s string) string {
	switch s {
	case "p99_p50":
		return "p99/p50"
	case "fail_rate":
		return "failure rate"
	case "growth":
		return "p95 growth"
	}
	return s
}

func (t *textWriter) steps(a *analyze.Analysis) {
	t.section(fmt.Sprintf("STEPS  requests sent in each step after the warmup, %s in ms over successes", a.Settings.Metric))
	if len(a.Steps) == 0 {
		t.printf("  no step after the warmup\n")
		return
	}
	rows := [][]string{{"step", "users", "reqs", "ok", "fail", "fail%", "rps", "p50", "p90", "p95", "p99", "max", "mark"}}
	for _, s := range a.Steps {
		rows = append(rows, []string{fmt.Sprint(s.Step), fmt.Sprint(s.Users), fmt.Sprint(s.Requests), fmt.Sprint(s.OK),
			fmt.Sprint(s.Failures), pct(s.FailRate), num(s.RPS, 2), ms(s.P50MS), ms(s.P90MS), ms(s.P95MS),
			ms(s.P99MS), ms(s.MaxMS), stepMark(a, s)})
	}
	t.table(rows, true)
}

// stepMark flags the baseline and saturation steps and thin samples.
func stepMark(a *analyze.Analysis, s analyze.Step) string {
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

func (t *textWriter) llm(a *analyze.Analysis) {
	l := a.LLM
	if l == nil {
		return
	}
	t.section("LLM  over successes after the warmup")
	q := func(name string, x analyze.Quantiles, prec int) []string {
		return []string{name, fmt.Sprint(x.Samples), num(x.P50, prec), num(x.P90, prec), num(x.P95, prec), num(x.P99, prec), num(x.Max, prec)}
	}
	t.table([][]string{
		{"figure", "samples", "p50", "p90", "p95", "p99", "max"},
		q("TTFT ms", l.TTFT, 1),
		q("inter-token ms", l.ITL, 2),
		q("tokens/s per request", l.TokensPerS, 1),
	}, false)
	t.printf("  output tokens %d (%s tokens/s overall), prompt tokens %d\n", l.OutputTokens, num(l.OutputTokensPerS, 1), l.PromptTokens)
	rows := [][]string{{"step", "users", "ttft p50", "ttft p95", "itl p50", "tok/s p50", "out tok/s"}}
	for _, s := range a.Steps {
		if s.LLM == nil {
			continue
		}
		rows = append(rows, []string{fmt.Sprint(s.Step), fmt.Sprint(s.Users), ms(s.LLM.TTFTP50MS), ms(s.LLM.TTFTP95MS),
			num(s.LLM.ITLP50MS, 2), num(s.LLM.TokensPerSP50, 1), num(s.LLM.OutputTokensPerS, 1)})
	}
	if len(rows) > 1 {
		t.printf("\n")
		t.table(rows, true)
	}
}

func (t *textWriter) errors(a *analyze.Analysis) {
	t.section("ERRORS  failures after the warmup, by class")
	if len(a.Errors) == 0 {
		t.printf("  none\n")
		return
	}
	rows := [][]string{{"class", "count", "share", "example"}}
	for _, e := range a.Errors {
		share := e.Share
		rows = append(rows, []string{e.Class, fmt.Sprint(e.Count), pct(&share), clip(oneLine(e.Example), 50)})
	}
	t.table(rows, false)
}

func (t *textWriter) verdicts(a *analyze.Analysis) {
	t.section("VERDICTS")
	base := "none: no post-warmup step reached the baseline users"
	if b := a.Baseline; b != nil {
		base = fmt.Sprintf("p95 %s at %d users (step %d)", human(b.P95MS), b.Users, b.Step)
	}
	t.kv([][2]string{
		{"baseline", base},
		{"saturation", a.Saturation.Summary},
		{"growth", a.Growth.Pattern + ": " + a.Growth.Summary},
	})
	ev := a.Growth.Evidence
	if len(ev.Users) > 0 {
		pts := make([]string, len(ev.Users))
		for i := range ev.Users {
			v := ev.P95MS[i]
			pts[i] = fmt.Sprintf("%d:%s", ev.Users[i], human(&v))
		}
		t.kv([][2]string{{"", "p95 by users " + strings.Join(pts, " ")}})
	}
}

func (t *textWriter) warnings(a *analyze.Analysis) {
	t.section("WARNINGS")
	if len(a.Warnings) == 0 {
		t.printf("  none\n")
		return
	}
	for _, w := range a.Warnings {
		for _, l := range wrap("  - ", oneLine(w), Width) {
			t.printf("%s\n", l)
		}
	}
}

func (t *textWriter) definitions(a *analyze.Analysis) {
	t.section("DEFINITIONS")
	for _, d := range a.Definitions {
		for _, l := range wrap(fmt.Sprintf("  %-12s ", d.Figure), d.Definition, Width) {
			t.printf("%s\n", l)
		}
	}
}
