package compare

import (
	"github.com/llmrec/llmrec/analyze/analyzetest/rundata"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/analyzetest"
)

func mustCompare(t *testing.T, specs ...analyzetest.Spec) *Comparison {
	t.Helper()
	runs := make([]*analyze.RunData, len(specs))
	for i, s := range specs {
		// a private copy: the cache is shared by the tests
		r := *rundata.Load(t, s)
		runs[i] = &r
	}
	c, err := Compare(runs, DefaultAlpha, DefaultMinEffect)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCompareKnownAnswers compares A with runs that differ from it in a
// known way and checks the direction, size and significance of the
// changes and the verdict.
func TestCompareKnownAnswers(t *testing.T) {
	tests := []struct {
		name    string
		run     analyzetest.Spec
		p95     string  // direction of p95 overall and at levels up to 30 users
		factor  float64 // true p95 ratio at those levels (0: not checked)
		outcome string
		// satUsers are the saturation points of the run and the baseline;
		// worst says whether a p95 change at a level holds (the verdict's
		// sentences are checked in report/view: TestVerdictSummaries).
		satUsers [2]int
		worst    bool
	}{
		{"slower x1.3", analyzetest.Slower, DirectionWorse, 1.3, OutcomeWorse, [2]int{40, 40}, true},
		{"noise", analyzetest.Noise, DirectionSame, 1, OutcomeSame, [2]int{40, 40}, false},
		{"faster x0.8, later knee", analyzetest.Faster, DirectionBetter, 0.8, OutcomeBetter, [2]int{60, 40}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustCompare(t, analyzetest.A, tt.run)
			if len(c.Levels) != 6 || len(c.Unmatched) != 0 {
				t.Fatalf("%d levels, %d unmatched; want 6 and 0", len(c.Levels), len(c.Unmatched))
			}
			for _, lc := range append([]LevelComparison{c.Overall}, c.Levels[:3]...) {
				m := lc.metric("p95")
				ch := m.Changes[1]
				if ch == nil || ch.P == nil {
					t.Fatalf("users %d: no tested p95 change", lc.Users)
				}
				if ch.Direction != tt.p95 {
					t.Errorf("users %d: p95 %v -> %v is %s (p=%.4f), want %s", lc.Users, *m.Values[0], *m.Values[1], ch.Direction, *ch.P, tt.p95)
				}
				if lc.Users > 0 && math.Abs(*m.Values[1] / *m.Values[0] - tt.factor) > 0.12 {
					t.Errorf("users %d: p95 ratio %.3f, want %.2f ± 0.12", lc.Users, *m.Values[1] / *m.Values[0], tt.factor)
				}
				if tt.p95 != DirectionSame && (ch.CILow == nil || (*ch.CILow > 0) != (*ch.CIHigh > 0)) {
					t.Errorf("users %d: significant change but the CI [%v, %v] holds 0", lc.Users, ch.CILow, ch.CIHigh)
				}
			}
			if tt.p95 == DirectionSame {
				// Under no real difference about alpha of the tests fire.
				fired, total := 0, 0
				for _, lc := range append([]LevelComparison{c.Overall}, c.Levels...) {
					for _, m := range lc.Metrics {
						if ch := m.Changes[1]; ch != nil && ch.P != nil {
							total++
							if ch.Significant {
								fired++
							}
						}
					}
				}
				if fired > 3 {
					t.Errorf("%d of %d tests significant between two draws of the same run", fired, total)
				}
			}
			v := c.Verdicts[0]
			if v.Outcome != tt.outcome {
				t.Errorf("outcome %s, want %s (%+v)", v.Outcome, tt.outcome, v.Evidence)
			}
			e := v.Evidence
			if rs, bs := c.Runs[1].Saturation, c.Runs[0].Saturation; rs.Users == nil || bs.Users == nil || [2]int{*rs.Users, *bs.Users} != tt.satUsers {
				t.Errorf("saturation %v vs %v, want %v", rs.Users, bs.Users, tt.satUsers)
			}
			if (e.WorstP95 != nil) != tt.worst || e.Matched != 6 || e.OverallP95 == nil || e.OverallP95.Direction != tt.p95 {
				t.Errorf("evidence %+v: worst p95 held %v, 6 matched levels and an overall p95 %s wanted", e, tt.worst, tt.p95)
			}
		})
	}
}

func TestCompareShapes(t *testing.T) {
	c := mustCompare(t, analyzetest.A, analyzetest.Shape)
	var got []int
	for _, lc := range c.Levels {
		got = append(got, lc.Users)
	}
	if want := []int{20, 40, 60}; !equalInts(got, want) {
		t.Errorf("matched levels %v, want %v", got, want)
	}
	want := map[int]string{10: "v1", 30: "v1", 50: "v1", 80: "v4"}
	if len(c.Unmatched) != len(want) {
		t.Errorf("unmatched %+v, want levels %v", c.Unmatched, want)
	}
	for _, u := range c.Unmatched {
		if want[u.Users] == "" || len(u.In) != 1 || u.In[0] != want[u.Users] {
			t.Errorf("unmatched level %d in %v, want in %q only", u.Users, u.In, want[u.Users])
		}
	}
	for _, lc := range c.Levels {
		if lc.Steps[0] == nil || lc.Steps[1] == nil {
			t.Errorf("level %d: steps %v", lc.Users, lc.Steps)
		}
	}
	listed := false
	for _, w := range c.Warnings {
		if f, ok := w.Fact.(UnmatchedFact); ok && f.Users == 80 && f.Rate == nil && slices.Equal(f.In, []string{"v4"}) && slices.Equal(f.Missing, []string{"v1"}) {
			listed = true
		}
	}
	if !listed {
		t.Errorf("warnings do not state the unmatched level 80 users, only in v4: %+v", c.Warnings)
	}
}

func TestCompareAllFailures(t *testing.T) {
	c := mustCompare(t, analyzetest.A, analyzetest.Broken)
	fr := c.Overall.metric("fail_rate")
	if ch := fr.Changes[1]; ch == nil || ch.Direction != DirectionWorse || *fr.Values[1] != 1 {
		t.Errorf("fail rate %v -> %v: change %+v, want significantly worse", fr.Values[0], fr.Values[1], ch)
	}
	p95 := c.Overall.metric("p95")
	if p95.Values[1] != nil || p95.Changes[1] != nil || p95.Samples[1] != 0 {
		t.Errorf("p95 of a run without successes: value %v, change %+v; want n/a", p95.Values[1], p95.Changes[1])
	}
	v := c.Verdicts[0]
	if e := v.Evidence; v.Outcome != OutcomeWorse || !e.NoSuccess || e.FailRate == nil || *e.FailRateRun != 1 {
		t.Errorf("verdict %+v", v)
	}
	if len(c.Runs[1].CDF) != 0 {
		t.Errorf("a run without successes has a CDF of %d points", len(c.Runs[1].CDF))
	}
}

func TestCompareThreeRuns(t *testing.T) {
	c := mustCompare(t, analyzetest.A, analyzetest.Slower, analyzetest.Faster)
	if len(c.Verdicts) != 2 || c.Verdicts[0].Run != "v2" || c.Verdicts[1].Run != "v3" {
		t.Fatalf("verdicts %+v", c.Verdicts)
	}
	for _, v := range c.Verdicts {
		if v.Against != "v1" {
			t.Errorf("verdict against %q, want the baseline v1", v.Against)
		}
	}
	for _, lc := range c.Levels {
		for _, m := range lc.Metrics {
			if len(m.Values) != 3 || m.Changes[0] != nil {
				t.Fatalf("users %d %s: %d values, baseline change %+v", lc.Users, m.Metric, len(m.Values), m.Changes[0])
			}
		}
	}
	if got := c.Metrics; strings.Join(got, ",") != strings.Join(CompareMetrics, ",") {
		t.Errorf("metrics %v, want %v (the runs have TTFT and tokens)", got, CompareMetrics)
	}
	if len(c.Runs[0].CDF) != len(CDFProbabilities) {
		t.Errorf("CDF has %d points", len(c.Runs[0].CDF))
	}
}

func TestCompareNeedsTwoRuns(t *testing.T) {
	r := rundata.Load(t, analyzetest.A)
	if _, err := Compare([]*analyze.RunData{r}, DefaultAlpha, DefaultMinEffect); err == nil {
		t.Error("one run compared without error")
	}
	if _, err := Compare([]*analyze.RunData{r, r}, 1, DefaultMinEffect); err == nil {
		t.Error("alpha 1 accepted")
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
