package stats

import (
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"
)

// The significance tests of a comparison of two runs and of regression
// gates. Each takes the raw per-request values of two samples (sorted
// ascending; counts for rates) and answers whether the difference could
// be noise at level alpha.
//
//   - Medians: the Mann-Whitney U test, two-sided, normal approximation
//     with tie correction and continuity correction, as benchstat does.
//     It is distribution-free and tests a location shift, which is what a
//     slower or faster service produces. With n >= ~8 per side the
//     approximation is within about 0.01 of the exact p-value (the tests
//     check it against full enumeration).
//   - Tail quantiles (p90, p95, p99): a percentile bootstrap of the
//     difference of the two quantiles, BootstrapResamples replicates from
//     a fixed seed, so the output is deterministic. The U test answers a
//     question about the whole distribution, not the tail: a change
//     confined to the slowest 5% barely moves it. The bootstrap asks about
//     the p95 itself. Each replicate draws the two order statistics the
//     interpolated quantile needs directly (the k-th order statistic of n
//     uniforms is Beta(k, n-k+1); the next one is the minimum of the n-k
//     uniforms above it), which is exactly the distribution of a quantile
//     of a resample of n values, at O(1) cost per replicate whatever n: a
//     million-request run is as cheap as a small one. The p-value is
//     twice the smaller share of replicates on either side of 0 (with the
//     usual +1), so the smallest is about 2/(BootstrapResamples+1) =
//     0.0004: small enough for a Holm correction over a hundred tests.
//   - Failure rate: the two-proportion z-test (pooled); Fisher's exact
//     test when an expected cell count is under 5, where the normal
//     approximation fails.
//   - Rates (requests per second): the conditional test for two Poisson
//     rates (n1 events in t1 seconds vs n2 in t2: under equal rates n2
//     given n1+n2 is binomial with p = t2/(t1+t2)), normal approximation
//     with continuity correction. Closed-loop users send more regularly
//     than a Poisson process, so the test is conservative.
//   - Many tests read at once: the Holm-Bonferroni correction (Holm).
//
// gonum's distuv supplies the normal survival function and the Beta
// variates; gonum has no rank or exact tests, so those are here.

const (
	// BootstrapResamples is the number of bootstrap replicates.
	BootstrapResamples = 5000
	// bootstrapSeed seeds every bootstrap (the same for each test, so a
	// result does not depend on the order the tests run in).
	bootstrapSeed = 0x6c6c6d726570 // "llmrep"
)

// Test names (Result.Test).
const (
	TestMannWhitney = "mann-whitney-u"
	TestBootstrap   = "bootstrap"
	TestProportions = "two-proportion-z"
	TestFisher      = "fisher-exact"
	TestPoisson     = "poisson-rate"
)

// Result is the outcome of one significance test.
type Result struct {
	// Test names the test that was run (TestMannWhitney, ...).
	Test string
	// P is its p-value.
	P float64
	// Low and High bound the confidence interval of new - base at
	// 1 - alpha (the bootstrap only; nil for the other tests).
	Low, High *float64
}

// MannWhitney is the two-sided Mann-Whitney U test of xs against ys,
// both non-empty: normal approximation with tie and continuity
// correction. The p-value is 1 when every value is tied.
func MannWhitney(xs, ys Sorted) Result {
	return Result{Test: TestMannWhitney, P: mannWhitney(xs, ys)}
}

func mannWhitney(xs, ys Sorted) float64 {
	n1, n2 := float64(xs.Len()), float64(ys.Len())
	n := n1 + n2
	// Merge the sorted samples, giving tied values their mean rank.
	var r1, ties float64
	x, y := NewCursor(xs), NewCursor(ys)
	rank := 1.0
	for !x.Done() || !y.Done() {
		var v float64
		switch {
		case y.Done() || (!x.Done() && x.Peek() <= y.Peek()):
			v = x.Peek()
		default:
			v = y.Peek()
		}
		cx, cy := 0, 0
		for !x.Done() && x.Peek() == v {
			x.Next()
			cx++
		}
		for !y.Done() && y.Peek() == v {
			y.Next()
			cy++
		}
		t := float64(cx + cy)
		mid := rank + (t-1)/2
		r1 += float64(cx) * mid
		ties += t*t*t - t
		rank += t
	}
	u := r1 - n1*(n1+1)/2
	mu := n1 * n2 / 2
	sigma := math.Sqrt(n1 * n2 / 12 * ((n + 1) - ties/(n*(n-1))))
	if sigma == 0 || math.IsNaN(sigma) {
		return 1
	}
	z := math.Max(0, math.Abs(u-mu)-0.5) / sigma
	return math.Min(1, 2*distuv.UnitNormal.Survival(z))
}

// resampleQuantile draws the q-quantile (quantile_cont) of a bootstrap
// resample of sorted (n values with replacement) without building it: the
// resample's order statistics are sorted[floor(n·U)] of the order
// statistics U of n uniforms.
func resampleQuantile(sorted Sorted, q float64, src rand.Source, r *rand.Rand) float64 {
	n := sorted.Len()
	pos := q * float64(n-1)
	lo := math.Floor(pos)
	frac := pos - lo
	k := lo + 1 // 1-based rank of the lower order statistic
	at := func(u float64) float64 { return sorted.At(min(n-1, int(u*float64(n)))) }
	u := distuv.Beta{Alpha: k, Beta: float64(n) - k + 1, Src: src}.Rand()
	v := at(u)
	if frac == 0 {
		return v
	}
	// The next order statistic: the least of the n-k uniforms above u.
	m := float64(n) - k
	u2 := u + (1-u)*(1-math.Pow(r.Float64(), 1/m))
	return v + frac*(at(u2)-v)
}

// BootstrapQuantile compares the q-quantiles of base and new (both
// non-empty) by a percentile bootstrap of their difference (new - base),
// with its confidence interval at 1 - alpha.
func BootstrapQuantile(base, new Sorted, q, alpha float64) Result {
	src := rand.NewPCG(bootstrapSeed, uint64(math.Float64bits(q)))
	r := rand.New(src)
	d := make([]float64, BootstrapResamples)
	below, above := 0, 0
	for i := range d {
		d[i] = resampleQuantile(new, q, src, r) - resampleQuantile(base, q, src, r)
		if d[i] <= 0 {
			below++
		}
		if d[i] >= 0 {
			above++
		}
	}
	slices.Sort(d)
	lo := interpolate(alpha/2, len(d), func(k int) float64 { return d[k] })
	hi := interpolate(1-alpha/2, len(d), func(k int) float64 { return d[k] })
	p := math.Min(1, 2*float64(min(below, above)+1)/float64(BootstrapResamples+1))
	return Result{Test: TestBootstrap, P: p, Low: &lo, High: &hi}
}

// Proportions compares the proportions f1/n1 and f2/n2 (failure rates;
// n1, n2 > 0): the two-proportion z-test, or Fisher's exact test when an
// expected cell count is under 5.
func Proportions(f1, n1, f2, n2 int64) Result {
	pooled := float64(f1+f2) / float64(n1+n2)
	if pooled == 0 || pooled == 1 {
		return Result{Test: TestProportions, P: 1}
	}
	minExpected := math.Min(float64(min(n1, n2))*pooled, float64(min(n1, n2))*(1-pooled))
	if minExpected < 5 {
		return Result{Test: TestFisher, P: fisherExact(f1, n1, f2, n2)}
	}
	p1, p2 := float64(f1)/float64(n1), float64(f2)/float64(n2)
	se := math.Sqrt(pooled * (1 - pooled) * (1/float64(n1) + 1/float64(n2)))
	z := math.Abs(p2-p1) / se
	return Result{Test: TestProportions, P: math.Min(1, 2*distuv.UnitNormal.Survival(z))}
}

// fisherExact is the two-sided Fisher exact test of the 2×2 table
// [f1, n1-f1; f2, n2-f2]: the probability, under the hypergeometric law
// with the margins fixed, of a table no more likely than the observed one.
func fisherExact(f1, n1, f2, n2 int64) float64 {
	n, f := n1+n2, f1+f2
	lchoose := func(a, b int64) float64 {
		x, _ := math.Lgamma(float64(a + 1))
		y, _ := math.Lgamma(float64(b + 1))
		z, _ := math.Lgamma(float64(a - b + 1))
		return x - y - z
	}
	logp := func(k int64) float64 { return lchoose(n1, k) + lchoose(n2, f-k) - lchoose(n, f) }
	obs := logp(f1)
	var p float64
	for k := max(0, f-n2); k <= min(f, n1); k++ {
		if lp := logp(k); lp <= obs+1e-7 {
			p += math.Exp(lp)
		}
	}
	return math.Min(1, p)
}

// PoissonRates compares the rates c1/t1 and c2/t2 (t1, t2 > 0,
// c1+c2 > 0) by the conditional binomial test, normal approximation.
func PoissonRates(c1 int64, t1 float64, c2 int64, t2 float64) Result {
	total := float64(c1 + c2)
	pi := t2 / (t1 + t2)
	sd := math.Sqrt(total * pi * (1 - pi))
	if sd == 0 {
		return Result{Test: TestPoisson, P: 1}
	}
	z := math.Max(0, math.Abs(float64(c2)-total*pi)-0.5) / sd
	return Result{Test: TestPoisson, P: math.Min(1, 2*distuv.UnitNormal.Survival(z))}
}

// Holm is the Holm-Bonferroni correction of the p-values ps at level
// alpha: it says which of them stay significant when all are read at
// once. At alpha 0.05, 30 tests of samples that differ only by noise
// would flag one or two by chance; Holm keeps the chance of any false
// flag under alpha. The k-th smallest p-value (from 0) stays significant
// when it and every smaller one is under alpha/(m-k), m being len(ps).
func Holm(ps []float64, alpha float64) []bool {
	order := make([]int, len(ps))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case ps[a] < ps[b]:
			return -1
		case ps[a] > ps[b]:
			return 1
		}
		return 0
	})
	held := make([]bool, len(ps))
	for k, i := range order {
		if ps[i] >= alpha/float64(len(ps)-k) {
			break
		}
		held[i] = true
	}
	return held
}
