package record

import (
	"math"
	"testing"
)

// TestQuantileMS: the live quantiles are the analyzer's (linear between
// the order statistics around q·(n−1)), read from the histogram within
// its 3 significant digits, not the histogram's own rank.
func TestQuantileMS(t *testing.T) {
	tests := []struct {
		name   string
		values []float64
		q      float64
		want   float64
	}{
		{"1..100, p95", seq(1, 100), 95, 95.05},
		{"1..100, p50", seq(1, 100), 50, 50.5},
		{"1..100, p99", seq(1, 100), 99, 99.01},
		{"1..100, max", seq(1, 100), 100, 100},
		{"1..100, min", seq(1, 100), 0, 1},
		{"one value", []float64{20}, 95, 20},
		{"two values", []float64{10, 30}, 50, 20},
		{"36 values, p95", seq(10, 45), 95, 43.25},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHist()
			for _, v := range tc.values {
				recordMS(h, v)
			}
			if got := quantileMS(h, tc.q); math.Abs(got-tc.want) > tc.want/1000 {
				t.Errorf("p%g = %g, want %g", tc.q, got, tc.want)
			}
		})
	}
	if got := quantileMS(newHist(), 95); !math.IsNaN(got) {
		t.Errorf("p95 of nothing = %g, want NaN", got)
	}
}

func seq(from, to int) []float64 {
	var out []float64
	for v := from; v <= to; v++ {
		out = append(out, float64(v))
	}
	return out
}
