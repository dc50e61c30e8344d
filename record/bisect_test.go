package record

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/llmrec/llmrec/analyze/stats"
	"github.com/llmrec/llmrec/schemas"
)

// TestBisection runs the search's level choice against a service whose
// capacity is known: a level meets the SLO when it is at most capacity.
// The levels probed, the bracket and the end reason are the answer.
func TestBisection(t *testing.T) {
	for _, c := range []struct {
		name     string
		b        Bisection
		capacity float64
		levels   []float64
		met      float64 // NaN: none
		missed   float64
		end      string
	}{
		{"rates: double, then bisect to 10%",
			Bisection{Start: 1, Min: 0.05, Max: 1000, Resolution: 0.1, Relative: true}, 24,
			[]float64{1, 2, 4, 8, 16, 32, 24, 28, 26}, 24, 26, schemas.SearchBracketed},
		{"users: whole levels, one user wide",
			Bisection{Start: 1, Min: 1, Max: 100, Integer: true, Resolution: 0.01, Relative: true}, 13,
			[]float64{1, 2, 4, 8, 16, 12, 14, 13}, 13, 14, schemas.SearchBracketed},
		{"users: the default 10% stops before one user",
			Bisection{Start: 10, Min: 1, Max: 1000, Integer: true, Resolution: 0.1, Relative: true}, 57,
			[]float64{10, 20, 40, 80, 60, 50, 55}, 55, 60, schemas.SearchBracketed},
		{"absolute resolution in req/s",
			Bisection{Start: 10, Min: 0.05, Max: 1000, Resolution: 2}, 33,
			[]float64{10, 20, 40, 30, 35, 32.5, 33.8}, 32.5, 33.8, schemas.SearchBracketed},
		{"start above capacity: halve, then bisect",
			Bisection{Start: 100, Min: 0.05, Max: 1000, Resolution: 0.1, Relative: true}, 30,
			[]float64{100, 50, 25, 37.5, 31.3, 28.2}, 28.2, 31.3, schemas.SearchBracketed},
		{"every level met up to the maximum",
			Bisection{Start: 5, Min: 0.05, Max: 30, Resolution: 0.1, Relative: true}, 1000,
			[]float64{5, 10, 20, 30}, 30, math.NaN(), schemas.SearchMaxLevel},
		{"no level met down to the minimum user",
			Bisection{Start: 8, Min: 1, Max: 100, Integer: true, Resolution: 0.1, Relative: true}, 0,
			[]float64{8, 4, 2, 1}, math.NaN(), 1, schemas.SearchNoLevelMet},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := NewBisection(c.b)
			var levels []float64
			for l, ok := b.Next(); ok; l, ok = b.Next() {
				levels = append(levels, l)
				if len(levels) > 50 {
					t.Fatalf("no end after %v", levels)
				}
				b.Record(l, l <= c.capacity)
			}
			if !slices.Equal(levels, c.levels) {
				t.Errorf("levels %v, want %v", levels, c.levels)
			}
			met, missed := b.Bracket()
			same := func(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }
			if !same(met, c.met) || !same(missed, c.missed) {
				t.Errorf("bracket [%g, %g], want [%g, %g]", met, missed, c.met, c.missed)
			}
			if b.End() != c.end {
				t.Errorf("end %q, want %q", b.End(), c.end)
			}
		})
	}
}

// TestSearchDecide is the stopping rule of one probe: decided only when
// the sample tells the attainment from the target, else extended, then
// inconclusive; failures over the threshold miss whatever the SLO says,
// and so does a step below the target on its own (llmrep's rule: a level
// holds when each of its steps met); an extension pools the level's steps.
func TestSearchDecide(t *testing.T) {
	sc := SearchConfig{Target: 0.9, Alpha: 0.05, ErrorThreshold: 0.01}
	for _, c := range []struct {
		name                string
		due, good, failures int64
		mayExtend           bool
		verdict, reason     string
	}{
		{"30 of 30 good: shown above 90%", 30, 30, 0, true, schemas.ProbeMeets, ""},
		{"20 of 20 good: too few to show it", 20, 20, 0, true, schemas.ProbeExtend, ""},
		{"20 of 20 good, no extension left", 20, 20, 0, false, schemas.ProbeInconclusive, ""},
		{"90 of 100: on the target", 100, 90, 0, true, schemas.ProbeExtend, ""},
		{"70 of 100: shown below", 100, 70, 0, true, schemas.ProbeMisses, "slo"},
		{"all good but 2% failed", 200, 196, 4, true, schemas.ProbeMisses, "errors"},
		{"nothing due: llmrep's rule is not met", 0, 0, 0, true, schemas.ProbeMisses, "slo"},
		{"19 of 20: 95%, too few to show it", 20, 19, 0, true, schemas.ProbeExtend, ""},
		{"17 of 20: below the target on its own", 20, 17, 0, true, schemas.ProbeMisses, "slo"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := schemas.Probe{Level: 10, Due: c.due, Good: c.good, Failures: c.failures}
			decide(&p, &sc, stepMeets(p, &sc), c.mayExtend)
			if p.Verdict != c.verdict || p.Reason != c.reason {
				t.Errorf("verdict %s (%s), want %s (%s); bounds [%.3f, %.3f]", p.Verdict, p.Reason, c.verdict, c.reason, p.Lo, p.Hi)
			}
		})
	}
}

// TestSweepRates: n rates evenly spaced above the synchronous rate up to
// the throughput rate, guidellm's spacing; from 0 when throughput is not
// above the synchronous rate; none without a throughput.
func TestSweepRates(t *testing.T) {
	for _, c := range []struct {
		sync, thr float64
		n         int
		want      []float64
	}{
		{8, 64, 4, []float64{22, 36, 50, 64}},
		{1, 10, 3, []float64{4, 7, 10}},
		{5, 5, 2, []float64{2.5, 5}},
		{0, 9, 3, []float64{3, 6, 9}},
		{5, 0, 3, nil},
		{5, 10, 0, nil},
	} {
		if got := SweepRates(c.sync, c.thr, c.n); !slices.Equal(got, c.want) {
			t.Errorf("SweepRates(%g, %g, %d) = %v, want %v", c.sync, c.thr, c.n, got, c.want)
		}
	}
}

// TestSearchDecidePooled: a level's steps pooled show the target met, but
// one of its steps missed it on its own: llmrep would not hold the level,
// so neither does the search.
func TestSearchDecidePooled(t *testing.T) {
	sc := SearchConfig{Target: 0.9, Alpha: 0.05, ErrorThreshold: 0.01}
	first := schemas.Probe{Level: 10, Due: 20, Good: 17}
	second := schemas.Probe{Level: 10, Due: 300, Good: 299}
	pooled := schemas.Probe{Level: 10, Due: 320, Good: 316}
	decide(&pooled, &sc, stepMeets(first, &sc) && stepMeets(second, &sc), true)
	if pooled.Verdict != schemas.ProbeMisses {
		t.Errorf("verdict %s, want misses: the first step was below the target on its own", pooled.Verdict)
	}
	pooled = schemas.Probe{Level: 10, Due: 320, Good: 318}
	decide(&pooled, &sc, stepMeets(schemas.Probe{Level: 10, Due: 20, Good: 19}, &sc) && stepMeets(second, &sc), true)
	if pooled.Verdict != schemas.ProbeMeets {
		t.Errorf("verdict %s, want meets: each step met on its own and the pooled test shows it", pooled.Verdict)
	}
}

// TestSearchFirstRate: a level is tested at most ProbeLooks times in each
// of its 1 + MaxExtend probes, each test at Alpha over that many; the
// smallest all-good sample that shows the target at that alpha is the one
// the exact test first decides (one fewer does not), and the first rate is
// the one whose probe holds it, a fifth more, rounded up; AutoStart starts
// the bisection there, never above Max, and a closed loop keeps its Start.
// A probe without a warmup is tested only at its end.
func TestSearchFirstRate(t *testing.T) {
	sc := DefaultSearchConfig(DefaultConfig())
	sc.Probe = 10 * time.Second
	if sc.ProbeLooks() != 5 || sc.MaxLooks() != 15 {
		t.Errorf("%d looks a probe, %d a level: want 5 and 15", sc.ProbeLooks(), sc.MaxLooks())
	}
	if got := sc.LookAlpha(); math.Abs(got-0.05/15) > 1e-15 {
		t.Errorf("LookAlpha %g, want 0.05/15", got)
	}
	n := sc.DecisiveRequests()
	if n != 55 {
		t.Errorf("DecisiveRequests %d, want 55 (0.00333^(1/55) ≥ 0.9)", n)
	}
	if a := stats.TestAttainment(n, n, sc.Target, sc.LookAlpha()); a.Decision != stats.DecisionMeets {
		t.Errorf("%d of %d good: %s, want meets", n, n, a.Decision)
	}
	if a := stats.TestAttainment(n-1, n-1, sc.Target, sc.LookAlpha()); a.Decision == stats.DecisionMeets {
		t.Errorf("%d of %d good already meets: DecisiveRequests is not the smallest", n-1, n-1)
	}
	if got := sc.DecidableRate(); got != 6.6 {
		t.Errorf("DecidableRate %g, want 6.6 (1.2 × 55 / 10 s, rounded up)", got)
	}
	if at := sc.lookTimes(3e6); !slices.Equal(at, []int64{5e6, 7e6, 9e6, 11e6, 13e6}) {
		t.Errorf("looks of a 10 s probe measured from 3 s at %v µs, want every 2 s to 13 s", at)
	}
	cold := sc
	cold.Warmup = 0
	if cold.ProbeLooks() != 1 || cold.MaxLooks() != 3 {
		t.Errorf("without a warmup: %d looks a probe, %d a level; want 1 and 3", cold.ProbeLooks(), cold.MaxLooks())
	}
	sc.AutoStart = true
	if lvl, _ := sc.bisection().Next(); lvl != 6.6 {
		t.Errorf("first level %g, want 6.6", lvl)
	}
	sc.Max = 3
	if lvl, _ := sc.bisection().Next(); lvl != 3 {
		t.Errorf("first level %g with max 3, want 3", lvl)
	}
	sc.Max, sc.Start = 100, 8
	if lvl, _ := sc.bisection().Next(); lvl != 8 {
		t.Errorf("first level %g from 8, want 8 (above the decidable rate)", lvl)
	}
	sc.Run.OpenLoop.Kind, sc.Start = ArrivalClosed, 2
	if lvl, _ := sc.bisection().Next(); lvl != 2 {
		t.Errorf("closed loop: first level %g, want its start, 2 users", lvl)
	}
	sw := sc
	sw.Sweep = 3
	if sw.LookAlpha() != sw.Alpha {
		t.Errorf("a sweep tests each rate once: LookAlpha %g, want %g", sw.LookAlpha(), sw.Alpha)
	}
}
