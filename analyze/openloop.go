package analyze

import (
	"database/sql"
	"fmt"
	"math"
)

// Open-loop runs (the footer's shape has arrival poisson or constant) send
// requests at a rate whatever the server does, so their levels are offered
// rates, not user counts: each step gains offered, achieved (sent) and
// completed rates, the baseline is the first post-warmup step, and
// saturation also fires on throughput (see openSaturation).

// OpenLoop reports whether the run is an open loop.
func (r *Run) OpenLoop() bool {
	return r.Shape.Arrival == "poisson" || r.Shape.Arrival == "constant"
}

// offeredRate is the offered rate of step k (1-based) of an open loop:
// min(rate + (k−1)·step_rate, max_rate), max_rate 0 meaning rate, or the
// rate a live change set from a step at or before k; a capacity search's
// step k has the kth of its levels.
func (s Shape) offeredRate(k int) float64 {
	if len(s.Levels) > 0 {
		return s.Levels[min(max(k, 1), len(s.Levels))-1]
	}
	if v, ok := s.changedLevel(k); ok {
		return v
	}
	top := s.MaxRate
	if top <= 0 {
		top = s.Rate
	}
	return math.Min(s.Rate+float64(max(k, 1)-1)*s.StepRate, top)
}

// openLoopFigures adds the open-loop figures to the steps (a no-op for a
// closed run) and states their definitions.
func (c *computer) openLoopFigures() error {
	a := c.a
	if !a.Run.OpenLoop() {
		return nil
	}
	stepT := a.Run.Shape.StepTimeS
	if stepT <= 0 {
		a.Warnings = append(a.Warnings, Warning{Fact: RunFact{Kind: RunNoStepTime}})
		return nil
	}
	sendEnd := a.Run.DurationS
	if planned := a.Run.Shape.DurationS; planned > 0 {
		sendEnd = math.Min(sendEnd, planned)
	}
	stepUS, endUS := int64(math.Round(stepT*1e6)), int64(math.Round(sendEnd*1e6))
	rows, err := c.conn.QueryContext(c.ctx, queryWith("openloop.sql", queryData{Ends: len(c.opts.ends) > 0}), stepUS, c.opts.ends, endUS, WaitToleranceMS)
	if err != nil {
		return fmt.Errorf("compute open-loop rates: %w", err)
	}
	defer rows.Close()
	counts := map[string]map[int]int64{"sent": {}, "waited": {}}
	for rows.Next() {
		var what string
		var k, n int64
		if err := rows.Scan(&what, &k, &n); err != nil {
			return fmt.Errorf("read open-loop rates: %w", err)
		}
		counts[what][int(k)] = n
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read open-loop rates: %w", err)
	}
	for i := range a.Steps {
		s := &a.Steps[i]
		s.OfferedRPS = ptr(a.Run.Shape.offeredRate(s.Step))
		waited := counts["waited"][s.Step]
		s.Waited = &waited
		if s.DurationS > 0 {
			s.AchievedRPS = ptr(float64(counts["sent"][s.Step]) / s.DurationS)
		}
	}
	return nil
}

// estimateWarnings says when token figures rest on the recorder's
// estimates, and marks the LLM figures as estimated.
func estimateWarnings(a *Analysis) []Warning {
	if a.Run.EstimatedOutputRows == 0 {
		return nil
	}
	if a.LLM != nil {
		a.LLM.OutputEstimated = true
	}
	r := a.Run
	return []Warning{{Fact: EstimateFact{Estimated: r.EstimatedOutputRows, Rows: r.Rows, TextRows: r.EstimatedTextRows}}}
}

// Comparison levels. A closed run's level is its user count; an open
// loop's is its offered rate, keyed in thousandths of a request per second
// so that rates that print alike match.

// LevelKey is step st's comparison level key.
func LevelKey(open bool, st *Step) int {
	if open {
		return int(math.Round(st.Level * 1000))
	}
	return int(math.Round(st.Level))
}

// KeyRate is the offered rate of an open-loop level key.
func KeyRate(key int) float64 { return float64(key) / 1000 }

// SameLoopKind refuses to compare a closed-loop run with an open-loop one:
// their levels (users, offered rates) do not match.
func SameLoopKind(runs []*RunData) error {
	kind := func(r *RunData) string {
		if r.Analysis.Run.OpenLoop() {
			return "open loop of " + r.Analysis.Run.Shape.Arrival + " arrivals: levels are offered rates"
		}
		return "closed loop: levels are users"
	}
	for _, r := range runs[1:] {
		if r.Analysis.Run.OpenLoop() != runs[0].Analysis.Run.OpenLoop() {
			return &InputError{Path: r.Name, Reason: fmt.Sprintf("cannot compare %s (%s) with %s (%s): compare runs of the same kind",
				runs[0].Name, kind(runs[0]), r.Name, kind(r))}
		}
	}
	return nil
}

// stepTokens adds each step's received token counts when the run records
// its workload (see StepTokens).
func (c *computer) stepTokens() error {
	if c.a.Run.Workload == nil {
		return nil
	}
	if !c.aggregate(c.a.Overall.OK) {
		return c.stepTokensSorted()
	}
	byStep := map[int]*Step{}
	for i := range c.a.Steps {
		byStep[c.a.Steps[i].Step] = &c.a.Steps[i]
	}
	rows, err := c.conn.QueryContext(c.ctx, query("tokens.sql"))
	if err != nil {
		return fmt.Errorf("compute token counts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var step int64
		var p50, p95, o50, o95 sql.NullFloat64
		if err := rows.Scan(&step, &p50, &p95, &o50, &o95); err != nil {
			return fmt.Errorf("read token counts: %w", err)
		}
		if s := byStep[int(step)]; s != nil {
			s.Tokens = &StepTokens{PromptP50: nullable(p50), PromptP95: nullable(p95), OutputP50: nullable(o50), OutputP95: nullable(o95)}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read token counts: %w", err)
	}
	return nil
}

// stepTokensSorted is stepTokens from the sorted token counts
// (tokens_values.sql), in bounded memory.
func (c *computer) stepTokensSorted() error {
	steps := c.stepNumbers()
	pos := positions(steps)
	n := [2][]int64{make([]int64, len(steps)), make([]int64, len(steps))}
	rows, err := c.conn.QueryContext(c.ctx, query("tokens_counts.sql"))
	if err != nil {
		return fmt.Errorf("count token counts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var step, prompt, output int64
		if err := rows.Scan(&step, &prompt, &output); err != nil {
			return fmt.Errorf("read token counts: %w", err)
		}
		if i, ok := pos[step]; ok {
			n[0][i], n[1][i] = prompt, output
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read token counts: %w", err)
	}
	var q [2][][]*float64
	for f, fig := range []string{"prompt", "output"} {
		sq := newStepQuantiles(steps, n[f], []float64{0.5, 0.95}, nil)
		if err := c.streamSteps(query("tokens_values.sql"), []any{fig}, sq); err != nil {
			return fmt.Errorf("compute token counts: %w", err)
		}
		q[f], _, _ = sq.result()
	}
	for i := range c.a.Steps {
		// As tokens.sql: a step without a post-warmup success has none.
		if c.a.Steps[i].OK > 0 {
			c.a.Steps[i].Tokens = &StepTokens{PromptP50: q[0][i][0], PromptP95: q[0][i][1], OutputP50: q[1][i][0], OutputP95: q[1][i][1]}
		}
	}
	return nil
}
