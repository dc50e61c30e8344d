package htmlreport

import (
	"bytes"
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/analyzetest"
	"github.com/llmrec/llmrec/analyze/compare"
)

// trendOfFive is the trend of five runs labelled build=1..5 whose fourth
// and fifth take twice as long.
func trendOfFive(t *testing.T) *compare.Trend {
	t.Helper()
	dir := t.TempDir()
	o := analyze.DefaultOptions()
	o.Warmup, o.Threads = 0, 2
	var runs []*analyze.Analysis
	var files []string
	for b := 1; b <= 5; b++ {
		scale := 1.0
		if b >= 4 {
			scale = 2
		}
		s := analyzetest.Spec{RunID: "run-" + strconv.Itoa(b), Model: "m", Labels: map[string]string{"build": strconv.Itoa(b)},
			Users: []int{10, 20, 30}, PerStep: 200, Seed: uint64(b), Knee: 40, Scale: scale, LLM: true}
		path := filepath.Join(dir, "b"+strconv.Itoa(b)+".parquet")
		if err := analyzetest.Write(path, s); err != nil {
			t.Fatal(err)
		}
		a, err := analyze.Analyze(context.Background(), o, path)
		if err != nil {
			t.Fatal(err)
		}
		runs, files = append(runs, a), append(files, path)
	}
	tr, err := compare.NewTrend(runs, files, compare.TrendOptions{By: "build", MinEffect: compare.DefaultMinEffect})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestBrowserTrend draws the trend page of five runs in headless
// Chromium: one chart per figure painted, the console clean, no request
// made; the page says the change point and the same trend gives the same
// bytes.
func TestBrowserTrend(t *testing.T) {
	tr := trendOfFive(t)
	var page, again bytes.Buffer
	if err := RenderTrend(&page, tr); err != nil {
		t.Fatal(err)
	}
	if err := RenderTrend(&again, tr); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(page.Bytes(), again.Bytes()) {
		t.Error("the same trend gave different pages")
	}
	if !strings.Contains(page.String(), "worse from 4 on") {
		t.Error("the page does not say p95's change point")
	}
	if !strings.Contains(page.String(), `"name":"4 · b4.parquet"`) {
		t.Error("a point is not named by its run's label and file (the tooltip)")
	}
	b := startBrowser(t, requireChromium(t, "the trend page"))
	checkPageInBrowser(t, b, t.TempDir(), "trend", page.Bytes(), len(compare.TrendFigures), "Trend of 5 runs · llmrep", false)
}
