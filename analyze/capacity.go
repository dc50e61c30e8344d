package analyze

import (
	"database/sql"
	"fmt"
	"github.com/llmrec/llmrec/analyze/level"
	"math"
	"time"
)

// SLOs, goodput, capacity, peak and the Little's-law check
// (docs/METHOD.md, "SLOs, goodput and capacity").

// LittleTolerance: a step whose Little's-law ratio is off 1 by more than
// this gets a warning.
const LittleTolerance = 0.15

// littleMinCycles: the check needs a steady part at least this many mean
// cycles (latency + think time) long; littleMinSamples requests in it.
const (
	littleMinCycles  = 5
	littleMinSamples = MinStepSamples
)

// sloSettings echoes the SLO bounds (nil when none is set).
func sloSettings(s SLO) *SLOSettings {
	if !s.Set() {
		return nil
	}
	ms := func(d time.Duration) *float64 {
		if d <= 0 {
			return nil
		}
		return ptr(float64(d) / float64(time.Millisecond))
	}
	return &SLOSettings{TTFTMS: ms(s.TTFT), TPOTMS: ms(s.TPOT), ITLMS: ms(s.ITL), LatencyMS: ms(s.Latency)}
}

// goodput counts the good requests per step and overall (good.sql) and
// derives attainment and goodput over the spans rps uses.
func (c *computer) goodput() error {
	rows, err := c.conn.QueryContext(c.ctx, query("good.sql"), sloArgs(c.opts.SLO)...)
	if err != nil {
		return fmt.Errorf("count good requests: %w", err)
	}
	defer rows.Close()
	good := map[int]int64{}
	var total int64
	for rows.Next() {
		var isTotal bool
		var step, n int64
		if err := rows.Scan(&isTotal, &step, &n); err != nil {
			return fmt.Errorf("read good requests: %w", err)
		}
		if isTotal {
			total = n
		} else {
			good[int(step)] = n
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read good requests: %w", err)
	}
	o := &c.a.Overall
	o.Goodput = goodputOf(total, o.Requests, o.MeasuredS)
	for i := range c.a.Steps {
		s := &c.a.Steps[i]
		// An arrival never sent met no SLO: it counts among the due.
		s.Goodput = goodputOf(good[s.Step], s.Requests+s.Unsent, s.DurationS)
	}
	return nil
}

func goodputOf(good, requests int64, seconds float64) Goodput {
	g := Goodput{Good: good}
	if requests > 0 {
		g.SLOAttainment = ptr(float64(good) / float64(requests))
	}
	if seconds > 0 {
		g.GoodputRPS = ptr(float64(good) / seconds)
	}
	return g
}

// capacity is the capacity answer of the verdict (level.Capacity): without
// an SLO the last level before saturation, none when the first judged
// step saturated; with one the highest level such that it and every level
// below it met the target and the error threshold.
func capacity(a *Analysis, v level.Verdict, o Options) Capacity {
	c := Capacity{LevelKind: a.Run.LevelKind, Bounded: v.Bounded}
	// Rule, how the level was chosen, is report/view's (view.CapacityRule).
	if v.Capacity < 0 {
		return c
	}
	held := &a.Steps[v.Capacity]
	step := held.Step
	c.Level, c.Step, c.GoodputRPS = ptr(held.Level), &step, held.GoodputRPS
	if held.LLM != nil {
		c.OutputTokensPerS = held.LLM.OutputTokensPerS
	}
	return c
}

// completedRPS is a step's successes per second: the open-loop completed
// rate when there is one, else successes over the step's duration.
func completedRPS(st *Step) *float64 {
	if st.CompletedRPS != nil {
		return st.CompletedRPS
	}
	if st.DurationS > 0 {
		return ptr(float64(st.OK) / st.DurationS)
	}
	return nil
}

// peak finds the highest completed req/s and output tokens/s of any step
// (the first step on a tie) and the last step's drop below the peak req/s
// (a capacity search's: its highest level's).
func peak(a *Analysis) Peak {
	var p Peak
	for i := range a.Steps {
		st := &a.Steps[i]
		if r := completedRPS(st); r != nil && (p.RPS == nil || *r > *p.RPS) {
			step := st.Step
			p.RPS, p.Level, p.Step = ptr(*r), ptr(st.Level), &step
		}
		if st.LLM != nil && st.LLM.OutputTokensPerS != nil && (p.OutputTokensPerS == nil || *st.LLM.OutputTokensPerS > *p.OutputTokensPerS) {
			step := st.Step
			p.OutputTokensPerS, p.TokensLevel, p.TokensStep = ptr(*st.LLM.OutputTokensPerS), ptr(st.Level), &step
		}
	}
	if len(a.Steps) == 0 || p.RPS == nil {
		return p
	}
	last := &a.Steps[len(a.Steps)-1]
	if len(a.Run.Shape.Levels) > 0 {
		// A capacity search's probes do not grow with time: the drop is to
		// its highest level (the latest probe of it).
		for i := range a.Steps {
			if a.Steps[i].Level >= last.Level {
				last = &a.Steps[i]
			}
		}
	}
	p.LastLevel = ptr(last.Level)
	if r := completedRPS(last); r != nil && *p.RPS > 0 {
		p.DropAfterPeak = ptr(math.Max(0, (*p.RPS-*r) / *p.RPS))
	}
	return p
}

// littleLaw checks a closed loop's steps against Little's law (little.sql):
// over a step's steady part, users ≈ sent req/s × (mean latency + mean
// think time). It sets Step.LittleRatio and returns a warning for each
// step off by more than LittleTolerance. Open loops are checked by
// openLittle.
func (c *computer) littleLaw() error {
	a := c.a
	stepT := a.Run.Shape.StepTimeS
	if a.Run.OpenLoop() || stepT <= 0 || len(a.Steps) == 0 {
		return nil
	}
	sendEnd := a.Run.DurationS
	if planned := a.Run.Shape.DurationS; planned > 0 {
		sendEnd = math.Min(sendEnd, planned)
	}
	think := (a.Run.Shape.WaitMinS + a.Run.Shape.WaitMaxS) / 2 * 1000
	rows, err := c.conn.QueryContext(c.ctx, query("little.sql"), int64(math.Round(stepT*1e6)), c.opts.ends,
		c.opts.Warmup.Microseconds(), int64(math.Round(sendEnd*1e6)), think, LagThresholdMS, c.opts.pwarm)
	if err != nil {
		return fmt.Errorf("check Little's law: %w", err)
	}
	defer rows.Close()
	byStep := stepIndex(a.Steps)
	// Steps off by more than the tolerance, grouped by likely cause (one
	// warning a cause).
	var causes []string
	off := map[string][]LittleStep{}
	for rows.Next() {
		var step, users, ws, we, n, late int64
		var lat sql.NullFloat64
		if err := rows.Scan(&step, &users, &ws, &we, &n, &lat, &late); err != nil {
			return fmt.Errorf("read Little's-law check: %w", err)
		}
		st := byStep[int(step)]
		span := float64(we-ws) / 1e6
		if st == nil || !lat.Valid || users <= 0 || n < littleMinSamples {
			continue
		}
		cycle := (lat.Float64 + think) / 1000
		if span < littleMinCycles*cycle {
			continue
		}
		rate := float64(n) / span
		// The mean latency is a database sum whose order (and so its last
		// bits) varies with spilling and threads; six decimals keep the
		// figure reproducible and lose nothing a 15% rule can see.
		ratio := math.Round(rate*cycle/float64(users)*1e6) / 1e6
		st.LittleRatio = ptr(ratio)
		if math.Abs(ratio-1) <= LittleTolerance {
			continue
		}
		cause := littleCause(ratio, late, n)
		if off[cause] == nil {
			causes = append(causes, cause)
		}
		// The cycle, from the same sum, is kept to the nanosecond.
		cycleNS := math.Round(cycle*1e9) / 1e9
		off[cause] = append(off[cause], LittleStep{Step: st.Step, Users: st.Users, RPS: rate, CycleS: cycleNS, Ratio: ratio})
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read Little's-law check: %w", err)
	}
	warnLittle(a, causes, off)
	return nil
}

// stepIndex maps each step's number to the step.
func stepIndex(steps []Step) map[int]*Step {
	m := make(map[int]*Step, len(steps))
	for i := range steps {
		m[steps[i].Step] = &steps[i]
	}
	return m
}

// warnLittle warns of the steps off Little's law, one warning a
// likely cause (causes in order, off the steps of each).
func warnLittle(a *Analysis, causes []string, off map[string][]LittleStep) {
	for _, cause := range causes {
		steps := off[cause]
		f := LittleFact{Cause: cause, Count: len(steps), Steps: steps[:min(len(steps), littleMaxListed)],
			WaitMinS: a.Run.Shape.WaitMinS, WaitMaxS: a.Run.Shape.WaitMaxS}
		a.Warnings = append(a.Warnings, Warning{Fact: f})
	}
}

// littleMaxListed caps the steps a Little's-law warning lists.
const littleMaxListed = 4

// littleCause names the likely cause of a closed-loop step off Little's
// law: too few requests for its users are generator lag when its sends
// were late (CauseLag), otherwise lost rows or a longer think time
// (CauseLost); too many are a shorter think time or rows counted twice
// (CauseTwice).
func littleCause(ratio float64, late, n int64) string {
	switch {
	case ratio < 1 && float64(late) > LagWarnFraction*float64(n):
		return CauseLag
	case ratio < 1:
		return CauseLost
	}
	return CauseTwice
}

// openLittle checks an open loop's steps: achieved ≈ offered. A step off
// by more than LittleTolerance (and, for Poisson arrivals, by more than a
// chance shortfall of 3 standard deviations) gets a warning.
func openLittle(a *Analysis) []Warning {
	var w []Warning
	poisson := a.Run.Shape.Arrival == "poisson"
	for i := range a.Steps {
		st := &a.Steps[i]
		if st.OfferedRPS == nil || st.AchievedRPS == nil || *st.OfferedRPS <= 0 || st.DurationS <= 0 {
			continue
		}
		ratio := *st.AchievedRPS / *st.OfferedRPS
		expected := *st.OfferedRPS * st.DurationS
		off := math.Abs(*st.AchievedRPS-*st.OfferedRPS) * st.DurationS
		if math.Abs(ratio-1) <= LittleTolerance || (poisson && off <= 3*math.Sqrt(expected)) {
			continue
		}
		f := OpenLittleFact{Step: st.Step, OfferedRPS: *st.OfferedRPS, AchievedRPS: *st.AchievedRPS, Cause: CauseTwice}
		switch {
		case ratio < 1 && st.Waited != nil && float64(*st.Waited) > WaitFraction*float64(st.Requests):
			f.Cause, f.Waited = CauseWaited, *st.Waited
		case ratio < 1:
			f.Cause = CauseLost
		}
		w = append(w, Warning{Fact: f})
	}
	return w
}
