package htmlreport

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/llmrec/llmrec/analyze"
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
	for _, w := range a.Warnings {
		if strings.Contains(w, "Little's-law") {
			t.Errorf("warning on a consistent closed loop: %s", w)
		}
	}
	if checked < 3 {
		t.Errorf("only %d steps checked against Little's law", checked)
	}
	page := string(stripLibrary(t, render(t, a)))
	for _, want := range []string{"How much does it hold?", "within SLO", "Goodput and SLO attainment against users",
		`"name":"TTFT SLO"`, `"name":"capacity"`, `"name":"target"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if i, j := strings.Index(page, "How much does it hold?"), strings.Index(page, "Where did it saturate?"); i < 0 || j < 0 || i > j {
		t.Error("the capacity answer does not come first in the verdict")
	}
	specs, err := buildCharts(a)
	if err != nil {
		t.Fatal(err)
	}
	if len(specs) < 2 || !strings.HasPrefix(specs[1].Title, "Goodput") {
		t.Errorf("the goodput chart is not beside the p95 chart: %q", specs[1].Title)
	}
	path := findChromium()
	if path == "" || testing.Short() {
		t.Log("no browser check: chromium missing or -short (TestBrowser reports it)")
		return
	}
	checkInBrowser(t, startBrowser(t, path), dir, "slo", a)
}
