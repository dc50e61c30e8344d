package stats

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// Attainment is the one-sided test of a level's SLO attainment against
// its target: good of n requests were good. Lo and Hi are the exact
// (Clopper–Pearson) one-sided bounds at confidence 1 − alpha: the true
// share is at least Lo, and at most Hi, each with probability 1 − alpha.
// Clopper–Pearson is the binomial's own inverse (Beta quantiles, from
// gonum), so the bound holds at any n, unlike a normal approximation,
// and it is conservative near 0 and 1, where SLO targets live.
type Attainment struct {
	Good, N int64
	Share   float64 // good / n; NaN with n = 0
	Lo, Hi  float64
	// Decision: DecisionMeets when Lo ≥ target (the level holds the target
	// at confidence 1 − alpha), DecisionMisses when Hi < target, else
	// DecisionUndecided (the sample cannot tell the share from the target).
	Decision string
}

// Decisions of Attainment.
const (
	DecisionMeets     = "meets"
	DecisionMisses    = "misses"
	DecisionUndecided = "undecided"
)

// TestAttainment tests good of n against target at level alpha (0 <
// alpha < 1): see Attainment. A target of 1 can never be shown met (Lo <
// 1 for any n): such a level is met only when every request was good and
// the caller accepts the point estimate.
func TestAttainment(good, n int64, target, alpha float64) Attainment {
	a := Attainment{Good: good, N: n, Share: math.NaN(), Lo: 0, Hi: 1, Decision: DecisionUndecided}
	if n <= 0 || good < 0 || good > n {
		return a
	}
	a.Share = float64(good) / float64(n)
	if good > 0 {
		a.Lo = distuv.Beta{Alpha: float64(good), Beta: float64(n - good + 1)}.Quantile(alpha)
	}
	if good < n {
		a.Hi = distuv.Beta{Alpha: float64(good + 1), Beta: float64(n - good)}.Quantile(1 - alpha)
	}
	switch {
	case a.Lo >= target:
		a.Decision = DecisionMeets
	case a.Hi < target:
		a.Decision = DecisionMisses
	}
	return a
}
