package stats

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestStepQuantiles feeds the values of a few steps in ascending order
// and checks each step's quantiles, the total's and every prefix's
// against sorting the values each set holds; with an order, a step's
// prefix is the steps before it in that order (a search's levels).
func TestStepQuantiles(t *testing.T) {
	ps, prefixPs := []float64{0.5, 0.9, 0.95, 0.99}, []float64{0.5, 0.99}
	tests := []struct {
		name  string
		steps []int
		n     []int64
		order []int
	}{
		{"no steps", nil, nil, nil},
		{"one step", []int{1}, []int64{50}, nil},
		{"dense, an empty step", []int{1, 2, 3, 5}, []int64{30, 0, 200, 7}, nil},
		{"sparse step numbers", []int{-3, 4, maxDenseStep + 9}, []int64{11, 40, 25}, nil},
		{"in another order", []int{1, 2, 3, 4, 5}, []int64{30, 12, 200, 7, 40}, []int{2, 0, 4, 1, 3}},
		{"sparse, in another order", []int{-3, 4, maxDenseStep + 9}, []int64{11, 40, 25}, []int{1, 2, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(3, uint64(len(tt.steps))))
			type value struct {
				x    float64
				step int
			}
			var vs []value
			for i, s := range tt.steps {
				for range tt.n[i] {
					vs = append(vs, value{float64(r.IntN(50)), s})
				}
			}
			// A value of a step without a set is counted nowhere.
			vs = append(vs, value{-1, 999})
			slices.SortStableFunc(vs, func(a, b value) int { return int(a.x - b.x) })
			sq := NewStepQuantilesInOrder(tt.steps, tt.n, tt.order, ps, prefixPs)
			rank := func(i int) int { // i's position in the prefixes' order
				if tt.order == nil {
					return i
				}
				return slices.Index(tt.order, i)
			}
			for _, v := range vs {
				i := sq.Add(v.x, int32(v.step))
				if want := slices.Index(tt.steps, v.step); i != want {
					t.Fatalf("Add(%v, step %d) = %d, want %d", v.x, v.step, i, want)
				}
			}
			steps, total, prefix := sq.Result()
			held := func(keep func(step int) bool) []float64 {
				var h []float64
				for _, v := range vs {
					if slices.Contains(tt.steps, v.step) && keep(v.step) {
						h = append(h, v.x)
					}
				}
				return h
			}
			check := func(what string, got []*float64, h []float64, ps []float64) {
				t.Helper()
				for j, p := range ps {
					want := Quantile(mem(h), p)
					if (got[j] == nil) != (want == nil) || got[j] != nil && *got[j] != *want {
						t.Errorf("%s p%v = %v, want %v", what, p, deref(got[j]), deref(want))
					}
				}
			}
			for i, s := range tt.steps {
				check("step", steps[i], held(func(x int) bool { return x == s }), ps)
				check("prefix", prefix[i], held(func(x int) bool { return rank(slices.Index(tt.steps, x)) < rank(i) }), prefixPs)
			}
			check("total", total, held(func(int) bool { return true }), ps)
		})
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// BenchmarkStepQuantilesAdd is the cost of one value fed to the step, run
// and prefix sets of a 20-step run.
func BenchmarkStepQuantilesAdd(b *testing.B) {
	const steps, per = 20, 50_000
	nums, n := make([]int, steps), make([]int64, steps)
	for i := range nums {
		nums[i], n[i] = i+1, per
	}
	step := make([]int32, steps*per)
	for i := range step {
		step[i] = int32(i%steps + 1)
	}
	b.ResetTimer()
	for b.Loop() {
		sq := NewStepQuantiles(nums, n, []float64{0.5, 0.9, 0.95, 0.99}, []float64{0.5, 0.99})
		for i, s := range step {
			sq.Add(float64(i), s)
		}
	}
}
