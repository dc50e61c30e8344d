package analyze

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/llmrec/llmrec/analyze/level"
)

// The level model (package level): every planned step the run reached
// is listed with its level, throughput counts completions in each step's
// span, and one verdict gives baseline, saturation and capacity.

// levelKind is the kind of the run's levels.
func (r *Run) levelKind() level.Kind {
	if r.OpenLoop() {
		return level.Rate
	}
	return level.Users
}

// plannedLevel is the level the shape set for step k (1-based), and
// whether the shape says: a capacity search's kth level, an open loop's
// offered rate, a closed loop's step_users × k up to max_users.
func (s Shape) plannedLevel(open bool, k int) (float64, bool) {
	switch {
	case len(s.Levels) > 0:
		return s.Levels[min(max(k, 1), len(s.Levels))-1], true
	case open:
		return s.offeredRate(k), s.Rate > 0
	}
	if v, ok := s.changedLevel(k); ok {
		return v, true
	}
	switch {
	case s.StepUsers > 0 && s.MaxUsers > 0:
		return float64(min(k*s.StepUsers, s.MaxUsers)), true
	}
	return 0, false
}

// changedLevel is the level a live change set for step k: that of the
// last change from a step at or before k (a later change from the same
// step replaces an earlier one); ok is false when none applies.
func (s Shape) changedLevel(k int) (float64, bool) {
	for i := len(s.Changes) - 1; i >= 0; i-- {
		if s.Changes[i].Step <= k {
			return s.Changes[i].Level, true
		}
	}
	return 0, false
}

// changeWarnings say that the level was changed while the run went on,
// and how: the steps from each change on are levels like any other, but
// not the ones the shape planned.
func changeWarnings(r *Run) []Warning {
	if len(r.Shape.Changes) == 0 {
		return nil
	}
	return []Warning{{Fact: ShapeChangeFact{LevelKind: string(r.levelKind()), Changes: r.Shape.Changes}}}
}

// plan gives every step its level and adds the planned steps the run
// reached in time that have no post-warmup request (nothing was sent in
// them): they appear with zero requests and n/a figures.
func (c *computer) plan(warmS, sendEnd float64) {
	a := c.a
	open := a.Run.OpenLoop()
	have := map[int]bool{}
	for _, s := range a.Steps {
		have[s.Step] = true
	}
	if _, ok := a.Run.Shape.plannedLevel(open, 1); ok && a.Run.Shape.StepTimeS > 0 {
		for k := 1; k <= maxPlannedSteps; k++ {
			start, end, _ := a.Run.Shape.StepSpan(k)
			if !(start < sendEnd) {
				break
			}
			if have[k] || end <= warmS {
				continue
			}
			st := c.stepStats(&statsRow{step: int64(k)}, warmS, sendEnd)
			a.Steps = append(a.Steps, st)
		}
	}
	slices.SortFunc(a.Steps, func(x, y Step) int { return x.Step - y.Step })
	// A closed loop's level is the users its rows record (the step's
	// target, over every shard); a step without rows, and every open-loop
	// step, takes the level the shape planned.
	for i := range a.Steps {
		s := &a.Steps[i]
		s.Unsent = a.Run.unsent[s.Step]
		s.Level = float64(s.Users)
		if v, ok := a.Run.Shape.plannedLevel(open, s.Step); ok && (open || !have[s.Step] || len(a.Run.Shape.Levels) > 0) {
			s.Level = v
		}
	}
}

// maxPlannedSteps bounds the steps plan adds (a footer is outside text).
const maxPlannedSteps = 100_000

// completions counts each step's completed successes and output tokens
// by the span they completed in (completed.sql), and sets the completed
// req/s and output tokens/s of the steps and of the run.
func (c *computer) completions() error {
	a := c.a
	stepT := a.Run.Shape.StepTimeS
	warmUS, endUS := int64(math.Round(c.opts.Warmup.Seconds()*1e6)), int64(math.Round(c.sendEnd()*1e6))
	if stepT <= 0 || endUS <= warmUS {
		return nil
	}
	stepUS := int64(math.Round(stepT * 1e6))
	rows, err := c.conn.QueryContext(c.ctx, queryWith("completed.sql", queryData{Ends: len(c.opts.ends) > 0}), stepUS, c.opts.ends, warmUS, endUS, c.opts.pwarm)
	if err != nil {
		return fmt.Errorf("count completions: %w", err)
	}
	defer rows.Close()
	done, tokens := map[int]int64{}, map[int]int64{}
	var allTokens int64
	for rows.Next() {
		var k, n, t int64
		if err := rows.Scan(&k, &n, &t); err != nil {
			return fmt.Errorf("read completions: %w", err)
		}
		done[int(k)], tokens[int(k)] = n, t
		allTokens += t
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read completions: %w", err)
	}
	for i := range a.Steps {
		s := &a.Steps[i]
		if s.DurationS <= 0 {
			continue
		}
		s.CompletedRPS = ptr(float64(done[s.Step]) / s.DurationS)
		if s.LLM != nil && c.hasTokens {
			s.LLM.OutputTokensPerS = ptr(float64(tokens[s.Step]) / s.DurationS)
		}
	}
	if a.LLM != nil && c.hasTokens && a.Overall.MeasuredS > 0 {
		a.LLM.OutputTokensPerS = ptr(float64(allTokens) / a.Overall.MeasuredS)
	}
	return nil
}

// rules are the level rules of the run under the options.
func (c *computer) rules() level.Rules {
	return level.Rules{
		Kind:             c.a.Run.levelKind(),
		BaselineLevel:    float64(c.opts.BaselineUsers),
		LatencyThreshold: c.opts.LatencyThreshold,
		ErrorThreshold:   c.opts.ErrorThreshold,
		SLO:              c.opts.SLO.Set(),
		SLOTarget:        c.opts.sloTarget(),
		Poisson:          c.a.Run.Shape.Arrival == "poisson",
		SentRatio:        SentRatioThreshold,
		WaitFraction:     WaitFraction,
	}
}

// levelSteps are the steps as the level rules read them.
func levelSteps(steps []Step) []level.Step {
	out := make([]level.Step, len(steps))
	for i, s := range steps {
		ls := level.Step{Step: s.Step, Level: s.Level, Sent: s.Requests, Failures: s.Failures, Unsent: s.Unsent,
			Good: s.Good, P95: s.P95MS, Offered: s.OfferedRPS, Achieved: s.AchievedRPS,
			Completed: s.CompletedRPS, DurationS: s.DurationS}
		if s.Waited != nil {
			ls.Waited = *s.Waited
		}
		out[i] = ls
	}
	return out
}

// judgeSteps is level.Judge of steps, in time order for a step load; a
// capacity search's (byLevel) are judged in the order of their levels
// (then of time), since its probes' levels do not grow with time: its
// baseline is its lowest level, its saturation the lowest level where a
// signal fired. The verdict's indices are into steps as given.
func judgeSteps(steps []Step, r level.Rules, byLevel bool) level.Verdict {
	ls := levelSteps(steps)
	if !byLevel {
		return level.Judge(ls, r)
	}
	order := levelOrder(steps)
	sorted := make([]level.Step, len(ls))
	for i, j := range order {
		sorted[i] = ls[j]
	}
	v := level.Judge(sorted, r)
	back := func(i int) int {
		if i < 0 {
			return i
		}
		return order[i]
	}
	v.Baseline, v.Saturation, v.Capacity, v.Knee = back(v.Baseline), back(v.Saturation), back(v.Capacity), back(v.Knee)
	return v
}

// levelOrder is the positions of steps in the order of their levels, then
// of time: the order a capacity search's steps are judged in.
func levelOrder(steps []Step) []int {
	order := make([]int, len(steps))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(x, y int) int { return cmp.Compare(steps[x].Level, steps[y].Level) })
	return order
}

// judgedOrder is the positions of the run's steps in the order they are
// judged in: time for a step load (nil), levels for a capacity search.
func (c *computer) judgedOrder() []int {
	if len(c.a.Run.Shape.Levels) == 0 {
		return nil
	}
	return levelOrder(c.a.Steps)
}

// judge finds the baseline, the saturation point and the capacity from
// the steps: one verdict (level.Judge) for every kind of run.
func (c *computer) judge() {
	a := c.a
	r := c.rules()
	v := judgeSteps(a.Steps, r, len(a.Run.Shape.Levels) > 0)
	c.verdict = v
	a.Baseline = nil
	if v.Baseline >= 0 {
		s := a.Steps[v.Baseline]
		a.Baseline = &Baseline{Step: s.Step, Users: s.Users, Level: s.Level, P95MS: s.P95MS, Held: v.BaselineHeld}
		if r.Kind == level.Rate {
			a.Baseline.Rate = s.OfferedRPS
		}
	}
	a.Saturation = saturation(a, v, c.opts)
}

// saturation is the Saturation of verdict v: the step where a signal
// fired first, from the baseline on, and why.
func saturation(a *Analysis, v level.Verdict, o Options) Saturation {
	sat := Saturation{Signals: []string{}}
	open := a.Run.OpenLoop()
	for _, s := range a.Steps {
		sat.MaxUsers = max(sat.MaxUsers, s.Users)
		sat.MaxLevel = math.Max(sat.MaxLevel, s.Level)
	}
	if open {
		sat.MaxRate = ptr(sat.MaxLevel)
	}
	if v.Saturation < 0 {
		return sat
	}
	s := a.Steps[v.Saturation]
	f := v.Fired
	step, lv := s.Step, s.Level
	sat.Reached, sat.Step, sat.Level = true, &step, &lv
	if open {
		sat.Rate = ptr(lv)
	} else {
		users := int(lv)
		sat.Users = &users
	}
	sat.LatencyRatio, sat.FailRate = f.LatencyRatio, s.FailRate
	sat.SentRatio, sat.CompletedRatio = f.SentRatio, f.DoneRatio
	sat.Signals = f.Signals()
	sig := f.Main()
	sat.Signal = &sig
	sat.AtBaseline = v.Saturation == v.Baseline
	return sat
}

// fromSchedule computes, for an open loop judged by latency in which
// arrivals waited for a slot, each step's p95 of latency from schedule:
// the verdict's metric leaves the wait out, and the report shows what the
// users waited beside it.
func (c *computer) fromSchedule() error {
	a := c.a
	if !a.Run.OpenLoop() || c.opts.Metric != MetricLatency || totalWaited(a) == 0 {
		return nil
	}
	n := make([]int64, len(a.Steps))
	for i, s := range a.Steps {
		n[i] = s.OK
	}
	sq := newStepQuantiles(c.stepNumbers(), n, []float64{0.95}, nil)
	if err := c.streamSteps(query("from_schedule_values.sql"), nil, sq); err != nil {
		return fmt.Errorf("compute latency from schedule: %w", err)
	}
	q, _, _ := sq.result()
	for i := range a.Steps {
		a.Steps[i].FromScheduleP95MS = q[i][0]
	}
	return nil
}
