package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/llmrec/llmrec/analyze/compare"
	"github.com/llmrec/llmrec/report/view"
)

// The renderers of `llmrep trend` (analyze.Trend): a line per figure
// with its change point, then the table of the runs' values.

// TrendJSON writes the trend as indented JSON.
func TrendJSON(w io.Writer, t *compare.Trend) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(view.WithTrendWords(t)); err != nil {
		return fmt.Errorf("encode json trend: %w", err)
	}
	return nil
}

// trendTable is the runs (rows) by figures (columns).
func trendTable(t *compare.Trend) view.Table {
	tab := view.Table{Head: []string{t.By, "file"}, Right: []bool{false, false}, Of: "runs"}
	for _, l := range t.Figures {
		tab.Head = append(tab.Head, view.TrendHead(l.Figure))
		tab.Right = append(tab.Right, true)
	}
	shown, cut := view.Ends(len(t.Runs), view.MaxStepRows)
	tab.Cut, tab.CutAt = cut, view.MaxStepRows/2
	for _, i := range shown {
		r := t.Runs[i]
		row := []string{view.Clip(view.Clean(r.Label), 24), view.Clip(view.Clean(filepath.Base(r.File)), 24)}
		for _, l := range t.Figures {
			cell := view.TrendValue(l.Values[i], l.Unit)
			if cp := l.ChangePoint; cp != nil && cp.Index == i {
				cell = "▶ " + cell
			}
			row = append(row, cell)
		}
		tab.Rows = append(tab.Rows, row)
	}
	return tab
}

// TrendText writes the trend for a terminal.
func TrendText(w io.Writer, t *compare.Trend) error {
	bw := bufio.NewWriter(w)
	tw := &textWriter{w: bw}
	tw.printf("llmrep trend: %d runs by %s\n", len(t.Runs), view.Clip(view.Clean(t.By), 40))
	tw.section("CHANGE POINTS  the first run after which a figure moved beyond the min effect and stayed")
	for _, l := range t.Figures {
		for i, line := range wrap("    ", view.TrendTitle(l.Figure)+": "+view.ChangePointSentence(t, l), Width) {
			if i == 0 {
				line = "  " + strings.TrimLeft(line, " ")
			}
			tw.printf("%s\n", line)
		}
	}
	tw.section("RUNS  ▶ marks a change point")
	tw.table(trendTable(t))
	ws, more := view.Warnings(view.WarningTexts(t.Warnings))
	tw.list(ws, more)
	if tw.err != nil {
		return tw.err
	}
	return bw.Flush()
}

// TrendMarkdown writes the trend as one comment: the change points, then
// the runs folded.
func TrendMarkdown(w io.Writer, t *compare.Trend) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "## llmrep trend: %d runs by %s\n\n", len(t.Runs), mdEscape(view.Clip(t.By, 40)))
	for _, l := range t.Figures {
		fmt.Fprintf(&b, "- **%s**: %s\n", mdEscape(view.TrendTitle(l.Figure)), mdEscape(view.ChangePointSentence(t, l)))
	}
	b.WriteString("\n")
	mdDetails(&b, fmt.Sprintf("Runs (%d); ▶ marks a change point", len(t.Runs)), func() { mdTable(&b, trendTable(t)) })
	ws, more := view.Warnings(view.WarningTexts(t.Warnings))
	mdWarningDetails(&b, ws, more)
	return writeMarkdown(w, &b, "trend")
}
