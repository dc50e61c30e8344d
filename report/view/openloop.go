package view

import (
	"slices"

	"github.com/llmrec/llmrec/analyze"
)

// Open-loop runs send requests at a rate (docs/METHOD.md, "Open-loop
// arrivals"): their step tables gain the offered, achieved and completed
// rates and the arrivals that waited, and their "users" column is the
// most requests in flight at a send. Runs whose output tokens were
// estimated (the server sent no usage) say "estimated" beside every
// output-token figure.

// OpenStepHead names the open-loop columns of a step table, in the order
// of OpenStepCells (rates in requests per second).
var OpenStepHead = []string{"offered", "achieved", "completed", "waited"}

// InFlightHead is the open loop's name for the users column.
const InFlightHead = "in-flight"

// Estimated is the word put beside output-token figures that are the
// recorder's estimates.
const Estimated = "estimated"

// OpenLoop reports whether a is an open-loop run: its steps carry offered
// rates.
func OpenLoop(a *analyze.Analysis) bool {
	for _, s := range a.Steps {
		if s.OfferedRPS != nil {
			return true
		}
	}
	return false
}

// OpenStepCells are a step's open-loop figures: offered, achieved and
// completed requests per second and the arrivals that waited.
func OpenStepCells(s analyze.Step) []string {
	waited := NA
	if s.Waited != nil {
		waited = Int(*s.Waited)
	}
	return []string{Num(s.OfferedRPS, 2), Num(s.AchievedRPS, 2), Num(s.CompletedRPS, 2), waited}
}

// TokensEstimated reports whether a's output-token figures are estimates.
func TokensEstimated(a *analyze.Analysis) bool {
	return a.LLM != nil && a.LLM.OutputEstimated
}

// openLoopColumns adds the open-loop columns after "users" (renamed "in
// flight") to the step table t, whose rows are a.Steps[shown[k]]; a closed
// run's table is left as it is.
func openLoopColumns(a *analyze.Analysis, t *Table, shown []int) {
	if !OpenLoop(a) || len(t.Head) < 2 {
		return
	}
	const at = 2 // after step and users
	t.Head = slices.Insert(slices.Clone(t.Head), at, OpenStepHead...)
	t.Head[1] = InFlightHead
	t.Right = slices.Insert(slices.Clone(t.Right), min(at, len(t.Right)), true, true, true, true)
	if len(t.Strong) > at {
		t.Strong = slices.Insert(slices.Clone(t.Strong), at, false, false, false, false)
	}
	if len(t.Code) > at {
		t.Code = slices.Insert(slices.Clone(t.Code), at, false, false, false, false)
	}
	for k, i := range shown {
		if k < len(t.Rows) && len(t.Rows[k]) >= at {
			t.Rows[k] = slices.Insert(t.Rows[k], at, OpenStepCells(a.Steps[i])...)
		}
	}
}

// estimatedTokens marks the output-token figures of the LLM section as
// estimates when they are.
func estimatedTokens(a *analyze.Analysis, l *LLM) {
	if !TokensEstimated(a) {
		return
	}
	for _, row := range l.Figures.Rows {
		if len(row) > 0 && row[0] == "tokens/s per request" {
			row[0] += " (" + Estimated + ")"
		}
	}
	l.Line = "output tokens " + Estimated + " (the server sent no usage: streamed content chunks were counted); " + l.Line
	for i, h := range l.Steps.Head {
		if h == "tok/s p50" || h == "out tok/s" {
			l.Steps.Head[i] = h + " (" + Estimated + ")"
		}
	}
}
