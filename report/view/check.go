package view

import (
	"fmt"
	"sort"

	"github.com/llmrec/llmrec/analyze/gate"
)

// Check is the view of `llmrep check`.
type Check struct {
	Passed   bool
	Outcome  string // "passed" or "FAILED"
	Run      string
	Baseline string // "" without one
	Alpha    float64
	// Against says what the regression gates were measured against; ""
	// without a baseline.
	Against string
	Summary string
	// Lines are the gates' results in the order given.
	Lines []string
	// Failed are the lines of the gates that failed (and of inconclusive
	// ones counted as failures), in the order given.
	Failed []string
	// Gates is the table of the gates, failed ones first.
	Gates Table
}

// NewCheck builds the view of r.
func NewCheck(r *gate.CheckResult) *Check {
	v := &Check{Passed: r.Passed, Outcome: "passed", Run: Clean(r.Run), Baseline: Clean(r.Baseline), Alpha: r.Alpha}
	if !r.Passed {
		v.Outcome = "FAILED"
	}
	v.Summary = fmt.Sprintf("check %s: %d of %d gates failed", v.Outcome, r.Failed, len(r.Gates))
	switch {
	case r.TrendRuns > 0:
		v.Against = fmt.Sprintf("Regressions are measured against the previous %d runs: a gate fails when the value is worse than their median by more than its limit and the min effect %s, and worse than every one of them", r.TrendRuns, r.MinEffect.Words())
	case v.Baseline != "":
		v.Against = fmt.Sprintf("Against baseline %s; regressions count only when significant at α = %g and beyond the min effect %s", Clip(v.Baseline, 80), r.Alpha, r.MinEffect.Words())
	}
	if r.InconclusiveN > 0 {
		v.Summary += fmt.Sprintf(" (%d inconclusive, counted as %s: --inconclusive %s)", r.InconclusiveN, r.Inconclusive, r.Inconclusive)
	}
	r = WithLines(r)
	for _, g := range r.Gates {
		v.Lines = append(v.Lines, Clean(g.Line))
		if g.Status == gate.StatusFail || (g.Status == gate.StatusInconclusive && r.Inconclusive == gate.StatusFail) {
			v.Failed = append(v.Failed, Clip(Clean(g.Line), 300))
		}
	}
	gates := append([]gate.GateResult(nil), r.Gates...)
	order := map[string]int{gate.StatusFail: 0, gate.StatusInconclusive: 1, gate.StatusPass: 2}
	sort.SliceStable(gates, func(i, j int) bool { return order[gates[i].Status] < order[gates[j].Status] })
	v.Gates = Table{Head: []string{"status", "gate", "result"}, Strong: []bool{true}, Code: []bool{false, true}}
	for _, g := range gates {
		v.Gates.Rows = append(v.Gates.Rows, []string{Clean(g.Status), Clean(g.Gate.Kind + " " + g.Gate.Spec), Clip(Clean(g.Line), 300)})
	}
	return v
}
