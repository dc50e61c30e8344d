package view

import (
	"strings"
	"testing"

	"github.com/llmrec/llmrec/analyze/analyzetest"
)

// TestRerunVerdictSaysTheMinEffect: a rerun of a 5,000-request-a-step run
// on a machine 2% slower is "same", its verdict says "no p95 change beyond
// ±5%", and its compact table marks every level the same.
func TestRerunVerdictSaysTheMinEffect(t *testing.T) {
	base := analyzetest.Spec{RunID: "run-big", Model: "m", Labels: map[string]string{"model": "base"},
		Users: []int{10, 20}, PerStep: 5000, Seed: 21, FailRate: 0.002}
	rerun := base
	rerun.RunID, rerun.Labels, rerun.Seed, rerun.Scale = "run-rerun", map[string]string{"model": "rerun"}, 22, 1.02
	c := compareRuns(t, base, rerun)
	s := VerdictSummary(c, 1)
	if c.Verdicts[0].Outcome != "same" || !strings.Contains(s, "no p95 change beyond ±5% at any matched user level") {
		t.Errorf("verdict %s: %s", c.Verdicts[0].Outcome, s)
	}
	tab := NewComparison(c).Compact(1)
	for _, r := range tab.Rows[3:] {
		if r[4] != MarkSame {
			t.Errorf("compact row %q marked %s, want same", r, r[4])
		}
	}
}
