package stats

import (
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

// TestQuantileSeries feeds values in ascending order, each to a random
// range of points, and checks every point's quantiles against sorting the
// values that point holds.
func TestQuantileSeries(t *testing.T) {
	ps := []float64{0, 0.5, 0.9, 0.95, 0.99, 1}
	tests := []struct {
		name    string
		points  int
		samples int
		values  func(*rand.Rand) float64
		minN    int64
	}{
		{"empty", 0, 0, nil, 1},
		{"no samples", 5, 0, nil, 1},
		{"one point", 1, 7, func(r *rand.Rand) float64 { return r.Float64() }, 1},
		{"ties", 40, 2000, func(r *rand.Rand) float64 { return float64(r.IntN(5)) }, 1},
		{"spread", 200, 5000, func(r *rand.Rand) float64 { return r.ExpFloat64() * 1e3 }, 1},
		{"gaps below minN", 50, 300, func(r *rand.Rand) float64 { return -r.Float64() }, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, uint64(tt.points)))
			type sample struct {
				x    float64
				f, l int
			}
			ss := make([]sample, tt.samples)
			for i := range ss {
				f := rng.IntN(tt.points + 2) // some beyond the last point
				ss[i] = sample{tt.values(rng), f, f + rng.IntN(12) - 2}
			}
			sort.SliceStable(ss, func(i, j int) bool { return ss[i].x < ss[j].x })
			held := make([][]float64, tt.points)
			for _, s := range ss {
				for i := max(0, s.f); i <= min(s.l, tt.points-1); i++ {
					held[i] = append(held[i], s.x)
				}
			}
			n := make([]int64, tt.points)
			for i := range held {
				n[i] = int64(len(held[i]))
			}
			for _, flat := range []bool{false, true} {
				q := NewQuantileSeries(n, ps, tt.minN, flat)
				for _, s := range ss {
					q.Add(s.x, s.f, s.l)
				}
				got := q.Result()
				for i, h := range held {
					slices.Sort(h)
					for j, p := range ps {
						if int64(len(h)) < tt.minN || len(h) == 0 {
							if got[j][i] != nil {
								t.Fatalf("point %d p%v = %v, want a gap (%d samples)", i, p, *got[j][i], len(h))
							}
							continue
						}
						want := interpolate(p, len(h), func(k int) float64 { return h[k] })
						if got[j][i] == nil || *got[j][i] != want {
							t.Fatalf("flat %v: point %d p%v = %v, want %v", flat, i, p, got[j][i], want)
						}
					}
				}
			}
		})
	}
}
