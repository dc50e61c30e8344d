package analyze

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestRankByValue(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 2, 17, 1000} {
		vs := make([]float64, n)
		for i := range vs {
			switch i % 5 {
			case 0:
				vs[i] = float64(rng.IntN(10)) // ties
			case 1:
				vs[i] = -rng.Float64() * 100
			case 2:
				vs[i] = rng.ExpFloat64() * 1e6
			case 3:
				vs[i] = 0
			default:
				vs[i] = math.Copysign(0, -1) + rng.Float64()
			}
		}
		rank, sorted := rankByValue(vs)
		want := slices.Clone(vs)
		slices.Sort(want)
		if !slices.Equal(sorted, want) {
			t.Fatalf("n=%d: sorted %v, want %v", n, sorted, want)
		}
		seen := make([]bool, n)
		for i, r := range rank {
			if sorted[r] != vs[i] || seen[r] {
				t.Fatalf("n=%d: rank[%d]=%d is wrong", n, i, r)
			}
			seen[r] = true
		}
	}
}

func TestOrderStatsQuantile(t *testing.T) {
	vs := []float64{5, 1, 4, 1, 9, 2, 6}
	rank, sorted := rankByValue(vs)
	f := newOrderStats(len(vs))
	var in []float64
	for i, v := range vs {
		f.add(rank[i], 1)
		in = append(in, v)
		for _, p := range []float64{0, 0.5, 0.9, 0.95, 0.99, 1} {
			got := f.quantile(sorted, p)
			if want := wantQuantile(in, p); math.Abs(got-*want) > 1e-12 {
				t.Errorf("after %d inserts p%v = %v, want %v", i+1, p, got, *want)
			}
		}
	}
	f.add(rank[4], -1) // delete the 9
	if got := f.quantile(sorted, 1); got != 6 {
		t.Errorf("max after delete = %v, want 6", got)
	}
}
