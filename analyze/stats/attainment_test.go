package stats

import (
	"math"
	"testing"
)

// TestAttainmentBounds checks the Clopper–Pearson bounds against values
// with a known answer and the decisions they give.
func TestAttainmentBounds(t *testing.T) {
	for _, c := range []struct {
		name          string
		good, n       int64
		target, alpha float64
		lo, hi        float64 // want, to 1e-4
		decision      string
	}{
		// All of n good: Lo = alpha^(1/n) (the "rule of three" family).
		{"all good, n=30", 30, 30, 0.9, 0.05, math.Pow(0.05, 1.0/30), 1, DecisionMeets},
		{"all good, n=20", 20, 20, 0.9, 0.05, math.Pow(0.05, 1.0/20), 1, DecisionUndecided},
		// None good: Hi = 1 − alpha^(1/n).
		{"none good", 0, 10, 0.9, 0.05, 0, 1 - math.Pow(0.05, 1.0/10), DecisionMisses},
		// 45 of 50 at 90%: the point estimate is on the target: undecided.
		// Otherwise the bounds are defined by the binomial tails:
		// P(X ≥ good | Lo) = alpha = P(X ≤ good | Hi) (NaN: checked so).
		{"on the target", 45, 50, 0.9, 0.05, math.NaN(), math.NaN(), DecisionUndecided},
		{"well above", 990, 1000, 0.9, 0.05, math.NaN(), math.NaN(), DecisionMeets},
		{"well below", 700, 1000, 0.9, 0.05, math.NaN(), math.NaN(), DecisionMisses},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := TestAttainment(c.good, c.n, c.target, c.alpha)
			if math.IsNaN(c.lo) {
				var up, down float64
				for k := int64(0); k <= c.n; k++ {
					if k >= c.good {
						up += binomPMF(c.n, k, a.Lo)
					}
					if k <= c.good {
						down += binomPMF(c.n, k, a.Hi)
					}
				}
				if math.Abs(up-c.alpha) > 1e-6 || math.Abs(down-c.alpha) > 1e-6 {
					t.Errorf("bounds [%.5f, %.5f]: tails %.6f and %.6f, want %g", a.Lo, a.Hi, up, down, c.alpha)
				}
			} else if math.Abs(a.Lo-c.lo) > 1e-4 || math.Abs(a.Hi-c.hi) > 1e-4 {
				t.Errorf("bounds [%.5f, %.5f], want [%.5f, %.5f]", a.Lo, a.Hi, c.lo, c.hi)
			}
			if a.Decision != c.decision {
				t.Errorf("decision %s, want %s", a.Decision, c.decision)
			}
		})
	}
	if a := TestAttainment(0, 0, 0.9, 0.05); a.Decision != DecisionUndecided || !math.IsNaN(a.Share) {
		t.Errorf("no requests: %+v, want undecided with no share", a)
	}
}

// TestAttainmentCoverage: the lower bound is below the true share in at
// least 1 − alpha of samples (checked exactly over the binomial).
func TestAttainmentCoverage(t *testing.T) {
	const n, p, alpha = 60, 0.9, 0.05
	miss := 0.0
	for k := int64(0); k <= n; k++ {
		if TestAttainment(k, n, p, alpha).Lo > p {
			miss += binomPMF(n, k, p)
		}
	}
	if miss > alpha {
		t.Errorf("the lower bound is above the true share with probability %.4f, more than alpha %.2f", miss, alpha)
	}
}

func binomPMF(n, k int64, p float64) float64 {
	lg := func(x float64) float64 { v, _ := math.Lgamma(x); return v }
	return math.Exp(lg(float64(n+1)) - lg(float64(k+1)) - lg(float64(n-k+1)) + float64(k)*math.Log(p) + float64(n-k)*math.Log(1-p))
}
