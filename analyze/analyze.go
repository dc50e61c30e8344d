package analyze

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"sort"
	"time"
)

// Analyze reads the run file(s) at paths (several shards of one run, given
// one by one or as a glob) and computes every figure. Bad input is
// returned as *InputError; bad options as the error of Options.Validate.
func Analyze(ctx context.Context, opts Options, paths ...string) (*Analysis, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	files, err := openInputs(paths)
	if err != nil {
		return nil, err
	}

	a := &Analysis{FormatVersion: FormatVersion}
	a.Run = runInfo(files)
	auto := opts.Warmup == WarmupAuto
	opts = opts.forRun(a.Run)
	a.Settings = Settings{
		WarmupS:          opts.Warmup.Seconds(),
		WarmupAuto:       auto,
		WindowS:          opts.Window.Seconds(),
		BaselineUsers:    opts.BaselineUsers,
		LatencyThreshold: opts.LatencyThreshold,
		ErrorThreshold:   opts.ErrorThreshold,
		Metric:           opts.Metric,
		MinStepSamples:   MinStepSamples,
		MinWindowSamples: MinWindowSamples,
	}
	a.Definitions = Definitions(a.Settings)

	start := time.Now()
	e, err := loadRun(ctx, opts, files, a.Run.StartedAt.UnixMicro(), "load.sql", "load_failed.sql")
	if err != nil {
		return nil, err
	}
	defer e.Close()
	if err := checkRows(ctx, e.conn, files); err != nil {
		return nil, err
	}
	c := &computer{ctx: ctx, conn: e.conn, a: a, opts: opts, closeDB: e.Close}
	c.trace("load", start)
	if err := c.run(); err != nil {
		return nil, err
	}
	a.Warnings = append(a.Warnings, generatorWarnings(files)...)
	a.Warnings = append(a.Warnings, loadWarnings(files)...)
	a.Warnings = append(a.Warnings, generatorFailureWarning(a)...)
	a.Warnings = append(a.Warnings, estimateWarnings(a)...)
	return a, nil
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
		})
	}
	if r.EndedAt.After(r.StartedAt) {
		r.DurationS = r.EndedAt.Sub(r.StartedAt).Seconds()
	}
	return r
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
	// closeDB releases the database once the last query has run, before
	// the Go-side series work, so the two never hold memory together.
	closeDB func() error
	a       *Analysis
	opts    Options

	hasTTFT, hasTokens bool
	lastDoneS          float64
	endS               float64 // the time axis end: max(duration, last completion)
}

func (c *computer) run() error {
	steps := []struct {
		name string
		f    func() error
	}{
		{"presence", c.presence}, {"stats", c.stats}, {"openloop", c.openLoopFigures}, {"steady", c.steady}, {"tokens", c.stepTokens}, {"llm", c.llm}, {"errors", c.errors}, {"series", c.series}, {"samples", c.samples},
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
		for _, s := range a.Steps {
			if s.Step < *a.Saturation.Step {
				st.LastStep = s.Step
			}
		}
		var q50, q99 sql.NullFloat64
		err := c.conn.QueryRowContext(c.ctx, query("steady.sql"), *a.Saturation.Step).Scan(&st.Requests, &st.OK, &q50, &q99)
		if err != nil {
			return fmt.Errorf("compute the steady state: %w", err)
		}
		if st.Requests > 0 {
			st.FailRate = ptr(float64(st.Requests-st.OK) / float64(st.Requests))
		}
		st.P50MS, st.P99MS = nullable(q50), nullable(q99)
		if st.P50MS != nil && st.P99MS != nil && *st.P50MS > 0 {
			st.P99P50 = ptr(*st.P99MS / *st.P50MS)
		}
	}
	a.Steady = st
	return nil
}

func (c *computer) presence() error {
	var rows, ttft, tokens, lastDone, warm, late int64
	var lag50, lag99, lagMax sql.NullFloat64
	err := c.conn.QueryRowContext(c.ctx, query("presence.sql"), LagThresholdMS).Scan(
		&rows, &ttft, &tokens, &lastDone, &warm, &lag50, &lag99, &lagMax, &late)
	if err != nil {
		return fmt.Errorf("read run summary: %w", err)
	}
	c.hasTTFT, c.hasTokens = ttft > 0, tokens > 0
	c.lastDoneS = float64(lastDone) / 1e6
	c.endS = math.Max(c.a.Run.DurationS, c.lastDoneS)
	c.a.Run.Rows = rows
	c.a.Overall.WarmupRequests = warm
	c.a.Lag = Lag{P50MS: nullable(lag50), P99MS: nullable(lag99), MaxMS: nullable(lagMax), Late: late}
	return nil
}

func nullable(v sql.NullFloat64) *float64 {
	if !v.Valid || math.IsNaN(v.Float64) {
		return nil
	}
	x := v.Float64
	return &x
}

func ptr(v float64) *float64 { return &v }

type qrow struct {
	n                  int64
	q50, q90, q95, q99 sql.NullFloat64
	max                sql.NullFloat64
}

func (q *qrow) quantiles() Quantiles {
	return Quantiles{Samples: q.n, P50: nullable(q.q50), P90: nullable(q.q90),
		P95: nullable(q.q95), P99: nullable(q.q99), Max: nullable(q.max)}
}

func (c *computer) stats() error {
	rows, err := c.conn.QueryContext(c.ctx, query("stats.sql"))
	if err != nil {
		return fmt.Errorf("compute statistics: %w", err)
	}
	defer rows.Close()
	a := c.a
	warmS := c.opts.Warmup.Seconds()
	// Requests are sent from the start to the schedule's planned end (or
	// an earlier stop); the grace period after it, in which in-flight
	// requests finish but none is sent, is not part of the sending span.
	sendEnd := a.Run.DurationS
	if planned := a.Run.Shape.DurationS; planned > 0 {
		sendEnd = math.Min(sendEnd, planned)
	}
	measured := math.Max(0, sendEnd-warmS)
	stepT := a.Run.Shape.StepTimeS
	for rows.Next() {
		var (
			total               bool
			step, users         int64
			requests, okN       int64
			v                   qrow
			vMin, vAvg          sql.NullFloat64
			outTok, promptTok   int64
			firstSend, lastSend int64
		)
		if err := rows.Scan(&total, &step, &users, &requests, &okN,
			&v.n, &vMin, &vAvg, &v.q50, &v.q90, &v.q95, &v.q99, &v.max,
			&outTok, &promptTok, &firstSend, &lastSend); err != nil {
			return fmt.Errorf("read statistics: %w", err)
		}
		lat := Latency{Samples: v.n, MinMS: nullable(vMin), MeanMS: nullable(vAvg),
			P50MS: nullable(v.q50), P90MS: nullable(v.q90), P95MS: nullable(v.q95),
			P99MS: nullable(v.q99), MaxMS: nullable(v.max)}
		if lat.P50MS != nil && lat.P99MS != nil && *lat.P50MS > 0 {
			lat.P99P50 = ptr(*lat.P99MS / *lat.P50MS)
		}
		var failRate *float64
		if requests > 0 {
			failRate = ptr(float64(requests-okN) / float64(requests))
		}
		if total {
			o := &a.Overall
			o.Requests, o.OK, o.Failures, o.FailRate = requests, okN, requests-okN, failRate
			o.MeasuredS = measured
			if measured > 0 {
				o.RPS = ptr(float64(requests) / measured)
			}
			o.Latency = lat
			if c.hasTTFT || c.hasTokens {
				a.LLM = &LLM{OutputTokens: outTok, PromptTokens: promptTok}
				if c.hasTokens && measured > 0 {
					a.LLM.OutputTokensPerS = ptr(float64(outTok) / measured)
				}
			}
			continue
		}
		s := Step{Step: int(step), Users: int(users), Requests: requests, OK: okN,
			Failures: requests - okN, FailRate: failRate, Latency: lat, Errors: map[string]int64{}}
		if stepT > 0 {
			s.StartS = math.Max(float64(step-1)*stepT, warmS)
			s.EndS = math.Min(float64(step)*stepT, sendEnd)
		}
		if stepT <= 0 || s.EndS <= s.StartS {
			s.StartS = math.Max(float64(firstSend)/1e6, warmS)
			s.EndS = float64(lastSend) / 1e6
		}
		s.DurationS = math.Max(0, s.EndS-s.StartS)
		if s.DurationS > 0 {
			s.RPS = ptr(float64(requests) / s.DurationS)
		}
		if c.hasTTFT || c.hasTokens {
			s.LLM = &StepLLM{OutputTokens: outTok}
			if c.hasTokens && s.DurationS > 0 {
				s.LLM.OutputTokensPerS = ptr(float64(outTok) / s.DurationS)
			}
		}
		a.Steps = append(a.Steps, s)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read statistics: %w", err)
	}
	if a.Steps == nil {
		a.Steps = []Step{}
	}
	return nil
}

// llm computes the LLM distributions (TTFT, inter-token latency, tokens/s
// per request), overall and per step, one figure a query.
func (c *computer) llm() error {
	if c.a.LLM == nil {
		return nil
	}
	byStep := map[int]*Step{}
	for i := range c.a.Steps {
		byStep[c.a.Steps[i].Step] = &c.a.Steps[i]
	}
	for _, figure := range []string{"ttft", "itl", "tps"} {
		rows, err := c.conn.QueryContext(c.ctx, query("llm.sql"), figure)
		if err != nil {
			return fmt.Errorf("compute %s: %w", figure, err)
		}
		for rows.Next() {
			var total bool
			var step int64
			var q qrow
			if err := rows.Scan(&total, &step, &q.n, &q.q50, &q.q90, &q.q95, &q.q99, &q.max); err != nil {
				rows.Close()
				return fmt.Errorf("read %s: %w", figure, err)
			}
			if total {
				switch figure {
				case "ttft":
					c.a.LLM.TTFT = q.quantiles()
				case "itl":
					c.a.LLM.ITL = q.quantiles()
				case "tps":
					c.a.LLM.TokensPerS = q.quantiles()
				}
				continue
			}
			s := byStep[int(step)]
			if s == nil || s.LLM == nil {
				continue
			}
			switch figure {
			case "ttft":
				s.LLM.TTFTP50MS, s.LLM.TTFTP95MS, s.LLM.TTFTP99MS = nullable(q.q50), nullable(q.q95), nullable(q.q99)
			case "itl":
				s.LLM.ITLP50MS, s.LLM.ITLP95MS = nullable(q.q50), nullable(q.q95)
			case "tps":
				s.LLM.TokensPerSP50 = nullable(q.q50)
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("read %s: %w", figure, err)
		}
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
	rows, err = c.conn.QueryContext(c.ctx, query("series_done.sql"), bucketUS, int64(n), bucketUS, int64(n))
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

// samples reads the successes by completion time and computes the
// windowed and cumulative percentile series and the histogram.
func (c *computer) samples() error {
	start := time.Now()
	// One pass reads both the metric and, when the metric is latency, the
	// TTFT of each success (the TTFT chart).
	withTTFT := c.hasTTFT && c.opts.Metric != MetricTTFT
	sm, tm, err := c.fetchSamples(withTTFT)
	if err != nil {
		return err
	}
	if err := c.closeDB(); err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	c.trace("fetch", start)
	sm.rankValues()
	tm.rankValues()
	s := &c.a.Series
	win := percentileSeries(sm, s.T, c.opts.Window, []float64{0.5, 0.95, 0.99}, true)
	s.WindowP50, s.WindowP95, s.WindowP99, s.WindowN = win.q[0], win.q[1], win.q[2], win.n
	cum := percentileSeries(sm, s.T, 0, []float64{0.5, 0.95, 0.99}, false)
	s.CumP50, s.CumP95, s.CumP99, s.CumN = cum.q[0], cum.q[1], cum.q[2], cum.n
	c.a.Histogram = histogram(sm.sorted, sm.warm, sm.rank)
	switch {
	case !c.hasTTFT:
	case withTTFT:
		s.TTFTWindowP95 = percentileSeries(tm, s.T, c.opts.Window, []float64{0.95}, true).q[0]
	default:
		s.TTFTWindowP95 = s.WindowP95 // the metric is TTFT
	}
	return nil
}

// sampleSet are successes ordered by completion time.
type sampleSet struct {
	c      []int64   // completion, µs since started_at
	warm   []bool    // sent within the warmup
	rank   []int32   // rank of the value among all samples
	sorted []float64 // values by rank
	vs     []float64 // values as read, until ranked
}

func (sm *sampleSet) add(c int64, w bool, v float64) {
	sm.c = append(sm.c, c)
	sm.warm = append(sm.warm, w)
	sm.vs = append(sm.vs, v)
}

func (sm *sampleSet) rankValues() {
	sm.rank, sm.sorted = rankByValue(sm.vs)
	sm.vs = nil // sorted holds the values now
}

// fetchSamples reads samples.sql (c_us, v, warm, ttft_ms of successes,
// ordered by c_us) into the metric's samples and, withTTFT, the TTFT
// samples (ranked later, by rankValues). It reads through the driver directly:
// database/sql's per-value conversion costs more than the query itself at
// millions of rows.
func (c *computer) fetchSamples(withTTFT bool) (*sampleSet, *sampleSet, error) {
	capacity := c.a.Overall.OK + c.a.Overall.WarmupRequests
	newSet := func() *sampleSet {
		return &sampleSet{c: make([]int64, 0, capacity), warm: make([]bool, 0, capacity), vs: make([]float64, 0, capacity)}
	}
	sm, tm := newSet(), &sampleSet{}
	if withTTFT {
		tm = newSet()
	}
	err := c.conn.Raw(func(dc any) error {
		q, ok := dc.(driver.QueryerContext)
		if !ok {
			return errors.New("the database driver cannot query")
		}
		rows, err := q.QueryContext(c.ctx, query("samples.sql"), nil)
		if err != nil {
			return err
		}
		defer rows.Close()
		dest := make([]driver.Value, 4)
		for {
			if err := rows.Next(dest); err != nil {
				if errors.Is(err, io.EOF) {
					return nil
				}
				return err
			}
			ci, ok1 := dest[0].(int64)
			w, ok2 := dest[2].(bool)
			if !ok1 || !ok2 {
				return fmt.Errorf("unexpected sample types %T %T", dest[0], dest[2])
			}
			if v, ok := dest[1].(float64); ok {
				sm.add(ci, w, v)
			}
			if t, ok := dest[3].(float64); ok && withTTFT {
				tm.add(ci, w, t)
			}
		}
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read samples: %w", err)
	}
	return sm, tm, nil
}

type seriesResult struct {
	q [][]*float64
	n []int64
}

// percentileSeries computes quantiles ps at every point t of ts over the
// samples. windowed: over all samples completed in (t - window, t], a gap
// below MinWindowSamples; otherwise (cumulative): over the non-warmup
// samples completed by t.
func percentileSeries(sm *sampleSet, ts []float64, window time.Duration, ps []float64, windowed bool) seriesResult {
	res := seriesResult{q: make([][]*float64, len(ps)), n: make([]int64, len(ts))}
	for j := range ps {
		res.q[j] = make([]*float64, len(ts))
	}
	f := newOrderStats(len(sm.c))
	cs := sm.c
	in, out := 0, 0
	winUS := window.Microseconds()
	for i, t := range ts {
		tUS := int64(math.Round(t * 1e6))
		for in < len(cs) && cs[in] <= tUS {
			if windowed || !sm.warm[in] {
				f.add(sm.rank[in], 1)
			}
			in++
		}
		if windowed {
			for out < in && cs[out] <= tUS-winUS {
				f.add(sm.rank[out], -1)
				out++
			}
		}
		res.n[i] = int64(f.size)
		if f.size == 0 || (windowed && f.size < MinWindowSamples) {
			continue
		}
		for j, p := range ps {
			res.q[j][i] = ptr(f.quantile(sm.sorted, p))
		}
	}
	return res
}

// histogram counts the non-warmup values in HistogramBuckets log-spaced
// buckets between the smallest and the largest value. sorted holds every
// sample's value by rank; warm and rank are by sample.
func histogram(sorted []float64, warm []bool, rank []int32) Histogram {
	h := Histogram{Bounds: []float64{}, Counts: []int64{}}
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, w := range warm {
		if !w {
			v := sorted[rank[i]]
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if math.IsInf(lo, 1) {
		return h
	}
	if hi <= lo {
		h.Bounds = []float64{lo, hi}
		h.Counts = []int64{0}
		for _, w := range warm {
			if !w {
				h.Counts[0]++
			}
		}
		return h
	}
	// log spacing needs a positive start; values at or below it fall in
	// the first bucket.
	start := lo
	if start <= 0 {
		start = hi / 1e6
	}
	nb := HistogramBuckets
	h.Bounds = make([]float64, nb+1)
	h.Counts = make([]int64, nb)
	span := math.Log(hi / start)
	for i := range nb + 1 {
		h.Bounds[i] = start * math.Exp(span*float64(i)/float64(nb))
	}
	h.Bounds[0], h.Bounds[nb] = lo, hi
	for i, w := range warm {
		if w {
			continue
		}
		v := sorted[rank[i]]
		b := sort.SearchFloat64s(h.Bounds, v) // first bound >= v
		if b < len(h.Bounds) && h.Bounds[b] == v {
			b++ // v is the lower bound of bucket b
		}
		b = max(0, min(b-1, nb-1))
		h.Counts[b]++
	}
	return h
}
