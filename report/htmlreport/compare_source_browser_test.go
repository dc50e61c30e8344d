package htmlreport

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sourceCellJS measures the first row's source cell of the Runs table and
// the column after it.
const sourceCellJS = `(() => {
  const td = document.querySelector("td.src");
  if (!td) return {found: false};
  const r = td.getBoundingClientRect(), next = td.nextElementSibling.getBoundingClientRect();
  const lh = parseFloat(getComputedStyle(td.firstElementChild).lineHeight) || 17;
  return {found: true, width: document.documentElement.clientWidth, right: r.right, w: r.width, h: td.firstElementChild.clientHeight,
    lines: Math.round(td.firstElementChild.clientHeight / lh), nextLeft: next.left, title: td.title};
})()`

// TestCompareSourceCellFitsAPhone: a run's source (run id, model, a long
// file path) in the comparison's Runs table is clamped to three lines in
// a column of at most 16em, with the whole text in its title: at 390 px
// the cell ends on the screen and the next column starts on it.
func TestCompareSourceCellFitsAPhone(t *testing.T) {
	b := startBrowser(t, requireChromium(t, "the Runs table's source cell at 390 px"))
	c := compareFixtures()["compare-slower"](t)
	long := "/home/ci/builds/llmrec-perf/2026-12-06T23:41:55Z/nightly-capacity-run-of-the-inference-gateway-with-a-very-long-name-v2.parquet"
	for i := range c.Runs {
		c.Runs[i].Files = []string{long}
		c.Runs[i].Model = "meta-llama/Meta-Llama-3.1-70B-Instruct-FP8-dynamic-with-speculative-decoding"
	}
	file := filepath.Join(t.TempDir(), "compare.html")
	if err := os.WriteFile(file, renderComparison(t, c), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	session, closeTab, err := b.openPage(ctx)
	if closeTab != nil {
		defer closeTab()
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.call(ctx, session, "Emulation.setDeviceMetricsOverride",
		map[string]any{"width": 390, "height": 900, "deviceScaleFactor": 1, "mobile": true}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.call(ctx, session, "Page.navigate", map[string]any{"url": (&url.URL{Scheme: "file", Path: file}).String()}); err != nil {
		t.Fatal(err)
	}
	var m struct {
		Found                 bool
		Width                 int
		Right, W, H, NextLeft float64
		Lines                 int
		Title                 string
	}
	for range 100 {
		if err := b.eval(ctx, session, sourceCellJS, &m); err == nil && m.Found {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !m.Found {
		t.Fatal("no source cell (td.src) in the Runs table")
	}
	t.Logf("source cell at 390 px: right %.0f, width %.0f, %d lines; next column from %.0f", m.Right, m.W, m.Lines, m.NextLeft)
	if m.Right > float64(m.Width) || m.NextLeft >= float64(m.Width) {
		t.Errorf("the source cell ends at %.0f px and the next column starts at %.0f px on a %d px screen", m.Right, m.NextLeft, m.Width)
	}
	if m.Lines > 3 {
		t.Errorf("the source cell is %d lines high; want at most 3", m.Lines)
	}
	if !strings.Contains(m.Title, long) || !strings.Contains(m.Title, "Meta-Llama-3.1-70B") {
		t.Errorf("the cell's title does not hold the whole source: %q", m.Title)
	}
}
