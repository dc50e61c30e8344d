package analyze

import (
	"encoding/json"
	"math"
	"testing"
	"time"
)

// TestFiniteFigures: every ±Inf or NaN in a result, wherever it is (a
// pointer figure, a plain number, a series, a step, a map of runs), is
// replaced and counted, so the JSON encoder never fails on a result:
// pointer figures become null, required numbers 0.
func TestFiniteFigures(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	a := &Analysis{}
	a.Overall.P50MS = &inf
	a.Overall.RPS = ptr(2.5)
	a.Settings.LatencyThreshold = inf
	a.Series.T = []float64{0, nan, 2}
	a.Steps = []Step{{Step: 1, RPS: ptr(math.Inf(-1)), FailRate: ptr(0.5)}}
	a.Run.Labels = map[string]string{"model": "m"}
	if _, err := json.Marshal(a); err == nil {
		t.Fatal("the JSON encoder took ±Inf/NaN: the test proves nothing")
	}
	if n := FiniteFigures(a); n != 4 {
		t.Errorf("changed %d figures, want 4", n)
	}
	if a.Overall.P50MS != nil || a.Steps[0].RPS != nil || a.Settings.LatencyThreshold != 0 || a.Series.T[1] != 0 {
		t.Errorf("p50 %v, step rps %v, threshold %v, t %v; want nil, nil, 0, 0", a.Overall.P50MS, a.Steps[0].RPS, a.Settings.LatencyThreshold, a.Series.T)
	}
	if *a.Overall.RPS != 2.5 || *a.Steps[0].FailRate != 0.5 || a.Series.T[2] != 2 {
		t.Error("a finite figure was changed")
	}
	if _, err := json.Marshal(a); err != nil {
		t.Errorf("JSON after: %v", err)
	}
	m := map[string][]*float64{"a": {ptr(1.0), &nan}}
	if n := FiniteFigures(m); n != 1 || m["a"][1] != nil || *m["a"][0] != 1 {
		t.Errorf("map of slices: %d changed, %v", n, m)
	}
	if w := NonFiniteWarning(4); len(w) != 1 || w[0].Fact != (NonFiniteFact{N: 4}) {
		t.Errorf("warning %+v", w)
	}
	if w := NonFiniteWarning(0); w != nil {
		t.Errorf("warning of no figure %+v", w)
	}
}

// TestAutoWarmupOfExtremeSteps: the automatic warmup of a footer's step
// time is computed in seconds before it becomes a Duration: a crafted step
// of 1e300 s overflowed it to a negative warmup.
func TestAutoWarmupOfExtremeSteps(t *testing.T) {
	for _, tt := range []struct {
		step float64
		want time.Duration
	}{{10, 5 * time.Second}, {60, MaxAutoWarmup}, {1e300, MaxAutoWarmup}, {math.Inf(1), MaxAutoWarmup}, {0, 0}, {-5, 0}, {math.NaN(), 0}} {
		if got := AutoWarmup(Shape{StepTimeS: tt.step}); got != tt.want {
			t.Errorf("AutoWarmup(step %g s) = %v, want %v", tt.step, got, tt.want)
		}
	}
}
