package analyze

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/llmrec/llmrec/analyze/analyzetest"
)

// trendRuns writes five runs labelled build=1..5 with the latency scales
// given, and analyzes them in the order of files (build 3, 1, 5, 2, 4:
// the trend orders them).
func trendRuns(t *testing.T, scales [5]float64) ([]*Analysis, []string) {
	t.Helper()
	dir := t.TempDir()
	o := DefaultOptions()
	o.Warmup, o.Threads = 0, 2
	var runs []*Analysis
	var files []string
	for _, b := range []int{3, 1, 5, 2, 4} {
		s := analyzetest.Spec{RunID: "run-" + strconv.Itoa(b), Model: "m",
			Labels: map[string]string{"build": strconv.Itoa(b), "commit": "c" + strconv.Itoa(b)},
			Users:  []int{10, 20, 30}, PerStep: 200, Seed: uint64(b), Knee: 40, Scale: scales[b-1], LLM: true}
		path := filepath.Join(dir, s.RunID+".parquet")
		if err := analyzetest.Write(path, s); err != nil {
			t.Fatal(err)
		}
		a, err := Analyze(context.Background(), o, path)
		if err != nil {
			t.Fatal(err)
		}
		runs, files = append(runs, a), append(files, path)
	}
	return runs, files
}

// TestTrendChangePoint: over five runs where the fourth and fifth take
// twice as long, p95's change point is the fourth run, worse, about
// doubled; no other figure moved.
func TestTrendChangePoint(t *testing.T) {
	runs, files := trendRuns(t, [5]float64{1, 1, 1, 2, 2})
	tr, err := NewTrend(runs, files, TrendOptions{By: "build", MinEffect: DefaultMinEffect})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range tr.Runs {
		if r.Label != strconv.Itoa(i+1) {
			t.Fatalf("run %d is build %s: not ordered by the label", i, r.Label)
		}
	}
	for _, f := range tr.Figures {
		cp := f.ChangePoint
		switch {
		case f.Figure == "p95" && (cp == nil || cp.Index != 3 || cp.Run != "4" || cp.Direction != DirectionWorse || *cp.Relative < 0.8 || *cp.Relative > 1.2):
			t.Errorf("p95 change point %+v, want the fourth run, worse, about +100%%", cp)
		case f.Figure == "peak_tokens_per_s" && cp != nil && cp.Direction != DirectionWorse:
			t.Errorf("peak tokens/s moved %s at %s", cp.Direction, cp.Run)
		case f.Figure == "fail_rate" && cp != nil:
			t.Errorf("fail_rate change point %+v, want none", cp)
		}
	}
}

// TestTrendSpikeIsNoChangePoint: one slow run that the next does not
// repeat is not a change that stayed.
func TestTrendSpikeIsNoChangePoint(t *testing.T) {
	runs, files := trendRuns(t, [5]float64{1, 1, 1, 2, 1})
	tr, err := NewTrend(runs, files, TrendOptions{By: "build", MinEffect: DefaultMinEffect})
	if err != nil {
		t.Fatal(err)
	}
	if cp := tr.Figures[0].ChangePoint; cp != nil {
		t.Errorf("p95 change point %+v after a single slow run, want none", cp)
	}
}

func TestChangePointRule(t *testing.T) {
	p := func(vs ...float64) []*float64 {
		out := make([]*float64, len(vs))
		for i := range vs {
			out[i] = &vs[i]
		}
		return out
	}
	tests := []struct {
		name   string
		values []*float64
		unit   string
		want   int // -1: none
	}{
		{"flat", p(100, 101, 99, 100, 102), UnitMS, -1},
		{"step at the fourth", p(100, 101, 99, 200, 205), UnitMS, 3},
		{"step at the third", p(100, 100, 150, 150, 150), UnitMS, 2},
		{"within the min effect", p(100, 100, 104, 104, 104), UnitMS, -1},
		{"the newest run alone", p(100, 100, 100, 100, 300), UnitMS, -1},
		{"back and forth", p(100, 100, 200, 50, 200), UnitMS, -1},
		{"a missing value", p(100, 100, 100, 200, 200)[:2:2], UnitMS, -1},
		{"rate in points", p(0.01, 0.01, 0.01, 0.03, 0.03), UnitRate, 3},
		{"rate under a point", p(0.01, 0.01, 0.01, 0.015, 0.015), UnitRate, -1},
	}
	for _, tt := range tests {
		cp := changePoint(tt.values, tt.unit, DefaultMinEffect)
		got := -1
		if cp != nil {
			got = cp.Index
		}
		if got != tt.want {
			t.Errorf("%s: change point %d, want %d", tt.name, got, tt.want)
		}
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
			runs, _ := trendRuns(t, tt.scales)
			var previous []*Analysis
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
			o := DefaultOptions()
			o.Warmup, o.Threads = 0, 2
			run, err := LoadRun(context.Background(), o, "new", path)
			if err != nil {
				t.Fatal(err)
			}
			res, err := CheckTrend(run, previous, []Gate{g}, DefaultAlpha, DefaultMinEffect, true)
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
