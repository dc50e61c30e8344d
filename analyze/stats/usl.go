package stats

import (
	"math"

	"gonum.org/v1/gonum/optimize"
)

// USL is a fit of the Universal Scalability Law to a closed loop's
// throughput at each concurrency N:
//
//	X(N) = λ·N / (1 + σ·(N − 1) + κ·N·(N − 1))
//
// λ is the throughput of one user, σ the contention (the serial share of
// the work) and κ the coherency cost (crosstalk, growing with the square
// of N). With κ > 0 throughput peaks at N* = √((1 − σ)/κ) and falls
// beyond it; with κ = 0 it rises towards λ/σ.
type USL struct {
	Lambda, Sigma, Kappa float64
	// R2 is the fit's coefficient of determination over the points, RMSE
	// its root-mean-square error (req/s).
	R2, RMSE float64
	// PeakN and PeakX: where the fitted curve peaks and its throughput
	// there; +Inf and λ/σ when it never peaks (κ = 0); NaN without either.
	PeakN, PeakX float64
	// Points is how many (N, X) pairs were fitted.
	Points int
}

// X is the fitted throughput at concurrency n.
func (u USL) X(n float64) float64 {
	return u.Lambda * n / (1 + u.Sigma*(n-1) + u.Kappa*n*(n-1))
}

// MinUSLPoints is the fewest distinct levels FitUSL fits: three parameters
// need a fourth point to leave a residual.
const MinUSLPoints = 4

// FitUSL fits the USL to throughput xs at concurrencies ns (N ≥ 1, X ≥ 0)
// by nonlinear least squares: gonum's Nelder–Mead minimises the sum of
// squared residuals over λ, σ, κ ≥ 0 (each the square of the variable
// searched, so the bounds hold without a constrained solver), from a start
// read off the data (λ from the lowest level's throughput per user). ok is
// false with fewer than MinUSLPoints distinct N or when the solver fails.
func FitUSL(ns, xs []float64) (USL, bool) {
	if len(ns) != len(xs) {
		return USL{}, false
	}
	lo, ok := uslInput(ns, xs)
	if !ok {
		return USL{}, false
	}
	lambda0 := xs[lo] / ns[lo]
	if !(lambda0 > 0) {
		lambda0 = 1
	}
	// Searched in a scaled space: λ = λ0·a², σ = b², κ = c²/100 keep the
	// three of a similar size for the simplex.
	params := func(v []float64) (l, s, k float64) { return lambda0 * v[0] * v[0], v[1] * v[1], v[2] * v[2] / 100 }
	sse := func(v []float64) float64 {
		l, s, k := params(v)
		u := USL{Lambda: l, Sigma: s, Kappa: k}
		var sum float64
		for i, n := range ns {
			d := xs[i] - u.X(n)
			sum += d * d
		}
		return sum
	}
	best := math.Inf(1)
	var bestX []float64
	// A few starts: the simplex can settle in the wrong valley when σ and
	// κ trade off; the least sum of squares wins.
	for _, start := range [][]float64{{1, 0.3, 0.1}, {1, 0.1, 0.01}, {1, 0.5, 0.3}, {1.2, 0.05, 0.001}} {
		res, err := optimize.Minimize(optimize.Problem{Func: sse}, start,
			&optimize.Settings{FuncEvaluations: 20000, Converger: &optimize.FunctionConverge{Absolute: 1e-12, Relative: 1e-12, Iterations: 200}},
			&optimize.NelderMead{})
		if err != nil || res == nil {
			continue
		}
		if res.F < best {
			best, bestX = res.F, res.X
		}
	}
	if bestX == nil {
		return USL{}, false
	}
	l, s, k := params(bestX)
	u := USL{Lambda: l, Sigma: s, Kappa: k, Points: len(ns), PeakN: math.NaN(), PeakX: math.NaN()}
	u.RMSE, u.R2 = fitQuality(xs, best)
	switch {
	case k > 0 && s < 1:
		u.PeakN = math.Sqrt((1 - s) / k)
		u.PeakX = u.X(u.PeakN)
	case k == 0 && s > 0:
		u.PeakN, u.PeakX = math.Inf(1), l/s
	}
	return u, true
}

// fitQuality is the root mean square error and R² of a fit to xs whose
// sum of squared errors is sse (R² NaN when every x is the same).
func fitQuality(xs []float64, sse float64) (rmse, r2 float64) {
	var mean float64
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	var tot float64
	for _, x := range xs {
		tot += (x - mean) * (x - mean)
	}
	r2 = 1 - sse/tot
	if tot == 0 {
		r2 = math.NaN()
	}
	return math.Sqrt(sse / float64(len(xs))), r2
}

// uslInput checks the points of a fit (every n at least 1, every x at
// least 0, both finite, MinUSLPoints distinct n) and returns the index of
// the lowest n.
func uslInput(ns, xs []float64) (lo int, ok bool) {
	distinct := map[float64]bool{}
	lo = -1
	for i, n := range ns {
		if !(n >= 1) || !(xs[i] >= 0) || math.IsInf(n, 0) || math.IsInf(xs[i], 0) {
			return 0, false
		}
		distinct[n] = true
		if lo < 0 || n < ns[lo] {
			lo = i
		}
	}
	if len(distinct) < MinUSLPoints {
		return 0, false
	}
	return lo, true
}
