package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestFitUSL: on throughput generated from known λ, σ, κ with 2% noise the
// fit recovers them within stated tolerances and finds the peak; on linear
// throughput κ ≈ 0 (no peak within reach); with fewer than four levels it
// refuses.
func TestFitUSL(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	gen := func(u USL, ns []float64, noise float64) []float64 {
		xs := make([]float64, len(ns))
		for i, n := range ns {
			xs[i] = u.X(n) * (1 + noise*rng.NormFloat64())
		}
		return xs
	}
	ns := []float64{1, 2, 4, 8, 12, 16, 24, 32, 48, 64}
	for _, c := range []struct {
		name string
		true USL
	}{
		{"contention and crosstalk", USL{Lambda: 10, Sigma: 0.05, Kappa: 0.002}},
		{"strong crosstalk", USL{Lambda: 4, Sigma: 0.1, Kappa: 0.01}},
	} {
		t.Run(c.name, func(t *testing.T) {
			u, ok := FitUSL(ns, gen(c.true, ns, 0.02))
			if !ok {
				t.Fatal("no fit")
			}
			truePeak := math.Sqrt((1 - c.true.Sigma) / c.true.Kappa)
			t.Logf("fit λ %.3f σ %.4f κ %.5f R² %.4f, peak %.1f users at %.1f/s (true %.1f at %.1f)",
				u.Lambda, u.Sigma, u.Kappa, u.R2, u.PeakN, u.PeakX, truePeak, c.true.X(truePeak))
			if math.Abs(u.Lambda-c.true.Lambda) > 0.05*c.true.Lambda || math.Abs(u.Sigma-c.true.Sigma) > 0.03 ||
				math.Abs(u.Kappa-c.true.Kappa) > 0.3*c.true.Kappa {
				t.Errorf("fit λ %g σ %g κ %g, want %g %g %g (λ within 5%%, σ within 0.03, κ within 30%%)",
					u.Lambda, u.Sigma, u.Kappa, c.true.Lambda, c.true.Sigma, c.true.Kappa)
			}
			if u.R2 < 0.95 || math.Abs(u.PeakN-truePeak) > 0.2*truePeak || math.Abs(u.PeakX-c.true.X(truePeak)) > 0.05*c.true.X(truePeak) {
				t.Errorf("R² %g, peak %g at %g; want R² ≥ 0.95 and the peak within 20%% (users) and 5%% (throughput)", u.R2, u.PeakN, u.PeakX)
			}
		})
	}
	t.Run("linear", func(t *testing.T) {
		xs := make([]float64, len(ns))
		for i, n := range ns {
			xs[i] = 3 * n
		}
		u, ok := FitUSL(ns, xs)
		if !ok || u.Kappa > 1e-5 || u.Sigma > 1e-3 || math.Abs(u.Lambda-3) > 0.01 {
			t.Errorf("linear data: fit %+v (ok %v), want λ 3, σ ≈ 0, κ ≈ 0", u, ok)
		}
	})
	t.Run("too few levels", func(t *testing.T) {
		if _, ok := FitUSL([]float64{1, 2}, []float64{5, 9}); ok {
			t.Error("fitted two levels")
		}
		if _, ok := FitUSL([]float64{1, 2, 2, 4, 4}, []float64{5, 9, 9.1, 15, 15.2}); ok {
			t.Error("fitted three distinct levels")
		}
	})
}
