package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/llmrec/llmrec/analyze"
)

// The renderers of `llmrep compare` (analyze.Comparison) and `llmrep check`
// (analyze.CheckResult). As for a single run they lay out what analyze
// computed: values, changes, p-values and verdicts; they compute nothing.
//
// A comparison is printed as one table per metric, benchstat-like: a row
// per matched user level and one for the whole run ("all"), a column per
// run, each run after the baseline with its change and p-value, "~" when
// the change is not significant.

// compareGroup is how many runs after the baseline share one text table,
// so that a table fits Width columns.
const compareGroup = 2

// CompareJSON writes the comparison as indented JSON (format_version
// analyze.CompareFormatVersion; keys documented in FORMAT-COMPARE.md).
func CompareJSON(w io.Writer, c *analyze.Comparison) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c); err != nil {
		return fmt.Errorf("encode json comparison: %w", err)
	}
	return nil
}

// metricTitle names a metric's table.
func metricTitle(metric string, c *analyze.Comparison) string {
	m := c.Settings.Metric
	switch metric {
	case "p50", "p95", "p99":
		return metric + " " + m + " (ms)"
	case "fail_rate":
		return "failure rate"
	case "rps":
		return "requests/s"
	case "ttft_p95":
		return "TTFT p95 (ms)"
	case "tokens_per_s":
		return "output tokens/s per request (median)"
	}
	return metric
}

// value prints a metric value in its unit for tables.
func value(v *float64, unit string) string {
	switch unit {
	case analyze.UnitMS:
		return ms(v)
	case analyze.UnitRate:
		return pct(v)
	case analyze.UnitPerS:
		return num(v, 2)
	}
	return num(v, 2)
}

// runLine describes a run in one line.
func runLine(r analyze.CompareRun) string {
	s := "run " + oneLine(r.RunID)
	if r.Model != "" {
		s += ", model " + oneLine(r.Model)
	}
	return s + ", " + strings.Join(r.Files, " ")
}

// satText is a run's saturation point in a few words.
func satText(r analyze.CompareRun) string {
	s := r.Saturation
	if s.Reached && s.Users != nil {
		sig := ""
		if s.Signal != nil {
			sig = " (" + *s.Signal + ")"
		}
		return fmt.Sprintf("%d users%s", *s.Users, sig)
	}
	if r.BaselineP95 == nil {
		return "not evaluated"
	}
	return fmt.Sprintf("not reached up to %d", s.MaxUsers)
}

func baseP95(r analyze.CompareRun) string {
	if b := r.BaselineP95; b != nil {
		return fmt.Sprintf("%s at %d users", human(b.P95MS), b.Users)
	}
	return na
}

// levelRows are the rows of one metric's table: the matched levels, then
// the whole run; cols are the run indexes shown.
func levelRows(c *analyze.Comparison, metric int, cols []int, levels []analyze.LevelComparison, cut int, plain func(string) string) [][]string {
	var rows [][]string
	row := func(label string, lc analyze.LevelComparison) []string {
		m := lc.Metrics[metric]
		r := []string{label}
		for _, i := range cols {
			r = append(r, value(m.Values[i], m.Unit))
			if i > 0 {
				ch := "n/a"
				if m.Changes[i] != nil {
					ch = analyze.ChangeText(m.Changes[i], m.Unit)
				} else if m.Values[i] == nil && lc.Steps[i] == nil && lc.Users > 0 {
					ch = "-"
				}
				r = append(r, plain(ch))
			}
		}
		return r
	}
	half := len(levels) / 2
	for k, lc := range levels {
		if cut > 0 && k == half {
			r := []string{"…"}
			for range len(cols)*2 - 1 {
				r = append(r, "")
			}
			r[len(r)-1] = fmt.Sprintf("%d levels left out", cut)
			rows = append(rows, r)
		}
		rows = append(rows, row(fmt.Sprint(lc.Users), lc))
	}
	return append(rows, row("all", c.Overall))
}

// groups splits the runs after the baseline into tables of at most size.
func groups(n, size int) [][]int {
	var out [][]int
	for lo := 1; lo < n; lo += size {
		g := []int{0}
		for i := lo; i < min(lo+size, n); i++ {
			g = append(g, i)
		}
		out = append(out, g)
	}
	return out
}

// CompareText writes the comparison for a terminal, within Width columns
// (a table holds the baseline and at most two other runs).
func CompareText(w io.Writer, c *analyze.Comparison) error {
	bw := bufio.NewWriter(w)
	t := &textWriter{w: bw}
	t.printf("llmrep compare: %d runs, baseline %s\n", len(c.Runs), clip(oneLine(c.Runs[0].Name), Width-40))
	var kv [][2]string
	for _, r := range c.Runs {
		name := clip(oneLine(r.Name), 30)
		if r.Baseline {
			name += " (baseline)"
		}
		kv = append(kv, [2]string{name, clip(runLine(r), 3*Width)})
	}
	s := c.Settings
	kv = append(kv, [2]string{"settings", fmt.Sprintf("metric %s, warmup %s, window %s, baseline users %d, latency threshold %gx, error threshold %s; alpha %g",
		s.Metric, secs(s.WarmupS), secs(s.WindowS), s.BaselineUsers, s.LatencyThreshold, pct(&s.ErrorThreshold), c.Alpha)})
	t.kvWide(kv)

	t.section("VERDICTS")
	for _, v := range c.Verdicts {
		first := fmt.Sprintf("  %s vs %s: %s. ", clip(oneLine(v.Run), 30), clip(oneLine(v.Against), 30), strings.ToUpper(v.Outcome))
		for i, l := range wrap(first, oneLine(v.Summary), Width) {
			if i > 0 {
				l = "    " + strings.TrimLeft(l, " ")
			}
			t.printf("%s\n", l)
		}
	}

	t.section("RUNS  each run's own saturation point, growth pattern and baseline")
	rows := [][]string{{"run", "users", "requests", "fail rate", "saturation", "growth", "baseline p95"}}
	for _, r := range c.Runs {
		a := r.Analysis
		var req string
		var fr *float64
		if a != nil {
			req, fr = fmt.Sprint(a.Overall.Requests), a.Overall.FailRate
		}
		rows = append(rows, []string{clip(oneLine(r.Name), 24), usersText(r.Users), req, pct(fr), satText(r), r.Growth, baseP95(r)})
	}
	t.table(rows, false)

	for mi, metric := range c.Metrics {
		t.section(strings.ToUpper(metricTitle(metric, c)) + "  by users, post-warmup")
		for _, cols := range groups(len(c.Runs), compareGroup) {
			head := []string{"users"}
			for _, i := range cols {
				head = append(head, clip(oneLine(c.Runs[i].Name), 16))
				if i > 0 {
					head = append(head, "vs "+clip(oneLine(c.Runs[0].Name), 13))
				}
			}
			t.table(append([][]string{head}, levelRows(c, mi, cols, c.Levels, 0, func(s string) string { return s })...), true)
		}
	}
	t.unmatched(c)
	t.section("WARNINGS")
	if len(c.Warnings) == 0 {
		t.printf("  none\n")
	}
	for _, w := range c.Warnings {
		for _, l := range wrap("  - ", oneLine(w), Width) {
			t.printf("%s\n", l)
		}
	}
	t.section("DEFINITIONS")
	for _, d := range c.Definitions {
		for _, l := range wrap(fmt.Sprintf("  %-12s ", d.Figure), d.Definition, Width) {
			t.printf("%s\n", l)
		}
	}
	if t.err != nil {
		return t.err
	}
	return bw.Flush()
}

// kvWide is kv with a key column as wide as the longest key.
func (t *textWriter) kvWide(rows [][2]string) {
	wide := 10
	for _, r := range rows {
		wide = max(wide, len([]rune(r[0])))
	}
	for _, r := range rows {
		for _, l := range wrap(fmt.Sprintf("  %-*s ", wide, r[0]), oneLine(r[1]), Width) {
			t.printf("%s\n", l)
		}
	}
}

func (t *textWriter) unmatched(c *analyze.Comparison) {
	t.section("UNMATCHED LEVELS  user levels that not every run has (not compared)")
	if len(c.Unmatched) == 0 {
		t.printf("  none: every run has the same user levels\n")
		return
	}
	rows := [][]string{{"users", "in", "missing in", "p95 ms"}}
	for _, u := range c.Unmatched {
		var p95 []string
		for i, v := range u.P95MS {
			if i < len(c.Runs) && c.Runs[i].Analysis != nil && contains(u.In, c.Runs[i].Name) {
				p95 = append(p95, clip(oneLine(c.Runs[i].Name), 16)+" "+ms(v))
			}
		}
		rows = append(rows, []string{fmt.Sprint(u.Users), clip(oneLine(strings.Join(u.In, ", ")), 30),
			clip(oneLine(strings.Join(u.Missing, ", ")), 30), strings.Join(p95, ", ")})
	}
	t.table(rows, false)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func usersText(users []int) string {
	if len(users) == 0 {
		return na
	}
	if len(users) == 1 {
		return fmt.Sprint(users[0])
	}
	return fmt.Sprintf("%d-%d", users[0], users[len(users)-1])
}

// CompareMarkdown writes the comparison as one GitHub pull-request
// comment, under MaxMarkdown characters: when the level tables would push
// it over, only the first and last levels are listed and the cut is said.
func CompareMarkdown(w io.Writer, c *analyze.Comparison) error {
	limit := len(c.Levels)
	var buf bytes.Buffer
	for {
		buf.Reset()
		compareMarkdown(&buf, c, limit)
		if buf.Len() < MaxMarkdown || limit <= 2 {
			break
		}
		limit /= 2
	}
	if buf.Len() >= MaxMarkdown {
		// Still too long (a great many runs): keep the head, say so.
		cut := bytes.LastIndexByte(buf.Bytes()[:MaxMarkdown-200], '\n')
		buf.Truncate(cut + 1)
		buf.WriteString("\n… cut to fit one comment; the JSON output (`--format json`) has everything.\n")
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write markdown comparison: %w", err)
	}
	return nil
}

func compareMarkdown(b *bytes.Buffer, c *analyze.Comparison, levelLimit int) {
	fmt.Fprintf(b, "## llmrep compare: %d runs, baseline %s\n\n", len(c.Runs), mdEscape(clip(c.Runs[0].Name, 80)))
	b.WriteString("### Verdicts\n\n")
	for _, v := range c.Verdicts {
		fmt.Fprintf(b, "- **%s** vs %s: **%s**. %s\n", mdEscape(clip(v.Run, 80)), mdEscape(clip(v.Against, 80)), v.Outcome, mdEscape(v.Summary))
	}
	b.WriteString("\n### Runs\n\n")
	var rows [][]string
	for _, r := range c.Runs {
		name := mdEscape(clip(r.Name, 60))
		if r.Baseline {
			name += " (baseline)"
		}
		var req string
		var fr *float64
		if a := r.Analysis; a != nil {
			req, fr = fmt.Sprint(a.Overall.Requests), a.Overall.FailRate
		}
		rows = append(rows, []string{name, mdEscape(clip(runLine(r), 200)), usersText(r.Users), req, pct(fr),
			mdEscape(satText(r)), r.Growth, baseP95(r)})
	}
	mdTable(b, []string{"run", "source", "users", "requests", "fail rate", "saturation", "growth", "baseline p95"},
		[]bool{false, false, true, true, true, false, false, false}, rows)
	s := c.Settings
	fmt.Fprintf(b, "\nSettings: metric %s, warmup %s, window %s, baseline users %d, latency threshold %gx, error threshold %s. "+
		"Changes against the baseline with their p-value; **~** means not significant at α = %g.\n",
		s.Metric, secs(s.WarmupS), secs(s.WindowS), s.BaselineUsers, s.LatencyThreshold, pct(&s.ErrorThreshold), c.Alpha)

	levels, cut := c.Levels, 0
	if len(levels) > levelLimit {
		cut = len(levels) - levelLimit
		head := levelLimit / 2
		levels = append(append([]analyze.LevelComparison{}, levels[:head]...), levels[len(levels)-(levelLimit-head):]...)
	}
	cols := make([]int, len(c.Runs))
	head := []string{"users"}
	right := []bool{true}
	for i, r := range c.Runs {
		cols[i] = i
		head = append(head, mdEscape(clip(r.Name, 40)))
		right = append(right, true)
		if i > 0 {
			head = append(head, "change")
			right = append(right, true)
		}
	}
	for mi, metric := range c.Metrics {
		fmt.Fprintf(b, "\n### %s\n\n", metricTitle(metric, c))
		mdTable(b, head, right, levelRows(c, mi, cols, levels, cut, mdEscape))
	}
	if cut > 0 {
		fmt.Fprintf(b, "\n%d of %d user levels are left out to keep this comment under %d characters; the JSON output has them all.\n",
			cut, len(c.Levels), MaxMarkdown)
	}
	b.WriteString("\n### Unmatched levels\n\n")
	if len(c.Unmatched) == 0 {
		b.WriteString("None: every run has the same user levels.\n")
	} else {
		var urows [][]string
		for _, u := range c.Unmatched {
			urows = append(urows, []string{fmt.Sprint(u.Users), mdEscape(clip(strings.Join(u.In, ", "), 200)), mdEscape(clip(strings.Join(u.Missing, ", "), 200))})
		}
		mdTable(b, []string{"users", "only in", "missing in"}, []bool{true, false, false}, urows)
	}
	b.WriteString("\n### Warnings\n\n")
	if len(c.Warnings) == 0 {
		b.WriteString("None.\n")
	}
	for i, w := range c.Warnings {
		if i == 50 {
			fmt.Fprintf(b, "- … and %d more (see the JSON output)\n", len(c.Warnings)-50)
			break
		}
		fmt.Fprintf(b, "- %s\n", mdEscape(clip(w, 300)))
	}
	b.WriteString("\n<details><summary>Definitions</summary>\n\n")
	for _, d := range c.Definitions {
		fmt.Fprintf(b, "- **%s**: %s\n", mdEscape(d.Figure), mdEscape(d.Definition))
	}
	b.WriteString("\n</details>\n")
}

// CheckJSON writes the check result as indented JSON.
func CheckJSON(w io.Writer, r *analyze.CheckResult) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("encode json check: %w", err)
	}
	return nil
}

// CheckText writes one line per gate, then the outcome.
func CheckText(w io.Writer, r *analyze.CheckResult) error {
	var b strings.Builder
	for _, g := range r.Gates {
		b.WriteString(oneLine(g.Line) + "\n")
	}
	b.WriteString(checkSummary(r) + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func checkSummary(r *analyze.CheckResult) string {
	s := fmt.Sprintf("check %s: %d of %d gates failed", passWord(r.Passed), r.Failed, len(r.Gates))
	if r.InconclusiveN > 0 {
		s += fmt.Sprintf(" (%d inconclusive, counted as %s: --inconclusive %s)", r.InconclusiveN, r.Inconclusive, r.Inconclusive)
	}
	return s
}

func passWord(ok bool) string {
	if ok {
		return "passed"
	}
	return "FAILED"
}

// CheckMarkdown writes the check as a summary for CI logs and pull
// requests: the outcome, then a table of the gates, failed ones first.
func CheckMarkdown(w io.Writer, r *analyze.CheckResult) error {
	var b bytes.Buffer
	mark := "✅"
	if !r.Passed {
		mark = "❌"
	}
	fmt.Fprintf(&b, "## %s llmrep check %s: %s\n\n", mark, passWord(r.Passed), mdEscape(clip(r.Run, 80)))
	if r.Baseline != "" {
		fmt.Fprintf(&b, "Against baseline %s; regressions count only when significant at α = %g.\n\n", mdEscape(clip(r.Baseline, 80)), r.Alpha)
	}
	fmt.Fprintf(&b, "%s.\n\n", mdEscape(checkSummary(r)))
	gates := append([]analyze.GateResult(nil), r.Gates...)
	order := map[string]int{analyze.StatusFail: 0, analyze.StatusInconclusive: 1, analyze.StatusPass: 2}
	sort.SliceStable(gates, func(i, j int) bool { return order[gates[i].Status] < order[gates[j].Status] })
	var rows [][]string
	for _, g := range gates {
		rows = append(rows, []string{"**" + g.Status + "**", "`" + strings.ReplaceAll(g.Gate.Kind+" "+g.Gate.Spec, "`", "'") + "`", mdEscape(clip(g.Line, 300))})
	}
	mdTable(&b, []string{"status", "gate", "result"}, nil, rows)
	_, err := w.Write(b.Bytes())
	return err
}
