package analyze

import (
	"database/sql"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Open-loop runs (the footer's shape has arrival poisson or constant) send
// requests at a rate whatever the server does, so their levels are offered
// rates, not user counts: each step gains offered, achieved (sent) and
// completed rates, the baseline is the first post-warmup step, and
// saturation also fires on throughput (see openSaturation).

// openLoop reports whether the run is an open loop.
func (r *Run) openLoop() bool {
	return r.Shape.Arrival == "poisson" || r.Shape.Arrival == "constant"
}

// offeredRate is the offered rate of step k (1-based) of an open loop:
// min(rate + (k−1)·step_rate, max_rate), max_rate 0 meaning rate.
func (s Shape) offeredRate(k int) float64 {
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
	if !a.Run.openLoop() {
		return nil
	}
	stepT := a.Run.Shape.StepTimeS
	if stepT <= 0 {
		a.Warnings = append(a.Warnings, "open-loop run without a step time in its metadata: offered, achieved and completed rates are not computed")
		return nil
	}
	sendEnd := a.Run.DurationS
	if planned := a.Run.Shape.DurationS; planned > 0 {
		sendEnd = math.Min(sendEnd, planned)
	}
	stepUS, endUS := int64(math.Round(stepT*1e6)), int64(math.Round(sendEnd*1e6))
	rows, err := c.conn.QueryContext(c.ctx, query("openloop.sql"), stepUS, endUS, stepUS, endUS, WaitToleranceMS)
	if err != nil {
		return fmt.Errorf("compute open-loop rates: %w", err)
	}
	defer rows.Close()
	counts := map[string]map[int]int64{"sent": {}, "done": {}, "waited": {}}
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
			s.CompletedRPS = ptr(float64(counts["done"][s.Step]) / s.DurationS)
		}
	}
	a.Definitions = openDefinitions(a.Definitions, a.Settings)
	return nil
}

// openDefinitions replaces the closed-loop baseline and saturation
// definitions and adds the open-loop rates.
func openDefinitions(defs []Definition, s Settings) []Definition {
	g := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	out := make([]Definition, 0, len(defs)+3)
	for _, d := range defs {
		switch d.Figure {
		case "baseline":
			d.Definition = "p95 of the first post-warmup step (an open loop's levels are its offered rates)"
		case "saturation":
			d.Definition = fmt.Sprintf("first later step where p95 > %s x baseline p95 (latency), failure rate > %s%% (errors), "+
				"or (throughput) the step sent less than %s%% of its offered rate (beyond the chance shortfall of a Poisson count, 3 standard deviations) "+
				"or more than %s%% of its arrivals were sent over %sms late (waited for a concurrency slot or for the generator)",
				g(s.LatencyThreshold), g(s.ErrorThreshold*100), g(SentRatioThreshold*100), g(WaitFraction*100), g(WaitToleranceMS))
		}
		out = append(out, d)
	}
	return append(out,
		Definition{"offered_rps", "the step's arrival rate set for the run: rate + (step - 1) x step_rate, at most max_rate"},
		Definition{"achieved_rps", "post-warmup requests sent within the step's span (by send time) per second of the span"},
		Definition{"completed_rps", "successes of post-warmup requests completed within the step's span per second of the span"},
	)
}

// openBaseline is the first post-warmup step of an open loop.
func openBaseline(steps []Step) *Baseline {
	if len(steps) == 0 {
		return nil
	}
	s := steps[0]
	return &Baseline{Step: s.Step, Users: s.Users, P95MS: s.P95MS, Rate: s.OfferedRPS}
}

// sendShortfall reports whether a step sent fewer requests than its
// offered rate allows by more than SentRatioThreshold and, for Poisson
// arrivals, by more than a chance shortfall (3 standard deviations of a
// Poisson count of the expected size).
func sendShortfall(s Step, poisson bool) (ratio float64, short bool) {
	if s.OfferedRPS == nil || s.AchievedRPS == nil || *s.OfferedRPS <= 0 {
		return 0, false
	}
	ratio = *s.AchievedRPS / *s.OfferedRPS
	expected := *s.OfferedRPS * s.DurationS
	sent := *s.AchievedRPS * s.DurationS
	limit := SentRatioThreshold * expected
	if poisson {
		limit = math.Min(limit, expected-3*math.Sqrt(expected))
	}
	return ratio, sent < limit
}

// openSaturation finds the first step after the baseline where the latency
// or error signal of the closed loop fires, or the throughput signal: the
// step could not send its offered rate (sendShortfall) or more than
// WaitFraction of its arrivals waited. When several fire, throughput is
// reported (it says the offered load was not served), then the larger of
// the latency and error factors.
func openSaturation(steps []Step, base *Baseline, o Options, poisson bool) Saturation {
	sat := Saturation{Signals: []string{}}
	var top float64
	for _, s := range steps {
		sat.MaxUsers = max(sat.MaxUsers, s.Users)
		if s.OfferedRPS != nil {
			top = math.Max(top, *s.OfferedRPS)
		}
	}
	sat.MaxRate = ptr(top)
	if base == nil {
		sat.Summary = "not evaluated: no post-warmup step"
		return sat
	}
	for _, s := range steps {
		if s.Step <= base.Step {
			continue
		}
		if f := openSignalsAt(s, base, o, poisson); f.fired() {
			return f.saturated(sat, s, o)
		}
	}
	sat.Summary = fmt.Sprintf("not reached up to %s req/s offered", fmtNum(top))
	return sat
}

// openSignals are the saturation signals of one step of an open loop.
type openSignals struct {
	lr                   *float64 // p95 over the baseline's
	latFactor, errFactor float64  // over the thresholds (0: under)
	sentRatio            float64  // sent over offered
	short, waited        bool     // the two throughput signals
}

// openSignalsAt measures the signals of step s against the baseline.
func openSignalsAt(s Step, base *Baseline, o Options, poisson bool) openSignals {
	var f openSignals
	f.lr, f.latFactor, f.errFactor = overThresholds(s, base, o)
	f.sentRatio, f.short = sendShortfall(s, poisson)
	f.waited = s.Waited != nil && s.Requests > 0 && float64(*s.Waited) > WaitFraction*float64(s.Requests)
	return f
}

// through tells whether the throughput signal fired.
func (f openSignals) through() bool { return f.short || f.waited }

// fired tells whether any signal fired.
func (f openSignals) fired() bool { return f.latFactor != 0 || f.errFactor != 0 || f.through() }

// saturated is sat reached at step s: its figures, the signals that fired
// and the one reported (throughput first, then the larger factor).
func (f openSignals) saturated(sat Saturation, s Step, o Options) Saturation {
	step, users := s.Step, s.Users
	sat.Reached, sat.Step, sat.Users = true, &step, &users
	sat.LatencyRatio, sat.FailRate, sat.Rate = f.lr, s.FailRate, s.OfferedRPS
	if s.OfferedRPS != nil && s.AchievedRPS != nil {
		sat.SentRatio = ptr(f.sentRatio)
	}
	if f.latFactor > 0 {
		sat.Signals = append(sat.Signals, SignalLatency)
	}
	if f.errFactor > 0 {
		sat.Signals = append(sat.Signals, SignalErrors)
	}
	if f.through() {
		sat.Signals = append(sat.Signals, SignalThroughput)
	}
	sig := SignalLatency
	switch {
	case f.through():
		sig = SignalThroughput
	case f.errFactor > f.latFactor:
		sig = SignalErrors
	}
	sat.Signal = &sig
	sat.Summary = f.summary(s, sig, o)
	if len(sat.Signals) > 1 {
		sat.Summary += fmt.Sprintf(" (%d signals fired)", len(sat.Signals))
	}
	return sat
}

// summary says where the open loop saturated and why, by signal sig.
func (f openSignals) summary(s Step, sig string, o Options) string {
	at := fmt.Sprintf("reached at %s req/s offered (step %d)", fmtNum(*s.OfferedRPS), s.Step)
	switch sig {
	case SignalThroughput:
		var why []string
		if f.short {
			why = append(why, fmt.Sprintf("sent %s req/s, %s of the offered rate", fmtNum(*s.AchievedRPS), fmtPct(f.sentRatio)))
		}
		if f.waited {
			why = append(why, fmt.Sprintf("%d arrivals (%s) waited over %s", *s.Waited, fmtPct(float64(*s.Waited)/float64(s.Requests)), fmtMS(WaitToleranceMS)))
		}
		return at + ": " + strings.Join(why, "; ")
	case SignalLatency:
		return fmt.Sprintf("%s: p95 %s is %.2fx the baseline (threshold %sx)", at, fmtMS(*s.P95MS), *f.lr, fmtNum(o.LatencyThreshold))
	}
	return fmt.Sprintf("%s: failure rate %s over %s", at, fmtPct(*s.FailRate), fmtPct(o.ErrorThreshold))
}

// estimateWarnings says when token figures rest on the recorder's
// estimates, and marks the LLM figures as estimated.
func estimateWarnings(a *Analysis) []string {
	if a.Run.EstimatedOutputRows == 0 {
		return nil
	}
	if a.LLM != nil {
		a.LLM.OutputEstimated = true
	}
	return []string{fmt.Sprintf("output tokens are estimated for %d of %d requests: the server sent no usage, so they are counts of streamed content chunks; token figures are estimates",
		a.Run.EstimatedOutputRows, a.Run.Rows)}
}

// Comparison levels. A closed run's level is its user count; an open
// loop's is its offered rate, keyed in thousandths of a request per second
// so that rates that print alike match.

// levelOf is step st's comparison level key.
func levelOf(open bool, st *Step) int {
	if open && st.OfferedRPS != nil {
		return int(math.Round(*st.OfferedRPS * 1000))
	}
	return st.Users
}

// levelRate is the offered rate of an open-loop level key.
func levelRate(key int) float64 { return float64(key) / 1000 }

// levelText names a level: "20 users" or "12.5 req/s offered".
func levelText(users int, rate *float64) string {
	if rate != nil {
		return fmtNum(*rate) + " req/s offered"
	}
	return strconv.Itoa(users) + " users"
}

// sameLoopKind refuses to compare a closed-loop run with an open-loop one:
// their levels (users, offered rates) do not match.
func sameLoopKind(runs []*RunData) error {
	kind := func(r *RunData) string {
		if r.Analysis.Run.openLoop() {
			return "open loop of " + r.Analysis.Run.Shape.Arrival + " arrivals: levels are offered rates"
		}
		return "closed loop: levels are users"
	}
	for _, r := range runs[1:] {
		if r.Analysis.Run.openLoop() != runs[0].Analysis.Run.openLoop() {
			return fmt.Errorf("cannot compare %s (%s) with %s (%s): compare runs of the same kind",
				runs[0].Name, kind(runs[0]), r.Name, kind(r))
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
