package analyze

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/llmrec/llmrec/analyze/level"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/llmrec/llmrec/analyze/stats"
)

// Analyze reads the run file(s) at paths (several shards of one run, given
// one by one or as a glob) and computes every figure. Bad input is
// returned as *InputError; bad options as the error of Options.Validate.
func Analyze(ctx context.Context, opts Options, paths ...string) (*Analysis, error) {
	a, _, err := analyzeRun(ctx, opts, false, paths)
	return a, err
}

// analyzeRun is Analyze; with keep, it returns the database still open
// with the run loaded, for the caller to query further and close.
func analyzeRun(ctx context.Context, opts Options, keep bool, paths []string) (_ *Analysis, _ *engine, err error) {
	if err := opts.Validate(); err != nil {
		return nil, nil, err
	}
	files, err := openInputs(ctx, paths)
	if err != nil {
		return nil, nil, err
	}

	a := &Analysis{FormatVersion: FormatVersion}
	a.Run = runInfo(files)
	auto := opts.Warmup == WarmupAuto
	opts = opts.forRun(a.Run)
	a.Settings = settingsOf(opts, auto)

	start := time.Now()
	e, err := loadRun(ctx, opts, files, a.Run.StartedAt.UnixMicro(), "load.sql", "load_failed.sql")
	if err != nil {
		return nil, nil, err
	}
	closeDB := e.Close
	if keep {
		closeDB = func() error { return nil }
	}
	defer func() {
		if !keep || err != nil {
			e.Close()
		}
	}()
	c := &computer{ctx: ctx, conn: e.conn, eng: e, a: a, opts: opts, closeDB: closeDB}
	c.trace("load", start)
	if err := c.run(); err != nil {
		return nil, nil, e.check(err)
	}
	sw, err := shardWarnings(ctx, files)
	if err != nil {
		return nil, nil, err
	}
	a.Warnings = append(a.Warnings, sw...)
	gw, err := generatorWarnings(ctx, files)
	if err != nil {
		return nil, nil, err
	}
	a.Warnings = append(a.Warnings, gw...)
	a.Warnings = append(a.Warnings, loadWarnings(files)...)
	a.Warnings = append(a.Warnings, generatorFailureWarning(a)...)
	a.Warnings = append(a.Warnings, emptyWarnings(a, c.emptyOK)...)
	a.Warnings = append(a.Warnings, estimateWarnings(a)...)
	a.Warnings = append(a.Warnings, runTelemetry(a, files)...)
	a.Warnings = append(a.Warnings, chunkWarnings(a, opts)...)
	a.Warnings = append(a.Warnings, NonFiniteWarning(FiniteFigures(a))...)
	return a, e, nil
}

// settingsOf are the settings of an analysis with opts (already fitted
// to the run: forRun); auto says the warmup was automatic.
func settingsOf(opts Options, auto bool) Settings {
	return Settings{
		WarmupS:          opts.Warmup.Seconds(),
		WarmupAuto:       auto,
		WindowS:          opts.Window.Seconds(),
		BaselineUsers:    opts.BaselineUsers,
		LatencyThreshold: opts.LatencyThreshold,
		ErrorThreshold:   opts.ErrorThreshold,
		Metric:           opts.Metric,
		MinStepSamples:   MinStepSamples,
		MinWindowSamples: MinWindowSamples,
		SLO:              sloSettings(opts.SLO),
		SLOTarget:        opts.sloTarget(),
		StallMS:          float64(opts.stall()) / float64(time.Millisecond),
		Percentiles:      opts.Percentiles,
	}
}

// runInfo merges the shards' metadata: the run starts at the earliest
// started_at and ends at the latest ended_at; the end reason is the first
// shard's that did not complete, else "completed".
func runInfo(files []*inputFile) Run {
	m0 := files[0].meta
	r := Run{
		RunID:       m0.RunID,
		StartedAt:   m0.StartedAt.UTC(),
		EndedAt:     m0.EndedAt.UTC(),
		EndReason:   m0.EndReason,
		EndDetail:   m0.EndDetail,
		Labels:      m0.Labels,
		Model:       m0.Model,
		Target:      m0.Target,
		Simulator:   m0.Simulator,
		API:         m0.API,
		Stream:      m0.Stream,
		MaxTokens:   m0.MaxTokens,
		Shape:       Shape(m0.Shape),
		Timeouts:    Timeouts(m0.Timeouts),
		ToolVersion: m0.ToolVersion,
	}
	if m0.Workload != nil {
		w := Workload(*m0.Workload)
		r.Workload = &w
	}
	for _, f := range files {
		r.addShard(f)
	}
	if r.EndedAt.After(r.StartedAt) {
		r.DurationS = r.EndedAt.Sub(r.StartedAt).Seconds()
	}
	for _, f := range files {
		for _, u := range f.meta.Unsent {
			if r.unsent == nil {
				r.unsent = map[int]int64{}
			}
			r.unsent[u.Step] += max(0, u.N)
		}
	}
	r.LevelKind = string(r.levelKind())
	return r
}

// addShard adds the file f, one shard of the run, to r: its rows and
// estimates, its shard entry, and its times and end where they widen or
// end r.
func (r *Run) addShard(f *inputFile) {
	m := f.meta
	if m.StartedAt.Before(r.StartedAt) {
		r.StartedAt = m.StartedAt.UTC()
	}
	if m.EndedAt.After(r.EndedAt) {
		r.EndedAt = m.EndedAt.UTC()
	}
	if r.EndReason == "completed" && m.EndReason != "completed" {
		r.EndReason, r.EndDetail = m.EndReason, m.EndDetail
	}
	r.Rows += f.rows
	r.EstimatedOutputRows += m.EstimatedOutputRows
	r.EstimatedTextRows += m.EstimatedTextRows
	r.ChunkTimes = r.ChunkTimes || m.ChunkTimes
	r.Generator.PeakCPU = math.Max(r.Generator.PeakCPU, m.Generator.PeakCPU)
	r.Generator.PeakLagMS = math.Max(r.Generator.PeakLagMS, m.Generator.PeakLagMS)
	r.Generator.P99LagMS = math.Max(r.Generator.P99LagMS, m.Generator.P99LagMS)
	r.Shards = append(r.Shards, Shard{
		File:      filepath.Base(f.path),
		Shard:     m.Shard,
		Shards:    m.Shards,
		Hostname:  m.Hostname,
		Rows:      f.rows,
		StartedAt: m.StartedAt.UTC(),
		EndedAt:   m.EndedAt.UTC(),
		EndReason: m.EndReason,
		JoinedAt:  m.JoinedAt,
	})
}

// trace reports a phase's duration to Options.Trace.
func (c *computer) trace(phase string, start time.Time) {
	if c.opts.Trace != nil {
		fmt.Fprintf(c.opts.Trace, "analyze: %-8s %v\n", phase, time.Since(start).Round(time.Millisecond))
	}
}

// computer runs the queries and derives the figures into a.
type computer struct {
	ctx  context.Context
	conn *sql.Conn
	eng  *engine
	// closeDB releases the database once the last query has run.
	closeDB func() error
	a       *Analysis
	opts    Options

	hasTTFT, hasTokens bool
	// verdict is the level rules' verdict (judge).
	verdict level.Verdict
	// steadyQ are p50 and p99 of the post-warmup successes of the steps
	// before each step (samples), for the steady state.
	steadyQ   [][]*float64
	lastDoneS float64
	endS      float64 // the time axis end: max(duration, last completion)
	// emptyOK counts the post-warmup successes with 0 output tokens.
	emptyOK int64
}

func (c *computer) run() error {
	steps := []struct {
		name string
		f    func() error
	}{
		{"presence", c.presence}, {"stats", c.stats}, {"series", c.series}, {"samples", c.samples},
		{"openloop", c.openLoopFigures}, {"schedule", c.fromSchedule}, {"completed", c.completions}, {"goodput", c.goodput}, {"steady", c.steady}, {"tokens", c.stepTokens},
		{"llm", c.llm}, {"turns", c.turns}, {"classes", c.classes}, {"errors", c.errors}, {"little", c.littleLaw},
	}
	for _, s := range steps {
		start := time.Now()
		err := s.f()
		c.trace(s.name, start)
		if err != nil {
			if c.ctx.Err() != nil {
				return c.ctx.Err()
			}
			return err
		}
	}
	if err := c.closeDB(); err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	c.derive()
	return nil
}

// steady judges baseline and saturation (they rest on the step figures
// only) and computes the steady state before the saturation step.
func (c *computer) steady() error {
	a := c.a
	c.judge()
	st := Steady{Requests: a.Overall.Requests, OK: a.Overall.OK, FailRate: a.Overall.FailRate,
		P50MS: a.Overall.P50MS, P99MS: a.Overall.P99MS, P99P50: a.Overall.P99P50}
	if a.Saturation.Reached && a.Saturation.Step != nil {
		st = Steady{BeforeSaturation: true}
		// The steps judged before the saturation step: earlier in time,
		// or a capacity search's at lower levels (judgedOrder).
		order := c.judgedOrder()
		if order != nil && a.Saturation.Level != nil {
			st.BelowLevel = ptr(*a.Saturation.Level)
		}
		for k := range a.Steps {
			i := k
			if order != nil {
				i = order[k]
			}
			s := a.Steps[i]
			if s.Step >= *a.Saturation.Step && order == nil || st.BelowLevel != nil && s.Level >= *st.BelowLevel {
				// The quantiles of the steps before this one.
				st.P50MS, st.P99MS = c.steadyQ[i][0], c.steadyQ[i][1]
				break
			}
			st.LastStep = s.Step
			st.Requests += s.Requests
			st.OK += s.OK
		}
		if st.Requests > 0 {
			st.FailRate = ptr(float64(st.Requests-st.OK) / float64(st.Requests))
		}
		if st.P50MS != nil && st.P99MS != nil && *st.P50MS > 0 {
			st.P99P50 = ptr(*st.P99MS / *st.P50MS)
		}
	}
	a.Steady = st
	return nil
}

func (c *computer) presence() error {
	var rows, ttft, tokens, lastDone, warm, lagN, late int64
	var lagMax sql.NullFloat64
	err := c.conn.QueryRowContext(c.ctx, query("presence.sql"), LagThresholdMS).Scan(
		&rows, &ttft, &tokens, &lastDone, &warm, &lagN, &lagMax, &late, &c.emptyOK)
	if err != nil {
		return fmt.Errorf("read run summary: %w", err)
	}
	c.hasTTFT, c.hasTokens = ttft > 0, tokens > 0
	c.lastDoneS = float64(lastDone) / 1e6
	c.endS = math.Max(c.a.Run.DurationS, c.lastDoneS)
	c.a.Run.Rows = rows
	c.a.Overall.WarmupRequests = warm
	c.a.Lag = Lag{MaxMS: nullable(lagMax), Late: late}
	if lagN == 0 {
		return nil
	}
	if c.aggregate(lagN) {
		var q50, q99 sql.NullFloat64
		if err := c.conn.QueryRowContext(c.ctx, query("lag_quantiles.sql")).Scan(&q50, &q99); err != nil {
			return fmt.Errorf("compute the lag: %w", err)
		}
		c.a.Lag.P50MS, c.a.Lag.P99MS = nullable(q50), nullable(q99)
		return nil
	}
	// One set (k is 0); lag_ms is a FLOAT, whose quantiles the database
	// rounds to a FLOAT.
	q := newStepQuantiles([]int{0}, []int64{lagN}, []float64{0.5, 0.99}, nil)
	if err := c.streamSteps(query("lag_values.sql"), nil, q); err != nil {
		return fmt.Errorf("compute the lag: %w", err)
	}
	_, lq, _ := q.Result()
	c.a.Lag.P50MS, c.a.Lag.P99MS = toFloat32(lq[0]), toFloat32(lq[1])
	return nil
}

// stepQuantiles is stats.StepQuantiles: the quantiles of each step, of
// the run and of the steady states.
type stepQuantiles struct{ *stats.StepQuantiles }

func newStepQuantiles(steps []int, n []int64, ps, prefixPs []float64) *stepQuantiles {
	return &stepQuantiles{stats.NewStepQuantiles(steps, n, ps, prefixPs)}
}

func (sq *stepQuantiles) result() (steps [][]*float64, total []*float64, prefix [][]*float64) {
	return sq.Result()
}

// streamSteps feeds the rows of an ordered query of x and k (a step) to
// sq (streamSorted).
func (c *computer) streamSteps(q string, args []any, sq *stepQuantiles) error {
	return c.eng.streamSorted(c.ctx, q, args, func(rows []sortedRow) error {
		for _, r := range rows {
			sq.Add(r.X, int32(r.K))
		}
		return nil
	})
}

// toFloat32 rounds v to the nearest float32 and reads that back as its
// shortest decimal, as the database driver hands over a FLOAT.
func toFloat32(v *float64) *float64 {
	if v == nil {
		return nil
	}
	x, err := strconv.ParseFloat(strconv.FormatFloat(*v, 'g', -1, 32), 64)
	if err != nil {
		return nil
	}
	return &x
}

func nullable(v sql.NullFloat64) *float64 {
	if !v.Valid || math.IsNaN(v.Float64) {
		return nil
	}
	x := v.Float64
	return &x
}

func ptr(v float64) *float64 { return &v }

// stats computes the overall and per-step figures (stats.sql).
func (c *computer) stats() error {
	c.a.Steps = []Step{}
	rows, err := c.conn.QueryContext(c.ctx, query("stats.sql"))
	if err != nil {
		return fmt.Errorf("compute statistics: %w", err)
	}
	defer rows.Close()
	warmS, sendEnd := c.opts.Warmup.Seconds(), c.sendEnd()
	for rows.Next() {
		var r statsRow
		if err := rows.Scan(&r.total, &r.step, &r.users, &r.requests, &r.ok,
			&r.vN, &r.vMin, &r.vMax,
			&r.outTok, &r.promptTok, &r.firstSend, &r.lastSend); err != nil {
			return fmt.Errorf("read statistics: %w", err)
		}
		if r.total {
			c.overallStats(&r, math.Max(0, sendEnd-warmS))
			continue
		}
		c.a.Steps = append(c.a.Steps, c.stepStats(&r, warmS, sendEnd))
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read statistics: %w", err)
	}
	c.plan(warmS, sendEnd)
	return nil
}

// statsRow is one row of stats.sql: a step's figures, or the whole run's
// when total.
type statsRow struct {
	total               bool
	step, users         int64
	requests, ok        int64
	vN                  int64 // successes with a value
	vMin, vMax          sql.NullFloat64
	outTok              int64
	promptTok           sql.NullInt64 // NULL: no success has the count
	firstSend, lastSend int64         // the first and the last send_us (µs)
}

// latency is the row's latency figures.
func (r *statsRow) latency() Latency {
	// The percentiles and the mean are samples'.
	return Latency{Samples: r.vN, MinMS: nullable(r.vMin), MaxMS: nullable(r.vMax)}
}

// failRate is the share of the row's requests that failed; nil without
// requests.
func (r *statsRow) failRate() *float64 {
	if r.requests == 0 {
		return nil
	}
	return ptr(float64(r.requests-r.ok) / float64(r.requests))
}

// sendEnd is when requests stopped being sent, in seconds: the schedule's
// planned end or an earlier stop. The grace period after it, in which
// in-flight requests finish but none is sent, is not part of the sending
// span.
func (c *computer) sendEnd() float64 {
	end := c.a.Run.DurationS
	if planned := c.a.Run.Shape.DurationS; planned > 0 {
		end = math.Min(end, planned)
	}
	return end
}

// overallStats fills Overall (and LLM) from the total row; rates are over
// the measured seconds, from the end of the warmup to sendEnd.
func (c *computer) overallStats(r *statsRow, measured float64) {
	a := c.a
	o := &a.Overall
	o.Requests, o.OK, o.Failures, o.FailRate = r.requests, r.ok, r.requests-r.ok, r.failRate()
	o.MeasuredS = measured
	if measured > 0 {
		o.RPS = ptr(float64(r.requests) / measured)
	}
	o.Latency = r.latency()
	if c.hasTTFT || c.hasTokens {
		a.LLM = &LLM{}
		if c.hasTokens {
			tok := r.outTok
			a.LLM.OutputTokens = &tok
		}
		if r.promptTok.Valid {
			a.LLM.PromptTokens = &r.promptTok.Int64
		}
		if c.hasTokens && measured > 0 {
			a.LLM.OutputTokensPerS = ptr(float64(r.outTok) / measured)
		}
	}
}

// stepStats is the Step of a step's row. Its span is the step's slot of
// the schedule (Shape.StepSpan, after its own warmup) clipped to after the
// warmup and before sendEnd, or, without
// a schedule or when that is empty, from its first to its last send.
func (c *computer) stepStats(r *statsRow, warmS, sendEnd float64) Step {
	s := Step{Step: int(r.step), Users: int(r.users), Requests: r.requests, OK: r.ok,
		Failures: r.requests - r.ok, FailRate: r.failRate(), Latency: r.latency(), Errors: map[string]int64{}}
	start, end, ok := c.a.Run.Shape.StepSpan(int(r.step))
	if ok {
		s.StartS = math.Max(start+c.a.Run.Shape.ProbeWarmupS, warmS)
		s.EndS = math.Min(end, sendEnd)
	}
	if !ok || s.EndS <= s.StartS {
		s.StartS = math.Max(float64(r.firstSend)/1e6, warmS)
		s.EndS = float64(r.lastSend) / 1e6
	}
	s.DurationS = math.Max(0, s.EndS-s.StartS)
	if s.DurationS > 0 {
		s.RPS = ptr(float64(r.requests) / s.DurationS)
	}
	if c.hasTTFT || c.hasTokens {
		s.LLM = &StepLLM{}
		if c.hasTokens {
			tok := r.outTok
			s.LLM.OutputTokens = &tok
		}
		if c.hasTokens && s.DurationS > 0 {
			s.LLM.OutputTokensPerS = ptr(float64(r.outTok) / s.DurationS)
		}
	}
	return s
}

// llm computes the LLM distributions (TTFT, TPOT, tokens/s per request,
// and with chunk times each request's longest gap and the pooled ITL),
// overall and per step, from the counts of llm_counts.sql and each
// figure's sorted values; the TTFT's also give the TTFT windowed series.
func (c *computer) llm() error {
	if c.a.LLM == nil {
		return nil
	}
	steps := c.stepNumbers()
	counts, stalled, err := c.llmCounts(steps)
	if err != nil {
		return err
	}
	for f, fig := range llmFigures {
		if fig == "gap" && !c.a.Run.ChunkTimes {
			continue
		}
		if counts[f].total == 0 && (fig != "ttft" || !c.hasTTFT) {
			c.setLLMTotal(fig, Quantiles{Percentiles: c.extra(nil)})
			continue
		}
		t0 := time.Now()
		q := newStepQuantiles(steps, counts[f].n, c.ps(), nil)
		if fig == "ttft" {
			err = c.ttftValues(q)
		} else {
			err = c.streamSteps(query("llm_values.sql"), []any{fig}, q)
		}
		if err != nil {
			return fmt.Errorf("compute %s: %w", fig, err)
		}
		c.trace(fig, t0)
		stepQ, totalQ, _ := q.Result()
		c.setLLMTotal(fig, Quantiles{Samples: counts[f].total, P50: totalQ[0], P90: totalQ[1], P95: totalQ[2], P99: totalQ[3], Max: counts[f].max,
			Percentiles: c.extra(totalQ)})
		for i := range c.a.Steps {
			if sl := c.a.Steps[i].LLM; sl != nil {
				setStepLLM(sl, fig, stepQ[i])
				if fig == "gap" {
					sl.MaxGapMS = counts[f].stepMax[i]
				}
			}
		}
	}
	if c.a.Run.ChunkTimes {
		c.stalls(counts[gapFigure], stalled)
		return c.itl(steps)
	}
	return nil
}

// llmFigures are the figures of llm_counts.sql, in its column order;
// gapFigure is the index of a request's longest gap.
var llmFigures = [...]string{"ttft", "tpot", "tps", "gap"}

const gapFigure = 3

// aggregateValues: a run with at most this many post-warmup requests
// has its lag percentiles (and its token counts by step, stepTokens)
// computed by the database's quantile aggregate, faster than a sort (the
// lag: 0.4 against 0.9 s at 10M rows), whose state holds every value (a
// FLOAT: 80 MB at most). Larger runs take them from the sorted values, in
// bounded memory. Both give the same figures
// (TestPercentilesAreTheDatabaseAggregate). For ITL and tokens/s, by step
// and overall, the aggregate was no faster than the sort at 10M rows. A
// variable for the tests.
var aggregateValues int64 = 20_000_000

// aggregate says whether n values use the aggregate.
func (c *computer) aggregate(n int64) bool { return n <= aggregateValues }

// llmFigure is a figure's count by step (as a.Steps), its count over the
// run and its greatest value.
type llmFigure struct {
	n       []int64
	total   int64
	max     *float64
	stepMax []*float64
}

// llmCounts runs llm_counts.sql: the counts of llmFigures by step, and
// by step the successes whose longest gap is over the stall threshold.
func (c *computer) llmCounts(steps []int) (_ [len(llmFigures)]llmFigure, stalled []int64, _ error) {
	var out [len(llmFigures)]llmFigure
	pos := positions(steps)
	for f := range out {
		out[f].n, out[f].stepMax = make([]int64, len(steps)), make([]*float64, len(steps))
	}
	stalled = make([]int64, len(steps))
	rows, err := c.conn.QueryContext(c.ctx, query("llm_counts.sql"), c.opts.stall().Microseconds())
	if err != nil {
		return out, nil, fmt.Errorf("count LLM figures: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var step, st int64
		var n [len(llmFigures)]int64
		var mx [len(llmFigures)]sql.NullFloat64
		if err := rows.Scan(&step, &n[0], &mx[0], &n[1], &mx[1], &n[2], &mx[2], &n[3], &mx[3], &st); err != nil {
			return out, nil, fmt.Errorf("read LLM counts: %w", err)
		}
		i, ok := pos[step]
		for f := range out {
			o := &out[f]
			o.total += n[f]
			m := nullable(mx[f])
			if m != nil && (o.max == nil || *m > *o.max) {
				o.max = m
			}
			if ok {
				o.n[i], o.stepMax[i] = n[f], m
			}
		}
		if ok {
			stalled[i] = st
		}
	}
	if err := rows.Err(); err != nil {
		return out, nil, fmt.Errorf("read LLM counts: %w", err)
	}
	return out, stalled, nil
}

// setLLMTotal stores figure fig's whole-run quantiles.
func (c *computer) setLLMTotal(fig string, q Quantiles) {
	switch fig {
	case "ttft":
		c.a.LLM.TTFT = q
	case "tpot":
		c.a.LLM.TPOT = q
	case "tps":
		c.a.LLM.TokensPerS = q
	case "gap":
		c.a.LLM.Stalls = &Stalls{ThresholdMS: c.a.Settings.StallMS, LongestGap: q}
	case "itl":
		c.a.LLM.ITL = &q
	}
}

// setStepLLM stores figure fig's quantiles of a step (statsPs).
func setStepLLM(sl *StepLLM, fig string, v []*float64) {
	switch fig {
	case "ttft":
		sl.TTFTP50MS, sl.TTFTP95MS, sl.TTFTP99MS = v[0], v[2], v[3]
	case "tpot":
		sl.TPOTP50MS, sl.TPOTP95MS, sl.TPOTP99MS = v[0], v[2], v[3]
	case "tps":
		sl.TokensPerSP50 = v[0]
	case "itl":
		sl.ITLP50MS, sl.ITLP95MS, sl.ITLP99MS = v[0], v[2], v[3]
	}
}

// ttftValues feeds the TTFT's post-warmup values to q and, unless TTFT is
// the selected metric (samples then took the series from it), computes
// the TTFT windowed p95 series from all of them.
func (c *computer) ttftValues(q *stepQuantiles) error {
	s := &c.a.Series
	winUS := c.opts.Window.Microseconds()
	var tw *stats.QuantileSeries
	if c.opts.Metric != MetricTTFT && len(s.T) > 0 {
		tc, err := c.pointCounts("ttft", s.BucketS, winUS, len(s.T))
		if err != nil {
			return err
		}
		tw = stats.NewQuantileSeries(tc.window, []float64{0.95}, MinWindowSamples, c.windowFlat())
	}
	err := c.scanValues("ttft", s.BucketS, winUS, func(x float64, f, l int, warm bool, step int32) {
		if tw != nil {
			tw.Add(x, f, l)
		}
		if !warm {
			q.Add(x, step)
		}
	})
	if err != nil {
		return err
	}
	if tw != nil {
		s.TTFTWindowP95 = tw.Result()[0]
	}
	return nil
}

func (c *computer) errors() error {
	rows, err := c.conn.QueryContext(c.ctx, query("errors.sql"))
	if err != nil {
		return fmt.Errorf("count errors: %w", err)
	}
	defer rows.Close()
	byStep := map[int]*Step{}
	for i := range c.a.Steps {
		byStep[c.a.Steps[i].Step] = &c.a.Steps[i]
	}
	c.a.Errors = []ErrorCount{}
	for rows.Next() {
		var total bool
		var step, n int64
		var class, example string
		if err := rows.Scan(&total, &step, &class, &n, &example); err != nil {
			return fmt.Errorf("read errors: %w", err)
		}
		if total {
			ec := ErrorCount{Class: class, Count: n, Example: example}
			if c.a.Overall.Failures > 0 {
				ec.Share = float64(n) / float64(c.a.Overall.Failures)
			}
			c.a.Errors = append(c.a.Errors, ec)
		} else if s := byStep[int(step)]; s != nil {
			s.Errors[class] = n
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read errors: %w", err)
	}
	sort.SliceStable(c.a.Errors, func(i, j int) bool {
		if c.a.Errors[i].Count != c.a.Errors[j].Count {
			return c.a.Errors[i].Count > c.a.Errors[j].Count
		}
		return c.a.Errors[i].Class < c.a.Errors[j].Class
	})
	return nil
}

// bucketing returns the series bucket width (s) and number of points.
func bucketing(endS float64) (float64, int) {
	if endS <= 0 {
		return 1, 0
	}
	b := 1.0
	if endS > MaxSeriesPoints {
		b = math.Ceil(endS / MaxSeriesPoints)
	}
	return b, int(math.Ceil(endS / b))
}

func (c *computer) series() error {
	a := c.a
	bs, n := bucketing(c.endS)
	s := &a.Series
	s.BucketS, s.WarmupS, s.WindowS = bs, c.opts.Warmup.Seconds(), c.opts.Window.Seconds()
	s.T = make([]float64, n)
	s.Users = make([]int, n)
	s.SentRPS = make([]float64, n)
	s.CompletedRPS = make([]float64, n)
	s.OK = make([]int64, n)
	s.Failures = make([]int64, n)
	s.FailuresByClass = map[string][]int64{}
	if c.hasTokens {
		s.TokensPerS = make([]float64, n)
	}
	for i := range n {
		s.T[i] = float64(i+1) * bs
	}
	if n == 0 {
		return nil
	}
	bucketUS := bs * 1e6
	if err := c.seriesSent(bucketUS, n); err != nil {
		return err
	}
	rows, err := c.conn.QueryContext(c.ctx, query("series_done.sql"), bucketUS, int64(n), bucketUS, int64(n))
	if err != nil {
		return fmt.Errorf("series of completions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var b, cnt, tokens int64
		var ok bool
		var class string
		if err := rows.Scan(&b, &ok, &class, &cnt, &tokens); err != nil {
			return fmt.Errorf("read series of completions: %w", err)
		}
		i := b - 1
		s.CompletedRPS[i] += float64(cnt) / bs
		if ok {
			s.OK[i] += cnt
			if s.TokensPerS != nil {
				s.TokensPerS[i] += float64(tokens) / bs
			}
			continue
		}
		s.Failures[i] += cnt
		arr := s.FailuresByClass[class]
		if arr == nil {
			arr = make([]int64, n)
			s.FailuresByClass[class] = arr
		}
		arr[i] += cnt
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read series of completions: %w", err)
	}
	return nil
}

// seriesSent fills the sent requests/s and the users of the n points of
// the series, buckets of bucketUS µs (a point without sends keeps the
// users of the one before).
func (c *computer) seriesSent(bucketUS float64, n int) error {
	s := &c.a.Series
	bs := s.BucketS
	rows, err := c.conn.QueryContext(c.ctx, query("series_sent.sql"), bucketUS, int64(n))
	if err != nil {
		return fmt.Errorf("series of sends: %w", err)
	}
	sentUsers := make([]int, n)
	for rows.Next() {
		var b, users, cnt int64
		if err := rows.Scan(&b, &users, &cnt); err != nil {
			rows.Close()
			return fmt.Errorf("read series of sends: %w", err)
		}
		sentUsers[b-1] = int(users)
		s.SentRPS[b-1] = float64(cnt) / bs
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return fmt.Errorf("read series of sends: %w", err)
	}
	rows.Close()
	last := 0
	for i := range n {
		if sentUsers[i] > 0 {
			last = sentUsers[i]
		}
		s.Users[i] = last
	}
	return nil
}

// samples computes, exactly and in memory that does not grow with the
// run, the windowed and cumulative percentile series, the histogram, and
// the percentiles and mean of every step and of the whole run: the
// database sorts the values (spilling beyond its memory limit) and they
// come here in ascending order (scanValues), where each set keeps only
// the order statistics its quantiles need (stats.QuantileSeries,
// stats.StepQuantiles).
func (c *computer) samples() error {
	s := &c.a.Series
	n := len(s.T)
	winUS := c.opts.Window.Microseconds()
	ps := []float64{0.5, 0.95, 0.99}
	t0 := time.Now()
	counts, err := c.pointCounts("v", s.BucketS, winUS, n)
	if err != nil {
		return err
	}
	c.trace("counts", t0)
	win := stats.NewQuantileSeries(counts.window, ps, MinWindowSamples, c.windowFlat())
	cum := stats.NewQuantileSeries(counts.cumulative, ps, 1, false)
	hist := stats.NewLogHistogram(counts.lo, counts.hi, counts.histN, HistogramBuckets)
	steps := c.stepNumbers()
	stepN := make([]int64, len(steps))
	for i := range c.a.Steps {
		stepN[i] = c.a.Steps[i].Latency.Samples
	}
	byStep := &stepQuantiles{stats.NewStepQuantilesInOrder(steps, stepN, c.judgedOrder(), c.ps(), []float64{0.5, 0.99})}
	sums := make([]sum, len(steps)+1)
	// The cumulative series, the costliest to feed, is fed from copies of
	// the batches in a goroutine of its own (the second core), which ends
	// when the scan does.
	batches := make(chan []sortedRow, 4)
	cumDone := feedCumulative(cum, n, batches)
	err = c.scanBatches("v", s.BucketS, winUS, func(rows []sortedRow) {
		batches <- slices.Clone(rows)
		for _, r := range rows {
			x := r.X
			f, l, warm, step := unpack(r.K)
			win.Add(x, f, l)
			if !warm {
				hist.Add(x)
				sums[len(steps)].add(x)
				if i := byStep.Add(x, step); i >= 0 {
					sums[i].add(x)
				}
			}
		}
	})
	close(batches)
	<-cumDone
	if err != nil {
		return err
	}
	c.setLatencies(byStep, sums)
	wq, cq := win.Result(), cum.Result()
	s.WindowP50, s.WindowP95, s.WindowP99, s.WindowN = wq[0], wq[1], wq[2], counts.window
	s.CumP50, s.CumP95, s.CumP99, s.CumN = cq[0], cq[1], cq[2], counts.cumulative
	c.a.Histogram = Histogram{Bounds: hist.Bounds, Counts: hist.Counts}
	if c.hasTTFT && c.opts.Metric == MetricTTFT {
		s.TTFTWindowP95 = s.WindowP95
	}
	return nil
}

// feedCumulative adds the post-warmup values of the batches to the
// cumulative series of n points, in a goroutine of its own; the channel
// it returns is closed when batches is closed and drained.
func feedCumulative(cum *stats.QuantileSeries, n int, batches <-chan []sortedRow) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for rows := range batches {
			for _, r := range rows {
				if f, _, warm, _ := unpack(r.K); !warm {
					cum.Add(r.X, f, n-1)
				}
			}
		}
	}()
	return done
}

// setLatencies sets the latency quantiles and means of the run and of
// each step, from byStep and the sums (one a step, then the run's).
func (c *computer) setLatencies(byStep *stepQuantiles, sums []sum) {
	stepQ, totalQ, prefixQ := byStep.Result()
	c.steadyQ = prefixQ
	setLatency(&c.a.Overall.Latency, totalQ, sums[len(sums)-1].mean())
	c.a.Overall.Percentiles = c.extra(totalQ)
	for i := range c.a.Steps {
		setLatency(&c.a.Steps[i].Latency, stepQ[i], sums[i].mean())
		c.a.Steps[i].Percentiles = c.extra(stepQ[i])
	}
}

// windowFlat says whether the windowed series' values each belong to few
// points (a window of at most 100 buckets), for stats.NewQuantileSeries.
func (c *computer) windowFlat() bool {
	return c.opts.Window.Microseconds() <= 100*int64(c.a.Series.BucketS*1e6)
}

// statsPs are the quantiles of the step and run figures.
var statsPs = []float64{0.5, 0.9, 0.95, 0.99}

// setLatency fills the percentiles (statsPs) and the mean of lat.
func setLatency(lat *Latency, q []*float64, mean *float64) {
	lat.P50MS, lat.P90MS, lat.P95MS, lat.P99MS = q[0], q[1], q[2], q[3]
	lat.MeanMS = mean
	lat.P99P50 = nil
	if lat.P50MS != nil && lat.P99MS != nil && *lat.P50MS > 0 {
		lat.P99P50 = ptr(*lat.P99MS / *lat.P50MS)
	}
}

// stepNumbers are the steps' numbers, ascending as a.Steps is.
func (c *computer) stepNumbers() []int {
	steps := make([]int, len(c.a.Steps))
	for i := range c.a.Steps {
		steps[i] = c.a.Steps[i].Step
	}
	return steps
}

// positions maps each step number to its position in steps.
func positions(steps []int) map[int64]int {
	pos := make(map[int64]int, len(steps))
	for i, s := range steps {
		pos[int64(s)] = i
	}
	return pos
}

// sum is a compensated (Neumaier) sum: fed the same values in the same
// order it gives the same mean, and it loses almost nothing to rounding.
type sum struct {
	s, c float64
	n    int64
}

func (s *sum) add(x float64) {
	t := s.s + x
	if math.Abs(s.s) >= math.Abs(x) {
		s.c += (s.s - t) + x
	} else {
		s.c += (x - t) + s.s
	}
	s.s = t
	s.n++
}

// mean is nil when empty or not a number.
func (s *sum) mean() *float64 {
	if s.n == 0 {
		return nil
	}
	m := (s.s + s.c) / float64(s.n)
	if math.IsNaN(m) {
		return nil
	}
	return &m
}

// pointSamples are the sample counts of one figure at each series point.
type pointSamples struct {
	window     []int64 // successes completed within the window ending at the point
	cumulative []int64 // non-warmup successes completed by the point
	// lo, hi and histN are the least and greatest non-warmup values and
	// their number (the histogram's range).
	lo, hi float64
	histN  int64
}

// pointCounts runs series_counts.sql for figure ("v" or "ttft") and
// accumulates the counts of each of the n points.
func (c *computer) pointCounts(figure string, bucketS float64, winUS int64, n int) (*pointSamples, error) {
	ps := &pointSamples{window: make([]int64, n), cumulative: make([]int64, n), lo: math.Inf(1), hi: math.Inf(-1)}
	rows, err := c.conn.QueryContext(c.ctx, query("series_counts.sql"), figure, bucketS*1e6, winUS)
	if err != nil {
		return nil, fmt.Errorf("count samples by time: %w", err)
	}
	defer rows.Close()
	// Window counts are a difference array: +k at f, -k after l.
	diff := make([]int64, n+1)
	firsts := make([]int64, n+1)
	for rows.Next() {
		var f, l, k int64
		var warm bool
		var lo, hi float64
		if err := rows.Scan(&f, &l, &warm, &k, &lo, &hi); err != nil {
			return nil, fmt.Errorf("read samples by time: %w", err)
		}
		if !warm {
			ps.lo, ps.hi = math.Min(ps.lo, lo), math.Max(ps.hi, hi)
			ps.histN += k
		}
		if f >= int64(n) {
			continue
		}
		if !warm {
			firsts[f] += k
		}
		if l = min(l, int64(n-1)); l >= f {
			diff[f] += k
			diff[l+1] -= k
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read samples by time: %w", err)
	}
	var w, cum int64
	for i := range n {
		w += diff[i]
		cum += firsts[i]
		ps.window[i], ps.cumulative[i] = w, cum
	}
	return ps, nil
}

// scanValues runs series_values.sql for figure through streamSorted and
// calls fn with each value in ascending order, its first and last point,
// whether it was sent within the warmup and its step.
func (c *computer) scanValues(figure string, bucketS float64, winUS int64, fn func(x float64, f, l int, warm bool, step int32)) error {
	return c.scanBatches(figure, bucketS, winUS, func(rows []sortedRow) {
		for _, r := range rows {
			f, l, warm, step := unpack(r.K)
			fn(r.X, f, l, warm, step)
		}
	})
}

// scanBatches is scanValues a batch at a time: fn gets the values with
// their packed points, step and warmup flag (unpack), and must not keep
// the slice.
func (c *computer) scanBatches(figure string, bucketS float64, winUS int64, fn func(rows []sortedRow)) error {
	args := []any{figure, bucketS * 1e6, winUS}
	err := c.eng.streamSorted(c.ctx, query("series_values.sql"), args, func(rows []sortedRow) error {
		fn(rows)
		return nil
	})
	if err != nil {
		return fmt.Errorf("read samples: %w", err)
	}
	return nil
}

// unpack splits series_values.sql's k: a value's first and last point,
// whether it was sent within the warmup, and its step.
func unpack(k int64) (f, l int, warm bool, step int32) {
	return int(k >> 14 & 8191), int(k>>1&8191) - 1, k&1 == 1, int32(k >> 27)
}
