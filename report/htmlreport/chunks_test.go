package htmlreport

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/analyzetest"
)

// TestChunkFiguresPage renders a run with chunk times and --percentiles:
// the LLM figures name TTFT, TPOT and ITL, the stalls are said, and the
// percentiles table lists the ones asked for; without --percentiles there
// is no such table.
func TestChunkFiguresPage(t *testing.T) {
	run := filepath.Join(t.TempDir(), "streamed.parquet")
	s := analyzetest.Streamed
	s.Users, s.PerStep = []int{10, 20}, 40
	if err := analyzetest.Write(run, s); err != nil {
		t.Fatal(err)
	}
	opts := analyze.DefaultOptions()
	opts.Warmup, opts.Threads = 0, 2
	plain, err := analyze.Analyze(context.Background(), opts, run)
	if err != nil {
		t.Fatal(err)
	}
	opts.Percentiles = []float64{50, 99.9}
	a, err := analyze.Analyze(context.Background(), opts, run)
	if err != nil {
		t.Fatal(err)
	}
	page := string(stripLibrary(t, render(t, a)))
	for _, want := range []string{"Time to first token (TTFT)", "Time per output token (TPOT)", "Inter-token latency (ITL)",
		"gaps between content chunks", "<dt>Stalls</dt>", "waited more than 1.0 s between two content chunks",
		"<h2>Percentiles</h2>", "<th>p99.9</th>", "ITL ms (chunk gaps)"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(string(stripLibrary(t, render(t, plain))), "<h2>Percentiles</h2>") {
		t.Error("a percentiles table without --percentiles")
	}
}
