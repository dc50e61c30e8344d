package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/llmrec/llmrec/analyze"
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
func CompareJSON(w io.Writer, c *analyze.Comparison) error {
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
func CompareText(w io.Writer, c *analyze.Comparison) error {
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
// comment, under MaxMarkdown characters: the level tables are capped
// (view.MaxStepRows) and the cut is said.
func CompareMarkdown(w io.Writer, c *analyze.Comparison) error {
	v := view.NewComparison(c)
	var b bytes.Buffer
	fmt.Fprintf(&b, "## llmrep compare: %d runs, baseline %s\n\n", v.Runs, mdEscape(view.Clip(v.Baseline, 80)))
	b.WriteString("### Verdicts\n\n")
	for _, vd := range v.Verdicts {
		fmt.Fprintf(&b, "- **%s** vs %s: **%s**. %s\n", mdEscape(vd.Run), mdEscape(vd.Against), mdEscape(vd.Outcome), mdEscape(vd.Summary))
	}
	b.WriteString("\n### Runs\n\n")
	runs := v.RunTable
	runs.Head = slices.Insert(runs.Head, 1, "source")
	for i, r := range runs.Rows {
		runs.Rows[i] = slices.Insert(r, 1, view.Clip(v.Sources[i].Value, 200))
	}
	runs.Right = []bool{false, false, true, true, true}
	mdTable(&b, runs)
	if len(v.Servers) > 0 {
		b.WriteString("\nServer telemetry, each run's own:\n\n")
		for _, s := range v.Servers {
			fmt.Fprintf(&b, "- **%s** %s\n", mdEscape(s.Name), mdEscape(s.Value))
		}
	}
	b.WriteString("\n")
	mdTable(&b, v.Capacity)
	fmt.Fprintf(&b, "\nSettings: %s. Changes against the baseline with their p-value.\n", mdEscape(v.Settings))
	cols := make([]int, v.Runs)
	for i := range cols {
		cols[i] = i
	}
	for mi, title := range v.Metrics {
		fmt.Fprintf(&b, "\n### %s\n\n", mdEscape(title))
		mdTable(&b, v.MetricTable(mi, cols, 40))
	}
	b.WriteString("\n### Unmatched levels\n\n")
	um := v.Unmatched
	um.Head, um.Right = um.Head[:3], []bool{true, false, false}
	for i, r := range um.Rows {
		um.Rows[i] = r[:3]
	}
	mdTableOr(&b, um, "None: every run has the same user levels.")
	mdWarnings(&b, v.Warnings, v.More)
	mdDefinitions(&b, v.Defs)
	return writeMarkdown(w, &b, "comparison")
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
	v := view.NewCheck(r)
	var b strings.Builder
	for _, l := range v.Lines {
		b.WriteString(l + "\n")
	}
	b.WriteString(v.Summary + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// CheckMarkdown writes the check as a summary for CI logs and pull
// requests: the outcome, then a table of the gates, failed ones first.
func CheckMarkdown(w io.Writer, r *analyze.CheckResult) error {
	v := view.NewCheck(r)
	var b bytes.Buffer
	mark := "✅"
	if !v.Passed {
		mark = "❌"
	}
	fmt.Fprintf(&b, "## %s llmrep check %s: %s\n\n", mark, v.Outcome, mdEscape(view.Clip(v.Run, 80)))
	if v.Baseline != "" {
		fmt.Fprintf(&b, "Against baseline %s; regressions count only when significant at α = %g.\n\n", mdEscape(view.Clip(v.Baseline, 80)), v.Alpha)
	}
	fmt.Fprintf(&b, "%s.\n\n", mdEscape(v.Summary))
	mdTable(&b, v.Gates)
	return writeMarkdown(w, &b, "check")
}
