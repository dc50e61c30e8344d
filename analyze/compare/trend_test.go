package compare

import (
	"github.com/llmrec/llmrec/analyze/analyzetest/rundata"
	"slices"
	"strconv"
	"testing"
)

// TestTrendChangePoint: over five runs where the fourth and fifth take
// twice as long, p95's change point is the fourth run, worse, about
// doubled; no other figure moved.
func TestTrendChangePoint(t *testing.T) {
	runs, files := rundata.Trend(t, [5]float64{1, 1, 1, 2, 2})
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
	runs, files := rundata.Trend(t, [5]float64{1, 1, 1, 2, 1})
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

// TestTrendWarningFacts: a run without the ordering label, and a run
// without the level the trend's p95 reads, are stated as facts naming
// the file.
func TestTrendWarningFacts(t *testing.T) {
	runs, files := rundata.Trend(t, [5]float64{1, 1, 1, 1, 1})
	tr, err := NewTrend(runs, files, TrendOptions{By: "nightly", Users: 70, MinEffect: DefaultMinEffect})
	if err != nil {
		t.Fatal(err)
	}
	labels, levels := 0, 0
	for _, w := range tr.Warnings {
		switch f := w.Fact.(type) {
		case TrendNoLabelFact:
			if f.Label == "nightly" && slices.Contains(files, f.File) {
				labels++
			}
		case TrendNoLevelFact:
			if f.Level == 70 && slices.Contains(files, f.File) {
				levels++
			}
		}
	}
	if labels != 5 || levels != 5 || len(tr.Warnings) != 10 {
		t.Errorf("warnings %+v: want 5 runs without the label and 5 without level 70", tr.Warnings)
	}
}
