package stats

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// alpha is the significance level of the calibration tests.
const alpha = 0.05

// mem is a sample in memory, sorted ascending.
type mem []float64

func (m mem) Len() int         { return len(m) }
func (m mem) At(i int) float64 { return m[i] }
func (m mem) Fill(i int, buf []float64) int {
	return copy(buf, m[i:])
}

func sorted(v ...float64) []float64 {
	v = slices.Clone(v)
	slices.Sort(v)
	return v
}

// exactMannWhitney is the two-sided exact p-value of the U test by
// enumerating every split of the pooled values (distinct values only).
func exactMannWhitney(x, y []float64) float64 {
	all := append(slices.Clone(x), y...)
	slices.Sort(all)
	rank := map[float64]int{}
	for i, v := range all {
		rank[v] = i + 1
	}
	n1, n := len(x), len(all)
	r1 := 0
	for _, v := range x {
		r1 += rank[v]
	}
	mu := float64(n1*(n+1)) / 2
	obs := math.Abs(float64(r1) - mu)
	var hit, total int
	var rec func(start, left, sum int)
	rec = func(start, left, sum int) {
		if left == 0 {
			total++
			if math.Abs(float64(sum)-mu) >= obs-1e-9 {
				hit++
			}
			return
		}
		for r := start; r <= n-left+1; r++ {
			rec(r+1, left-1, sum+r)
		}
	}
	rec(1, n1, 0)
	return float64(hit) / float64(total)
}

func TestUTest(t *testing.T) {
	tests := []struct {
		name string
		x, y []float64
		want float64 // the normal approximation, by hand; <0: compare with the exact test
		tol  float64
	}{
		// U = 0, sigma² = 25·11/12: z = (12.5-0.5)/4.78714 = 2.50671.
		{"separated, by hand", sorted(1, 2, 3, 4, 5), sorted(6, 7, 8, 9, 10), 0.012186, 0.00001},
		{"all tied", sorted(3, 3, 3), sorted(3, 3, 3, 3), 1, 0},
		{"identical", sorted(1, 2, 3, 4), sorted(1, 2, 3, 4), 1, 0},
		{"separated n=7", sorted(1, 2, 3, 4, 5, 6, 7), sorted(8, 9, 10, 11, 12, 13, 14), -1, 0.002},
		{"overlap n=8", sorted(1, 3, 4, 6, 9, 10, 12, 15), sorted(2, 5, 7, 8, 11, 13, 14, 16), -1, 0.015},
		{"shifted n=8", sorted(1, 2, 4, 5, 7, 9, 10, 13), sorted(3, 6, 8, 11, 12, 14, 15, 16), -1, 0.01},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.want
			if want < 0 {
				want = exactMannWhitney(tt.x, tt.y)
			}
			got := MannWhitney(mem(tt.x), mem(tt.y)).P
			if math.Abs(got-want) > tt.tol {
				t.Errorf("p = %.6f, want %.6f ± %g", got, want, tt.tol)
			}
			if back := MannWhitney(mem(tt.y), mem(tt.x)).P; math.Abs(back-got) > 1e-12 {
				t.Errorf("not symmetric: %v vs %v", got, back)
			}
		})
	}
}

func logNormal(r *rand.Rand, n int, median, sigma float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = median * math.Exp(sigma*r.NormFloat64())
	}
	slices.Sort(v)
	return v
}

// TestSignificanceCalibration checks that each test rejects about alpha
// of the time when nothing differs, and nearly always when one sample is
// 1.3 times slower.
func TestSignificanceCalibration(t *testing.T) {
	tests := []struct {
		name   string
		trials int
		n      int
		p      func(x, y []float64) float64
	}{
		{"mann-whitney", 400, 60, func(x, y []float64) float64 { return MannWhitney(mem(x), mem(y)).P }},
		{"bootstrap p95", 120, 200, func(x, y []float64) float64 {
			return BootstrapQuantile(mem(x), mem(y), 0.95, alpha).P
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(7, 7))
			null, power := 0, 0
			for range tt.trials {
				a := logNormal(r, tt.n, 400, 0.25)
				if tt.p(a, logNormal(r, tt.n, 400, 0.25)) < alpha {
					null++
				}
				if tt.p(a, logNormal(r, tt.n, 520, 0.25)) < alpha {
					power++
				}
			}
			rate := float64(null) / float64(tt.trials)
			if rate < 0.01 || rate > 0.10 {
				t.Errorf("false positives %.3f under no difference, want about %.2f", rate, alpha)
			}
			if pw := float64(power) / float64(tt.trials); pw < 0.9 {
				t.Errorf("power %.3f against a 1.3x slowdown, want >= 0.9", pw)
			}
		})
	}
}

// TestResampleQuantile checks the order-statistic shortcut against
// resampling explicitly: the two bootstrap distributions of the p95 agree.
func TestResampleQuantile(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	x := logNormal(r, 41, 400, 0.3)
	const reps = 20000
	src := rand.NewPCG(3, 4)
	fast := rand.New(src)
	var m1, s1, m2, s2 float64
	buf := make([]float64, len(x))
	for range reps {
		a := resampleQuantile(mem(x), 0.95, src, fast)
		for i := range buf {
			buf[i] = x[r.IntN(len(x))]
		}
		slices.Sort(buf)
		b := *Quantile(mem(buf), 0.95)
		m1, s1, m2, s2 = m1+a, s1+a*a, m2+b, s2+b*b
	}
	m1, m2 = m1/reps, m2/reps
	sd1, sd2 := math.Sqrt(s1/reps-m1*m1), math.Sqrt(s2/reps-m2*m2)
	if math.Abs(m1-m2) > 0.02*m2 || math.Abs(sd1-sd2) > 0.08*sd2 {
		t.Errorf("shortcut mean %.1f sd %.1f, explicit resampling mean %.1f sd %.1f", m1, sd1, m2, sd2)
	}
}

func TestBootstrapDeterministic(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	x, y := logNormal(r, 100, 400, 0.25), logNormal(r, 100, 430, 0.25)
	a, b := BootstrapQuantile(mem(x), mem(y), 0.95, 0.05), BootstrapQuantile(mem(x), mem(y), 0.95, 0.05)
	if a.P != b.P || *a.Low != *b.Low || *a.High != *b.High {
		t.Errorf("two bootstraps differ: %+v %+v", a, b)
	}
	if !(*a.Low <= *a.High) {
		t.Errorf("interval [%v, %v]", *a.Low, *a.High)
	}
}

func TestRateTests(t *testing.T) {
	tests := []struct {
		name           string
		f1, n1, f2, n2 int64
		test           string
		want, tol      float64
	}{
		// Fisher's tea-tasting table [[3,1],[1,3]]: p = 34/70.
		{"fisher tea", 3, 4, 1, 4, TestFisher, 34.0 / 70, 1e-9},
		// Expected counts of 5 and more: the z-test. pooled 0.5, se
		// 0.207020, z = (11/14 - 0.1)/se = 3.3123: p = 0.000925.
		{"z-test at the border", 1, 10, 11, 14, TestProportions, 0.000925, 0.000005},
		// pooled 0.02, se 0.0062610, z 3.1944: p = 0.001401.
		{"z-test", 10, 1000, 30, 1000, TestProportions, 0.001401, 0.000005},
		{"no failures", 0, 500, 0, 700, TestProportions, 1, 0},
		{"all failures", 500, 500, 700, 700, TestProportions, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Proportions(tt.f1, tt.n1, tt.f2, tt.n2)
			if r.Test != tt.test || math.Abs(r.P-tt.want) > tt.tol {
				t.Errorf("%s p = %.6f, want %s %.6f", r.Test, r.P, tt.test, tt.want)
			}
		})
	}
}

func TestFisherExact(t *testing.T) {
	tests := []struct {
		f1, n1, f2, n2 int64
		want           float64
	}{
		{3, 4, 1, 4, 34.0 / 70},
		// R: fisher.test(matrix(c(1,11,9,3), 2))$p.value = 0.002759.
		{1, 10, 11, 14, 0.002759},
		{0, 10, 0, 10, 1},
	}
	for _, tt := range tests {
		if p := fisherExact(tt.f1, tt.n1, tt.f2, tt.n2); math.Abs(p-tt.want) > 1e-6 {
			t.Errorf("fisherExact(%d/%d, %d/%d) = %.7f, want %.7f", tt.f1, tt.n1, tt.f2, tt.n2, p, tt.want)
		}
	}
}

func TestPoissonRates(t *testing.T) {
	tests := []struct {
		name   string
		c1     int64
		t1     float64
		c2     int64
		t2     float64
		lo, hi float64
	}{
		{"equal", 1000, 100, 1000, 100, 1, 1},
		{"equal rates, other spans", 1000, 100, 500, 50, 0.9, 1},
		// 1200 vs 1000 in 100 s: z = 99.5/sqrt(550) = 4.243.
		{"20% more", 1000, 100, 1200, 100, 2.1e-5, 2.3e-5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if p := PoissonRates(tt.c1, tt.t1, tt.c2, tt.t2).P; p < tt.lo || p > tt.hi {
				t.Errorf("p = %g, want in [%g, %g]", p, tt.lo, tt.hi)
			}
		})
	}
}

func TestHolm(t *testing.T) {
	tests := []struct {
		name string
		ps   []float64
		want []bool
	}{
		{"none", nil, []bool{}},
		// 0.01 < 0.05/3, 0.02 < 0.05/2, 0.04 < 0.05/1.
		{"all hold", []float64{0.04, 0.01, 0.02}, []bool{true, true, true}},
		// 0.03 >= 0.05/2: it and every larger p-value fail.
		{"stops at the first", []float64{0.03, 0.001, 0.03}, []bool{false, true, false}},
		// Alone under alpha, but not under alpha/3.
		{"corrected away", []float64{0.02, 0.5, 0.9}, []bool{false, false, false}},
		{"ties", []float64{0.01, 0.01, 0.3}, []bool{true, true, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Holm(tt.ps, 0.05); !slices.Equal(got, tt.want) {
				t.Errorf("Holm(%v) = %v, want %v", tt.ps, got, tt.want)
			}
		})
	}
}

// TestCursorAcrossBlocks reads a sample longer than a cursor's block and
// checks every value in order, and the U test on it against its mirror.
func TestCursorAcrossBlocks(t *testing.T) {
	x := make([]float64, 10_000)
	for i := range x {
		x[i] = float64(i)
	}
	k := NewCursor(mem(x))
	for i := range x {
		if k.Done() || k.Peek() != x[i] {
			t.Fatalf("value %d: done %v, want %v", i, k.Done(), x[i])
		}
		k.Next()
	}
	if !k.Done() {
		t.Fatal("not done after the last value")
	}
	if p := MannWhitney(mem(x), mem(x)).P; p != 1 {
		t.Errorf("U test of a sample against itself: p = %v, want 1", p)
	}
	if Quantile(mem(nil), 0.5) != nil {
		t.Error("the quantile of an empty sample is not nil")
	}
}
