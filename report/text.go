package report

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/report/view"
)

// Width is the most columns the text report uses.
const Width = 100

// Text writes the terminal report: run info, totals, health, per-step
// table, LLM figures, errors, verdicts, warnings and definitions.
func Text(w io.Writer, a *analyze.Analysis) error {
	v := view.NewAnalysis(a)
	bw := bufio.NewWriter(w)
	t := &textWriter{w: bw}
	t.printf("llmrep analyze: run %s\n", view.Clip(v.RunID, Width-22))
	// The verdict comes first; a capacity sentence (runs with an SLO)
	// leads it, then saturation, growth and health.
	t.section("VERDICT")
	for _, n := range v.Notices {
		for _, l := range wrap("  ! ", n, Width) {
			t.printf("%s\n", l)
		}
	}
	t.verdict(v.Answers)
	t.kv(v.Verdicts[:1])
	if v.GrowthPoints != "" {
		t.kv([]view.Field{{Name: "", Value: v.GrowthPoints}})
	}
	t.section("RUN")
	t.kv(v.Header)
	t.section(fmt.Sprintf("TOTALS  after the warmup (%d requests excluded), %s in ms over successes", v.WarmupRequests, v.Metric))
	t.table(v.Totals)
	t.section("HEALTH  judged " + v.SteadyScope + "; the whole run beside it")
	health := v.Health
	health.Head = health.Head[:4] // the bands are in DEFINITIONS
	for i, r := range health.Rows {
		health.Rows[i] = r[:4]
	}
	t.table(health)
	t.section(fmt.Sprintf("STEPS  requests sent in each step after the warmup, %s in ms over successes", v.Metric))
	t.tableOr(v.Steps, "no step after the warmup")
	if len(v.Goodput.Rows) > 0 {
		t.section("SLO  " + v.GoodputTitle)
		t.table(v.Goodput)
	}
	t.llmAndServer(v)
	if len(v.Percentiles.Rows) > 0 {
		t.section("PERCENTILES  --percentiles over successes after the warmup")
		t.table(v.Percentiles)
	}
	t.section("ERRORS  failures after the warmup, by class")
	for _, r := range v.Errors.Rows {
		r[3] = view.Clip(r[3], 50)
	}
	t.tableOr(v.Errors, "none")
	t.list(v.Warnings, v.MoreWarnings)
	t.definitions(v.Definitions, 12)
	if t.err != nil {
		return t.err
	}
	return bw.Flush()
}

// llmAndServer writes the LLM and SERVER sections, when the run has
// them.
func (t *textWriter) llmAndServer(v *view.Analysis) {
	if v.LLM != nil {
		t.section("LLM  over successes after the warmup")
		t.table(v.LLM.Figures)
		t.printf("  %s\n", v.LLM.Line)
		if v.LLM.Stalls != "" {
			for _, l := range wrap("  stalls: ", v.LLM.Stalls, Width) {
				t.printf("%s\n", l)
			}
		}
		if len(v.LLM.Steps.Rows) > 0 {
			t.printf("\n")
			t.table(v.LLM.Steps)
		}
	}
	if len(v.Turns.Rows) > 0 {
		t.section("TURNS  TTFT by conversation turn, over successes after the warmup")
		for _, l := range wrap("  ", view.TurnsNote+".", Width) {
			t.printf("%s\n", l)
		}
		t.printf("\n")
		t.table(v.Turns)
	}
	if tl := v.Telemetry; tl != nil {
		t.section("SERVER  its own metrics: " + view.Clip(tl.Source, Width-30))
		for _, l := range wrap("  ", tl.Summary, Width) {
			t.printf("%s\n", l)
		}
		t.printf("\n")
		t.table(tl.Steps)
	}
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

// table writes a view table: numbers right-aligned, the cut said.
func (t *textWriter) table(tb view.Table) {
	rows := [][]string{tb.Head}
	for _, r := range tb.Rows {
		r = slices.Clone(r)
		for j := range r {
			if isSet(tb.Strong, j) {
				r[j] = strings.ToUpper(r[j])
			}
		}
		rows = append(rows, r)
	}
	if tb.Cut > 0 {
		mark := make([]string, len(tb.Head))
		mark[0] = "…"
		mark[len(mark)-1] = fmt.Sprintf("%d more", tb.Cut)
		rows = slices.Insert(rows, tb.CutAt+1, mark)
	}
	t.rows(rows, len(tb.Right) > 0 && tb.Right[0])
	if tb.Cut > 0 {
		t.printf("  %d of %d %s are left out; the JSON report has them all\n", tb.Cut, len(tb.Rows)+tb.Cut, tb.Of)
	}
}

// tableOr is table, or the line none when it has no rows.
func (t *textWriter) tableOr(tb view.Table, none string) {
	if len(tb.Rows) == 0 {
		t.printf("  %s\n", none)
		return
	}
	t.table(tb)
}

// rows writes rows aligned by tabwriter, two spaces between columns, or
// one when two would pass Width columns.
func (t *textWriter) rows(rows [][]string, rightAlign bool) {
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

func (t *textWriter) kv(rows []view.Field) {
	for _, r := range rows {
		for _, l := range wrap(fmt.Sprintf("  %-10s ", r.Name), r.Value, Width) {
			t.printf("%s\n", l)
		}
	}
}

// verdict writes the answers, one paragraph each.
func (t *textWriter) verdict(as []view.Answer) {
	for _, a := range as {
		for _, l := range wrap(fmt.Sprintf("  %-10s ", a.Name), a.Answer+". "+a.Detail, Width) {
			t.printf("%s\n", l)
		}
	}
}

// list writes the WARNINGS section.
func (t *textWriter) list(ws []string, more int) {
	t.section("WARNINGS")
	if len(ws) == 0 {
		t.printf("  none\n")
	}
	for _, w := range ws {
		for _, l := range wrap("  - ", w, Width) {
			t.printf("%s\n", l)
		}
	}
	if more > 0 {
		t.printf("  - … and %d more (see the JSON output)\n", more)
	}
}

// definitions writes the DEFINITIONS section: each whole, wrapped at
// Width under its name (a definition cut mid-word says nothing).
func (t *textWriter) definitions(ds []view.Field, width int) {
	t.section("DEFINITIONS")
	for _, d := range ds {
		for _, l := range wrap(fmt.Sprintf("  %-*s ", width, d.Name), d.Value, Width) {
			t.printf("%s\n", l)
		}
	}
}
