package stats

import (
	"math"
	"slices"
	"testing"
)

func TestLogHistogram(t *testing.T) {
	vs := []float64{3, 1, 1000, 10, 100, 1, 7}
	h := NewLogHistogram(1, 1000, int64(len(vs)), 40)
	for _, v := range vs {
		h.Add(v)
	}
	var total int64
	for _, c := range h.Counts {
		total += c
	}
	if total != int64(len(vs)) || len(h.Counts) != 40 || h.Counts[0] != 2 || h.Counts[len(h.Counts)-1] != 1 {
		t.Fatalf("counts %v", h.Counts)
	}
	if len(h.Bounds) != 41 || h.Bounds[0] != 1 || h.Bounds[len(h.Bounds)-1] != 1000 || math.IsNaN(h.Bounds[1]) {
		t.Fatalf("bounds %v", h.Bounds)
	}
	one := NewLogHistogram(5, 5, 3, 40)
	one.Add(5)
	if !slices.Equal(one.Counts, []int64{3}) || !slices.Equal(one.Bounds, []float64{5, 5}) {
		t.Fatalf("one value: %+v", one)
	}
	empty := NewLogHistogram(math.Inf(1), math.Inf(-1), 0, 40)
	empty.Add(1)
	if empty.Bounds == nil || len(empty.Bounds) != 0 || empty.Counts == nil || len(empty.Counts) != 0 {
		t.Fatalf("no values: %+v, want empty, non-nil slices", empty)
	}
}
