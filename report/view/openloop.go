package view

import (
	"slices"
	"strconv"
	"strings"

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

// openLoopLLM completes the LLM section: the users column of an open
// loop is in flight, estimated output tokens are marked, and the received
// token counts join the step table.
func openLoopLLM(a *analyze.Analysis, l *LLM) {
	if OpenLoop(a) && len(l.Steps.Head) > 1 && l.Steps.Head[1] == "users" {
		l.Steps.Head = slices.Clone(l.Steps.Head)
		l.Steps.Head[1] = InFlightHead
	}
	estimatedTokens(a, l)
	tokenColumns(a, l)
}

// EstimateHow says how the recorder estimated output tokens: from the
// streamed text when it could, else by counting content chunks.
func EstimateHow(a *analyze.Analysis) string {
	if a.Run.EstimatedTextRows == 0 {
		return "streamed content chunks were counted"
	}
	return "estimated from the streamed text's length, about 4 bytes a token"
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
	l.Line = "output tokens " + Estimated + " (the server sent no usage: " + EstimateHow(a) + "); " + l.Line
	for i, h := range l.Steps.Head {
		if h == "tok/s p50" || h == "out tok/s" {
			l.Steps.Head[i] = h + " (" + Estimated + ")"
		}
	}
}

// OpenShape describes an open loop's arrivals in one line ("" for a
// closed run): kind, rates, steps, burstiness and the in-flight cap.
func OpenShape(sh analyze.Shape) string {
	if sh.Arrival != "poisson" && sh.Arrival != "constant" {
		return ""
	}
	g := func(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
	s := Clean(sh.Arrival) + " arrivals at " + g(sh.Rate) + " req/s"
	if sh.StepRate > 0 && sh.MaxRate > sh.Rate {
		s += ", +" + g(sh.StepRate) + " every " + Secs(sh.StepTimeS) + " up to " + g(sh.MaxRate)
	} else {
		s += " (steps of " + Secs(sh.StepTimeS) + ")"
	}
	if sh.Arrival == "poisson" && sh.Burstiness != 1 && sh.Burstiness > 0 {
		s += ", burstiness " + g(sh.Burstiness)
	}
	if sh.MaxConcurrency > 0 {
		s += ", at most " + strconv.Itoa(sh.MaxConcurrency) + " in flight"
	}
	return s + ", seed " + strconv.FormatInt(sh.Seed, 10)
}

// WorkloadLine describes what the requests asked for ("" when the run
// does not record it): prompt source and size, output tokens, ignore_eos,
// conversations (--turns) and shared prefixes (--prefix-tokens,
// --prefixes).
func WorkloadLine(w *analyze.Workload) string {
	if w == nil {
		return ""
	}
	var parts []string
	if w.Prompts != "" {
		parts = append(parts, "prompts "+Clip(Clean(w.Prompts), 40))
	}
	if w.InputTokens != "" {
		parts = append(parts, "input "+Clip(Clean(w.InputTokens), 40)+" tokens")
	}
	if w.OutputTokens != "" {
		parts = append(parts, "output "+Clip(Clean(w.OutputTokens), 40)+" tokens")
	}
	if w.IgnoreEOS {
		parts = append(parts, "ignore_eos")
	}
	if w.Turns > 1 {
		parts = append(parts, "conversations of "+strconv.Itoa(w.Turns)+" turns")
	}
	if w.PrefixTokens > 0 {
		parts = append(parts, Plural(w.Prefixes, "shared prefix", "shared prefixes")+" of "+strconv.Itoa(w.PrefixTokens)+" tokens")
	}
	if w.Seed == 0 {
		return strings.Join(parts, ", ") + " (no seed: prompt choice not reproducible)"
	}
	return strings.Join(parts, ", ") + " (seed " + strconv.FormatInt(w.Seed, 10) + ")"
}

// openHeader completes the header for an open loop and a recorded
// workload: the shape line says the arrivals, and a workload line follows
// it.
func openHeader(a *analyze.Analysis, h []Field) []Field {
	for i := range h {
		if h[i].Name == "shape" {
			if s := OpenShape(a.Run.Shape); s != "" && a.Run.Shape.Search == nil {
				h[i].Value = s
			}
			if w := WorkloadLine(a.Run.Workload); w != "" {
				h = slices.Insert(h, i+1, Field{"workload", w})
			}
			break
		}
	}
	return h
}

// tokenColumns adds the received prompt and output tokens (p50/p95) to the
// LLM step table when the run records its workload (the steps carry
// Tokens): what came back beside what was asked.
func tokenColumns(a *analyze.Analysis, l *LLM) {
	byStep := map[string]*analyze.StepTokens{}
	for _, s := range a.Steps {
		if s.Tokens != nil {
			byStep[Int(s.Step)] = s.Tokens
		}
	}
	if len(byStep) == 0 {
		return
	}
	out := "output p50/p95"
	if TokensEstimated(a) {
		out += " (" + Estimated + ")"
	}
	l.Steps.Head = append(slices.Clone(l.Steps.Head), "prompt p50/p95", out)
	l.Steps.Right = append(slices.Clone(l.Steps.Right), true, true)
	for k, row := range l.Steps.Rows {
		p, o := NA, NA
		if len(row) > 0 {
			if tk := byStep[row[0]]; tk != nil {
				p, o = Num(tk.PromptP50, 0)+"/"+Num(tk.PromptP95, 0), Num(tk.OutputP50, 0)+"/"+Num(tk.OutputP95, 0)
			}
		}
		l.Steps.Rows[k] = append(row, p, o)
	}
}
