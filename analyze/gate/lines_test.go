package gate_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/analyzetest"
	"github.com/llmrec/llmrec/analyze/analyzetest/rundata"
	"github.com/llmrec/llmrec/analyze/compare"
	"github.com/llmrec/llmrec/analyze/gate"
	"github.com/llmrec/llmrec/report/view"
)

// The gates judged on real runs, their outcomes read as every report
// words them (report/view's GateLine).

var small = analyzetest.Spec{RunID: "run-small", Labels: map[string]string{"model": "small"}, Users: []int{10, 20}, PerStep: 20, Seed: 9}

func TestCheckGates(t *testing.T) {
	a := rundata.Load(t, analyzetest.A)
	tests := []struct {
		kind, spec string
		run, base  analyzetest.Spec
		want       string
		line       string
	}{
		{gate.GateMax, "p95=10s", analyzetest.A, analyzetest.Spec{}, gate.StatusPass, "PASS p95 (overall) = "},
		{gate.GateMax, "p95=100ms", analyzetest.A, analyzetest.Spec{}, gate.StatusFail, "FAIL p95 (overall) = "},
		{gate.GateMax, "p50@10=500ms", analyzetest.A, analyzetest.Spec{}, gate.StatusPass, "(at 10 users)"},
		{gate.GateMax, "p50@60=500ms", analyzetest.A, analyzetest.Spec{}, gate.StatusFail, "max 500ms (200 samples)"},
		{gate.GateMax, "p90=10s", analyzetest.A, analyzetest.Spec{}, gate.StatusPass, ""},
		{gate.GateMax, "p99=500ms", analyzetest.A, analyzetest.Spec{}, gate.StatusFail, ""},
		{gate.GateMax, "max=1h", analyzetest.A, analyzetest.Spec{}, gate.StatusPass, ""},
		{gate.GateMax, "p99_p50=1.1", analyzetest.A, analyzetest.Spec{}, gate.StatusFail, ""},
		{gate.GateMax, "fail_rate=1%", analyzetest.A, analyzetest.Spec{}, gate.StatusPass, ""},
		{gate.GateMax, "fail_rate=0.01%", analyzetest.A, analyzetest.Spec{}, gate.StatusFail, ""},
		{gate.GateMin, "rps=1", analyzetest.A, analyzetest.Spec{}, gate.StatusPass, ""},
		{gate.GateMin, "rps=100", analyzetest.A, analyzetest.Spec{}, gate.StatusFail, "FAIL rps (overall) = 20.00/s, min 100.00/s"},
		{gate.GateMax, "ttft_p95=3s", analyzetest.A, analyzetest.Spec{}, gate.StatusPass, ""},
		{gate.GateMin, "tokens_per_s=1000", analyzetest.A, analyzetest.Spec{}, gate.StatusFail, ""},
		{gate.GateMin, "saturation_users=40", analyzetest.A, analyzetest.Spec{}, gate.StatusPass, "= 40 users"},
		{gate.GateMin, "saturation_users=50", analyzetest.A, analyzetest.Spec{}, gate.StatusFail, ""},
		{gate.GateMin, "saturation_users=50", analyzetest.Noise, analyzetest.Spec{}, gate.StatusFail, ""},
		{gate.GateMax, "p95@70=1s", analyzetest.A, analyzetest.Spec{}, gate.StatusInconclusive, "no post-warmup step at 70 users"},
		{gate.GateMax, "p95=1s", analyzetest.Broken, analyzetest.Spec{}, gate.StatusInconclusive, "no value (0 samples)"},
		{gate.GateMax, "fail_rate=1%", analyzetest.Broken, analyzetest.Spec{}, gate.StatusFail, "100.00%"},
		// Every figure of a run without a success is n/a: a gate it would
		// pass is inconclusive.
		{gate.GateMin, "rps=1", analyzetest.Broken, analyzetest.Spec{}, gate.StatusInconclusive, "no successful request after the warmup"},
		{gate.GateMax, "fail_rate=100%", analyzetest.Broken, analyzetest.Spec{}, gate.StatusInconclusive, "every figure is n/a"},
		{gate.GateMax, "p95@10=1s", small, analyzetest.Spec{}, gate.StatusInconclusive, "over 20 samples, fewer than 30"},
		{gate.GateMaxRegression, "p95=10%", analyzetest.Slower, analyzetest.A, gate.StatusFail, "regression over the allowed +10%"},
		{gate.GateMaxRegression, "p95=50%", analyzetest.Slower, analyzetest.A, gate.StatusPass, "within the allowed +50%"},
		{gate.GateMaxRegression, "p50@20=10%", analyzetest.Slower, analyzetest.A, gate.StatusFail, ""},
		{gate.GateMaxRegression, "p95=1%", analyzetest.Noise, analyzetest.A, gate.StatusPass, "not significant"},
		{gate.GateMaxRegression, "p95=1%", analyzetest.Faster, analyzetest.A, gate.StatusPass, "within"},
		{gate.GateMaxRegression, "rps=1%", analyzetest.Faster, analyzetest.A, gate.StatusPass, ""},
		{gate.GateMaxRegression, "fail_rate=1%", analyzetest.Broken, analyzetest.A, gate.StatusFail, "+99."},
		{gate.GateMaxRegression, "p95=10%", analyzetest.Broken, analyzetest.A, gate.StatusInconclusive, "fewer than 30"},
		{gate.GateMaxRegression, "p95@80=10%", analyzetest.Shape, analyzetest.A, gate.StatusInconclusive, "v1 has no post-warmup step at 80 users"},
	}
	for _, tt := range tests {
		t.Run(tt.kind+" "+tt.spec+" "+tt.run.RunID, func(t *testing.T) {
			g, err := gate.ParseGate(tt.kind, tt.spec, 0)
			if err != nil {
				t.Fatal(err)
			}
			var base *analyze.RunData
			if tt.base.RunID != "" {
				base = rundata.Load(t, tt.base)
			}
			res, err := gate.Check(rundata.Load(t, tt.run), base, []gate.Gate{g}, compare.DefaultAlpha, compare.DefaultMinEffect, true)
			if err != nil {
				t.Fatal(err)
			}
			r := res.Gates[0]
			if r.Status != tt.want || !strings.Contains(view.GateLine(r), tt.line) {
				t.Errorf("%s: %q, want %s with %q", r.Status, view.GateLine(r), tt.want, tt.line)
			}
			if res.Passed != (tt.want == gate.StatusPass) {
				t.Errorf("passed = %v with an inconclusive-fails policy and a %s gate", res.Passed, r.Status)
			}
		})
	}
	if _, err := gate.Check(a, nil, []gate.Gate{{Kind: gate.GateMaxRegression, Metric: "p95", Spec: "p95=1%"}}, compare.DefaultAlpha, compare.DefaultMinEffect, true); err == nil {
		t.Error("a regression gate without a baseline run was accepted")
	}
}

// TestMinEffectGate: a max-regression gate of 1% fails a 3% slower run
// on the tests alone (--min-effect 0) and passes it with the default
// min effect, saying why.
func TestMinEffectGate(t *testing.T) {
	g, err := gate.ParseGate(gate.GateMaxRegression, "p95=1%", 0)
	if err != nil {
		t.Fatal(err)
	}
	base, run := rundata.Load(t, analyzetest.BigBase), rundata.Load(t, analyzetest.BigTiny)
	zero, err := gate.Check(run, base, []gate.Gate{g}, compare.DefaultAlpha, compare.MinEffect{}, true)
	if err != nil {
		t.Fatal(err)
	}
	if zero.Passed {
		t.Errorf("--min-effect 0: %s, want a failure", view.GateLine(zero.Gates[0]))
	}
	def, err := gate.Check(run, base, []gate.Gate{g}, compare.DefaultAlpha, compare.DefaultMinEffect, true)
	if err != nil {
		t.Fatal(err)
	}
	if !def.Passed || !strings.Contains(view.GateLine(def.Gates[0]), "below the min effect ±5%") {
		t.Errorf("default min effect: %s, want a pass below the min effect", view.GateLine(def.Gates[0]))
	}
}

// TestCheckTrend: the newest run's p95 regression gate against the trend
// of the previous four: twice as slow fails; 2% slower passes (the min
// effect); 20% slower passes when a previous run was as slow (within the
// previous runs' range).
func TestCheckTrend(t *testing.T) {
	g, err := gate.ParseGate(gate.GateMaxRegression, "p95=10%", 0)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		scales [5]float64 // builds 1-4, then the newest
		status string
		line   string
	}{
		{"doubled", [5]float64{1, 1, 1, 1, 2}, gate.StatusFail, "worse than every previous run"},
		{"2% slower", [5]float64{1, 1, 1, 1, 1.02}, gate.StatusPass, "below the min effect"},
		{"as slow as before", [5]float64{1, 1.3, 1, 1, 1.2}, gate.StatusPass, "within the previous runs' range"},
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
			res, err := gate.CheckTrend(run, previous, []gate.Gate{g}, compare.DefaultAlpha, compare.DefaultMinEffect, true)
			if err != nil {
				t.Fatal(err)
			}
			if r := res.Gates[0]; r.Status != tt.status || !strings.Contains(view.GateLine(r), tt.line) {
				t.Errorf("%s: %s, want %s with %q", tt.name, view.GateLine(r), tt.status, tt.line)
			}
			if res.TrendRuns != 4 {
				t.Errorf("trend runs %d, want 4", res.TrendRuns)
			}
		})
	}
}
