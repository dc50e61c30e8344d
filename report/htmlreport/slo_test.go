package htmlreport

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/report/view"
)

// TestSLOPage renders a real run file with --slo: the capacity answer
// leads the verdict, a goodput and attainment chart stands beside the p95
// chart, the TTFT chart has its SLO line and the level charts mark the
// capacity; the page draws in the browser.
func TestSLOPage(t *testing.T) {
	dir := t.TempDir()
	run := filepath.Join(dir, "run.parquet")
	writeKneeRun(t, run)
	opts := analyze.DefaultOptions()
	opts.Warmup = 30 * time.Second
	opts.SLO = analyze.SLO{TTFT: 200 * time.Millisecond, Latency: 3 * time.Second}
	a, err := analyze.Analyze(context.Background(), opts, run)
	if err != nil {
		t.Fatal(err)
	}
	if a.Capacity.Level == nil {
		t.Fatalf("no capacity: %s", a.Capacity.Rule)
	}
	// The run is a closed loop built user by user (latency, then think
	// time): the Little's-law check holds and stays silent.
	checked := 0
	for _, s := range a.Steps {
		if s.LittleRatio != nil {
			checked++
		}
	}
	for _, w := range view.WarningTexts(a.Warnings) {
		if strings.Contains(w, "Little's-law") {
			t.Errorf("warning on a consistent closed loop: %s", w)
		}
	}
	if checked < 3 {
		t.Errorf("only %d steps checked against Little's law", checked)
	}
	page := string(stripLibrary(t, render(t, a)))
	for _, want := range []string{"How much does it hold?", "within SLO", "Goodput and SLO attainment against users",
		`"name":"TTFT SLO"`, `"name":"capacity"`, `"name":"attainment target"`, "<h2>SLO by step</h2>"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if i, j := strings.Index(page, "How much does it hold?"), strings.Index(page, "Where did it saturate?"); i < 0 || j < 0 || i > j {
		t.Error("the capacity answer does not come first in the verdict")
	}
	// The per-step SLO table, as text and Markdown have it: a row per
	// step, the capacity step marked.
	slo := page[max(0, strings.Index(page, "<h2>SLO by step</h2>")):]
	slo, _, _ = strings.Cut(slo, "</table>")
	if !strings.HasPrefix(slo, "<h2>SLO by step</h2>") {
		t.Error("the page has no SLO table")
	} else if rows := strings.Count(slo, "<tr>") - 1; rows != len(a.Steps) || !strings.Contains(slo, "<td>capacity</td>") {
		t.Errorf("the SLO table has %d rows for %d steps (capacity marked: %v)", rows, len(a.Steps), strings.Contains(slo, "<td>capacity</td>"))
	}
	specs, err := buildCharts(a)
	if err != nil {
		t.Fatal(err)
	}
	if len(specs) < 2 || !strings.HasPrefix(specs[1].Title, "Goodput") {
		t.Errorf("the goodput chart is not beside the p95 chart: %q", specs[1].Title)
	}
	// Gridlines come from the attainment axis only: the target line never
	// sits on a gridline labelled in req/s.
	var gp struct {
		YAxis []struct {
			Name      string `json:"name"`
			SplitLine struct {
				Show bool `json:"show"`
			} `json:"splitLine"`
		} `json:"yAxis"`
	}
	if err := json.Unmarshal(specs[1].Options, &gp); err != nil {
		t.Fatal(err)
	}
	if len(gp.YAxis) != 2 || gp.YAxis[0].SplitLine.Show || !gp.YAxis[1].SplitLine.Show {
		t.Errorf("goodput chart axes %+v; want gridlines on the attainment axis only", gp.YAxis)
	}
	path := findChromium()
	if path == "" || testing.Short() {
		t.Log("no browser check: chromium missing or -short (TestBrowser reports it)")
		return
	}
	checkInBrowser(t, startBrowser(t, path), dir, "slo", a)
}
