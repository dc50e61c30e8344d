package gate

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/analyzetest"
	"github.com/llmrec/llmrec/analyze/analyzetest/rundata"
	"github.com/llmrec/llmrec/analyze/compare"
)

// TestMinEffectGate: a max-regression gate of 1% fails a 3% slower run
// on the tests alone (--min-effect 0) and passes it with the default
// min effect, saying why.
func TestMinEffectGate(t *testing.T) {
	g, err := ParseGate(GateMaxRegression, "p95=1%", 0)
	if err != nil {
		t.Fatal(err)
	}
	base, run := rundata.Load(t, analyzetest.BigBase), rundata.Load(t, analyzetest.BigTiny)
	zero, err := Check(run, base, []Gate{g}, compare.DefaultAlpha, compare.MinEffect{}, true)
	if err != nil {
		t.Fatal(err)
	}
	if zero.Passed {
		t.Errorf("--min-effect 0: %s, want a failure", zero.Gates[0].Line)
	}
	def, err := Check(run, base, []Gate{g}, compare.DefaultAlpha, compare.DefaultMinEffect, true)
	if err != nil {
		t.Fatal(err)
	}
	if !def.Passed || !strings.Contains(def.Gates[0].Line, "below the min effect ±5%") {
		t.Errorf("default min effect: %s, want a pass below the min effect", def.Gates[0].Line)
	}
}

// TestCheckTrend: the newest run's p95 regression gate against the trend
// of the previous four: twice as slow fails; 2% slower passes (the min
// effect); 20% slower passes when a previous run was as slow (within the
// previous runs' range).
func TestCheckTrend(t *testing.T) {
	g, err := ParseGate(GateMaxRegression, "p95=10%", 0)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		scales [5]float64 // builds 1-4, then the newest
		status string
		line   string
	}{
		{"doubled", [5]float64{1, 1, 1, 1, 2}, StatusFail, "worse than every previous run"},
		{"2% slower", [5]float64{1, 1, 1, 1, 1.02}, StatusPass, "below the min effect"},
		{"as slow as before", [5]float64{1, 1.3, 1, 1, 1.2}, StatusPass, "within the previous runs' range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runs, _ := rundata.Trend(t, tt.scales)
			var previous []*analyze.Analysis
			for _, a := range runs {
				if a.Run.Labels["build"] != "5" {
					previous = append(previous, a)
				}
			}
			newest := analyzetest.Spec{RunID: "run-5", Model: "m", Labels: map[string]string{"build": "5", "commit": "c5"},
				Users: []int{10, 20, 30}, PerStep: 200, Seed: 5, Knee: 40, Scale: tt.scales[4], LLM: true}
			path := filepath.Join(t.TempDir(), "new.parquet")
			if err := analyzetest.Write(path, newest); err != nil {
				t.Fatal(err)
			}
			o := analyze.DefaultOptions()
			o.Warmup, o.Threads = 0, 2
			run, err := analyze.LoadRun(context.Background(), o, "new", path)
			if err != nil {
				t.Fatal(err)
			}
			res, err := CheckTrend(run, previous, []Gate{g}, compare.DefaultAlpha, compare.DefaultMinEffect, true)
			if err != nil {
				t.Fatal(err)
			}
			if r := res.Gates[0]; r.Status != tt.status || !strings.Contains(r.Line, tt.line) {
				t.Errorf("%s: %s, want %s with %q", tt.name, r.Line, tt.status, tt.line)
			}
			if res.TrendRuns != 4 {
				t.Errorf("trend runs %d, want 4", res.TrendRuns)
			}
		})
	}
}
