package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"slices"
	"strings"

	"github.com/llmrec/llmrec/analyze/compare"
	"github.com/llmrec/llmrec/analyze/gate"
	"github.com/llmrec/llmrec/report/view"
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
func CompareJSON(w io.Writer, c *compare.Comparison) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(view.WithSummaries(c)); err != nil {
		return fmt.Errorf("encode json comparison: %w", err)
	}
	return nil
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
func CompareText(w io.Writer, c *compare.Comparison) error {
	v := view.NewComparison(c)
	bw := bufio.NewWriter(w)
	t := &textWriter{w: bw}
	t.printf("llmrep compare: %d runs, baseline %s\n", v.Runs, view.Clip(v.Baseline, Width-40))
	kv := make([]view.Field, 0, len(v.Sources)+1)
	for _, s := range v.Sources {
		kv = append(kv, view.Field{Name: view.Clip(s.Name, 41), Value: s.Value})
	}
	t.kvWide(append(kv, view.Field{Name: "settings", Value: v.Settings}))
	t.section("VERDICTS")
	for _, vd := range v.Verdicts {
		first := fmt.Sprintf("%s vs %s: %s. ", view.Clip(vd.Run, 30), view.Clip(vd.Against, 30), strings.ToUpper(vd.Outcome))
		for i, l := range wrap("    ", first+vd.Summary, Width) {
			if i == 0 {
				l = "  " + strings.TrimLeft(l, " ")
			}
			t.printf("%s\n", l)
		}
	}
	t.section("RUNS  each run's own saturation point, growth pattern and baseline")
	runs := v.RunTable
	for _, r := range runs.Rows {
		r[0] = view.Clip(r[0], 24)
	}
	t.table(runs)
	if len(v.Servers) > 0 {
		t.section("SERVER  each run's own server signals at its saturation point")
		for _, s := range v.Servers {
			for _, l := range wrap("  ", view.Clip(s.Name, 40)+": "+s.Value, Width) {
				t.printf("%s\n", l)
			}
		}
	}
	t.section("CAPACITY  highest level held before saturation (within SLO when given) and peak throughput")
	capT := v.Capacity
	for _, r := range capT.Rows {
		r[0] = view.Clip(r[0], 24)
	}
	t.table(capT)
	for mi, title := range v.Metrics {
		t.section(strings.ToUpper(title) + "  by " + v.LevelName() + ", post-warmup")
		for _, cols := range groups(v.Runs, compareGroup) {
			t.table(v.MetricTable(mi, cols, 16))
		}
	}
	t.section("UNMATCHED LEVELS  user levels that not every run has (not compared)")
	um := v.Unmatched
	um.Right = nil
	for _, r := range um.Rows {
		r[1], r[2] = view.Clip(r[1], 30), view.Clip(r[2], 30)
	}
	t.tableOr(um, "none: every run has the same user levels")
	t.list(v.Warnings, v.More)
	t.definitions(v.Defs, 12)
	if t.err != nil {
		return t.err
	}
	return bw.Flush()
}

// kvWide is kv with a key column as wide as the longest key.
func (t *textWriter) kvWide(rows []view.Field) {
	wide := 10
	for _, r := range rows {
		wide = max(wide, len([]rune(r.Name)))
	}
	for _, r := range rows {
		for _, l := range wrap(fmt.Sprintf("  %-*s ", wide, r.Name), r.Value, Width) {
			t.printf("%s\n", l)
		}
	}
}

// CompareMarkdown writes the comparison as one GitHub pull-request
// comment, under MaxMarkdown characters. What a reviewer reads leads: the
// verdict and the compact table of each run against the baseline
// (view.Comparison.Compact: at most five columns). Everything else (the
// runs, every figure at every level with its test, unmatched levels,
// warnings, definitions) is folded into <details> blocks, each with a
// summary saying what it holds.
func CompareMarkdown(w io.Writer, c *compare.Comparison) error {
	v := view.NewComparison(c)
	var b bytes.Buffer
	if v.Runs == 2 {
		fmt.Fprintf(&b, "## llmrep compare: %s\n\n", mdEscape(v.CompactTitle(1)))
	} else {
		fmt.Fprintf(&b, "## llmrep compare: %d runs, baseline %s\n\n", v.Runs, mdEscape(view.Clip(v.Baseline, 80)))
	}
	for k, vd := range v.Verdicts {
		if v.Runs > 2 {
			fmt.Fprintf(&b, "**%s**\n\n", mdEscape(v.CompactTitle(k+1)))
		}
		fmt.Fprintf(&b, "%s.\n\n", mdEscape(vd.Summary))
		mdTable(&b, v.Compact(k+1))
		b.WriteString("\n")
	}
	mdDetails(&b, "Runs, capacity and settings", func() { mdRuns(&b, v) })
	cols := make([]int, v.Runs)
	for i := range cols {
		cols[i] = i
	}
	mdDetails(&b, "Every figure by "+v.LevelName()+", with its test: "+strings.Join(v.Metrics, ", "), func() {
		for mi, title := range v.Metrics {
			if mi > 0 {
				b.WriteString("\n")
			}
			fmt.Fprintf(&b, "**%s**\n\n", mdEscape(upper(title)))
			mdTable(&b, v.MetricTable(mi, cols, 40))
		}
	})
	um := v.Unmatched
	um.Head, um.Right = um.Head[:3], []bool{true, false, false}
	for i, r := range um.Rows {
		um.Rows[i] = r[:3]
	}
	if len(um.Rows) == 0 {
		b.WriteString("Unmatched levels: none; every run has the same levels.\n\n")
	} else {
		mdDetails(&b, fmt.Sprintf("Unmatched levels (%d)", len(c.Unmatched)), func() { mdTable(&b, um) })
	}
	mdWarningDetails(&b, v.Warnings, v.More)
	mdDefinitions(&b, v.Defs)
	return writeMarkdown(w, &b, "comparison")
}

// mdRuns writes the runs of a comparison (with their sources), their
// server telemetry, capacity and settings.
func mdRuns(b *bytes.Buffer, v *view.Comparison) {
	runs := v.RunTable
	runs.Head = slices.Insert(runs.Head, 1, "source")
	for i, r := range runs.Rows {
		runs.Rows[i] = slices.Insert(r, 1, view.Clip(v.Sources[i].Value, 200))
	}
	runs.Right = []bool{false, false, true, true, true}
	mdTable(b, runs)
	if len(v.Servers) > 0 {
		b.WriteString("\nServer telemetry, each run's own:\n\n")
		for _, s := range v.Servers {
			fmt.Fprintf(b, "- **%s** %s\n", mdEscape(s.Name), mdEscape(s.Value))
		}
	}
	b.WriteString("\n")
	mdTable(b, v.Capacity)
	fmt.Fprintf(b, "\nSettings: %s. Changes against the baseline with their p-value.\n", mdEscape(v.Settings))
}

// mdDetails writes a folded block: summary (plain words, escaped as
// HTML) and what body writes, Markdown inside.
func mdDetails(b *bytes.Buffer, summary string, body func()) {
	fmt.Fprintf(b, "<details><summary>%s</summary>\n\n", html.EscapeString(view.Clean(summary)))
	body()
	b.WriteString("\n</details>\n\n")
}

// mdWarningDetails writes the warnings folded, their count in the
// summary; "Warnings: none." when there are none.
func mdWarningDetails(b *bytes.Buffer, ws []string, more int) {
	if len(ws) == 0 {
		b.WriteString("Warnings: none.\n")
		return
	}
	mdDetails(b, fmt.Sprintf("Warnings (%d)", len(ws)+more), func() {
		for _, w := range ws {
			fmt.Fprintf(b, "- %s\n", mdEscape(w))
		}
		if more > 0 {
			fmt.Fprintf(b, "- … and %d more (see the JSON output)\n", more)
		}
	})
}

// CheckJSON writes the check result as indented JSON.
func CheckJSON(w io.Writer, r *gate.CheckResult) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(view.WithLines(r)); err != nil {
		return fmt.Errorf("encode json check: %w", err)
	}
	return nil
}

// CheckText writes one line per gate, then the outcome.
func CheckText(w io.Writer, r *gate.CheckResult) error {
	v := view.NewCheck(r)
	var b strings.Builder
	for _, l := range v.Lines {
		b.WriteString(l + "\n")
	}
	b.WriteString(v.Summary + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// CheckMarkdown writes the check as a pull-request comment or CI summary:
// the outcome and the failed gates; with a baseline compared
// (CheckResult.Comparison), the compact table of the run against it; then
// every gate in a folded table, failed ones first.
func CheckMarkdown(w io.Writer, r *gate.CheckResult) error {
	v := view.NewCheck(r)
	var b bytes.Buffer
	mark := "✅"
	if !v.Passed {
		mark = "❌"
	}
	fmt.Fprintf(&b, "## %s llmrep check %s: %s\n\n", mark, v.Outcome, mdEscape(view.Clip(v.Run, 80)))
	fmt.Fprintf(&b, "%s.\n\n", upper(mdEscape(v.Summary)))
	for _, l := range v.Failed {
		fmt.Fprintf(&b, "- %s\n", mdEscape(l))
	}
	if len(v.Failed) > 0 {
		b.WriteString("\n")
	}
	if r.Comparison != nil {
		cv := view.NewComparison(r.Comparison)
		fmt.Fprintf(&b, "**%s**. %s.\n\n", mdEscape(cv.CompactTitle(1)), mdEscape(cv.Verdicts[0].Summary))
		mdTable(&b, cv.Compact(1))
		b.WriteString("\n")
	}
	if v.Against != "" {
		fmt.Fprintf(&b, "%s.\n\n", mdEscape(v.Against))
	}
	mdDetails(&b, fmt.Sprintf("Gates (%d)", len(v.Gates.Rows)), func() { mdTable(&b, v.Gates) })
	return writeMarkdown(w, &b, "check")
}
