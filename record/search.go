package record

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/llmrec/llmrec/analyze/level"
	"github.com/llmrec/llmrec/analyze/stats"
	"github.com/llmrec/llmrec/schemas"
)

// SearchConfig is a capacity search (llmrec search): probes of one level
// each, chosen by a Bisection, until the highest level that meets the SLO
// is bracketed within the resolution.
type SearchConfig struct {
	// Run is the request and connection settings (target, API, workload,
	// timeouts, labels, think times); its Shape and OpenLoop are replaced
	// by each probe's. Run.OpenLoop.Kind says the loop: closed searches
	// users, poisson or constant search offered rates.
	Run Config
	// Start is the first level; Min and Max bound the levels probed.
	Start, Min, Max float64
	// Resolution and Relative: see Bisection.
	Resolution float64
	Relative   bool
	// Probe is the measured part of each probe, Warmup its own warmup
	// before it (the previous probe's requests finish in its first half).
	Probe, Warmup time.Duration
	// SLO, Target: a probe meets the SLO when at least Target of its
	// requests are good (level.Meets) and the one-sided test at Alpha
	// tells its attainment from the target; ErrorThreshold bounds its
	// failure rate. Run.ErrorThreshold is set from it.
	SLO            level.SLO
	Target, Alpha  float64
	ErrorThreshold float64
	// MaxExtend is how many more steps a level gets when its sample
	// cannot tell its attainment from the target; MaxProbes bounds the
	// steps of the whole search.
	MaxExtend, MaxProbes int
	// Sweep, when above 0, makes it a sweep (Sweep) of that many rates
	// instead of a search; Concurrency is the users of its throughput
	// probe. A sweep needs no SLO: with one, each probe's attainment is
	// tested and reported, and decides nothing.
	Sweep, Concurrency int
	// OnProbe, when set, gets each probe as it ends, from Search's
	// goroutine.
	OnProbe func(schemas.Probe)
}

// DefaultSearchConfig is llmrec search's defaults over run: an open loop
// of Poisson arrivals from 1 req/s, 30 s probes after 10 s of warmup,
// 10% resolution, 90% target at alpha 0.05, two extensions, 20 steps.
func DefaultSearchConfig(run Config) SearchConfig {
	run.OpenLoop.Kind = ArrivalPoisson
	return SearchConfig{
		Run: run, Start: 1, Min: 0.05, Max: 10000, Resolution: 0.1, Relative: true,
		Probe: 30 * time.Second, Warmup: 10 * time.Second,
		Target: level.DefaultSLOTarget, Alpha: 0.05, ErrorThreshold: 0.01,
		MaxExtend: 2, MaxProbes: 20,
	}
}

// Users reports whether the search is a closed loop (its levels users).
func (s *SearchConfig) Users() bool { return !s.Run.OpenLoop.Open() }

// StepTime is the length of every step: the probe's warmup and its
// measured part.
func (s *SearchConfig) StepTime() time.Duration { return s.Warmup + s.Probe }

// Validate reports every problem with s at once (errors.Join of
// *FieldError values; Field names SearchConfig's fields).
func (s *SearchConfig) Validate() error {
	var errs []error
	bad := func(field, format string, a ...any) {
		errs = append(errs, &FieldError{Field: "Search." + field, Problem: fmt.Sprintf(format, a...)})
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	if s.Sweep > 0 {
		if s.Users() {
			bad("Sweep", "sweeps offered rates: its arrivals are poisson or constant")
		}
		if s.Sweep > 100 {
			bad("Sweep", "must be at most 100 rates, got %d", s.Sweep)
		}
		if s.Concurrency < 1 || s.Concurrency > 100000 {
			bad("Concurrency", "must be between 1 and 100000, got %d", s.Concurrency)
		}
	} else if !s.SLO.Set() {
		bad("SLO", "is needed: a search looks for the highest level that meets it")
	}
	if s.Sweep < 0 {
		bad("Sweep", "must not be negative, got %d", s.Sweep)
	}
	if !(s.Target > 0 && s.Target < 1) {
		bad("Target", "must be a share above 0 and below 100%% (a target of 100%% can never be shown met), got %g", s.Target)
	}
	if !(s.Alpha > 0 && s.Alpha < 0.5) {
		bad("Alpha", "must be above 0 and below 0.5, got %g", s.Alpha)
	}
	if !(s.ErrorThreshold >= 0 && s.ErrorThreshold < 1) {
		bad("ErrorThreshold", "must be a share in [0, 1), got %g", s.ErrorThreshold)
	}
	if !finite(s.Start) || s.Start <= 0 || !finite(s.Max) || s.Max < s.Start || !finite(s.Min) || s.Min <= 0 || s.Min > s.Start {
		bad("Start/Max", "must satisfy 0 < min ≤ start ≤ max, got min %g, start %g, max %g", s.Min, s.Start, s.Max)
	}
	if s.Users() && (s.Start != math.Trunc(s.Start) || s.Max > 1e6) {
		bad("Start/Max", "users must be whole and at most a million, got start %g, max %g", s.Start, s.Max)
	}
	if !s.Users() && s.Max > MaxArrivalRate {
		bad("Start/Max", "a rate is at most %g requests/s, got %g", float64(MaxArrivalRate), s.Max)
	}
	if !finite(s.Resolution) || s.Resolution <= 0 || (s.Relative && s.Resolution >= 1) {
		bad("Resolution", "must be above 0 (a share below 100%%, or a number of levels), got %g", s.Resolution)
	}
	if s.Probe < time.Second {
		bad("Probe", "must be at least 1s, got %v", s.Probe)
	}
	if s.Warmup < 0 {
		bad("Warmup", "must not be negative, got %v", s.Warmup)
	}
	if s.MaxExtend < 0 || s.MaxExtend > 10 {
		bad("MaxExtend", "must be between 0 and 10, got %d", s.MaxExtend)
	}
	if s.MaxProbes < 1 || s.MaxProbes > 1000 {
		bad("MaxProbes", "must be between 1 and 1000, got %d", s.MaxProbes)
	}
	if s.Run.Shard.Sharded() || !s.Run.Shard.StartAt.IsZero() {
		bad("Run.Shard", "a search runs on one recorder: it chooses each level from the last one's answers")
	}
	probe := s.probeConfig(s.Start, s.StepTime())
	errs = append(errs, unjoin(probe.Validate())...)
	return errors.Join(errs...)
}

// probeConfig is the run of one probe at lvl lasting d.
func (s *SearchConfig) probeConfig(lvl float64, d time.Duration) Config {
	if s.Users() {
		return s.usersConfig(max(1, int(lvl)), d, false)
	}
	c := s.base()
	c.OpenLoop.Rate, c.OpenLoop.StepRate, c.OpenLoop.MaxRate = lvl, 0, 0
	c.OpenLoop.StepTime, c.OpenLoop.Duration = d, d
	c.Shape = Shape{StepUsers: 1, MaxUsers: 1, StepTime: d}
	return c
}

// base is the run settings every probe shares.
func (s *SearchConfig) base() Config {
	c := s.Run
	c.StopOnSaturation = false
	c.ErrorThreshold = math.Max(s.ErrorThreshold, 1e-9)
	c.Grace = s.Warmup / 2
	c.Progress, c.Snapshot, c.Notice = nil, nil, nil
	return c
}

// usersConfig is a closed-loop probe of n users lasting d; busy users
// send again as soon as an answer is whole (a sweep's synchronous and
// throughput probes), others think as Run says.
func (s *SearchConfig) usersConfig(n int, d time.Duration, busy bool) Config {
	c := s.base()
	c.Shape = Shape{StepUsers: n, MaxUsers: n, StepTime: d, SpawnRate: float64(n) * 4}
	c.OpenLoop.Kind = ArrivalClosed
	if busy {
		c.WaitMin, c.WaitMax = 0, 0
	}
	return c
}

// ConnConfig is the Config to Connect the search's client with: the
// connection pool sized for the highest level.
func (s *SearchConfig) ConnConfig() Config {
	if s.Sweep > 0 {
		return s.usersConfig(s.Concurrency, s.StepTime(), true)
	}
	return s.probeConfig(s.Max, s.StepTime())
}

// SearchSummary is what a finished search reports.
type SearchSummary struct {
	Meta   *schemas.RunMeta
	Rows   int64
	Search *schemas.Search
}

// Search runs the capacity search of sc through client into sink: one
// step of StepTime per probe, laid end to end on the run's clock (probe k
// spans [(k−1)·StepTime, k·StepTime) from started_at; its first Warmup is
// its own warmup, during whose first half the previous probe's requests
// finish or are canceled), so the file is an ordinary run whose steps are
// the probes. Each probe is decided from the requests it sent after its
// warmup, with level.Meets and a one-sided test of the attainment
// (stats.TestAttainment); an undecided level is probed again (up to
// MaxExtend more steps, pooled), then called inconclusive. Canceling ctx
// ends the search after the probe in progress is recorded. The footer
// records the levels (Shape.Levels), each step's warmup and the search.
func Search(ctx context.Context, sc SearchConfig, client Client, sink Sink) (*SearchSummary, error) {
	if sc.Sweep > 0 {
		return nil, errors.New("a sweep runs with Sweep, not Search")
	}
	pr, err := newProber(&sc, client, sink)
	if err != nil {
		return nil, err
	}
	sr := pr.sr
	b := NewBisection(Bisection{Start: sc.Start, Min: sc.Min, Max: sc.Max, Integer: sc.Users(),
		Resolution: sc.Resolution, Relative: sc.Relative})
	pooled := map[float64]*schemas.Probe{}
	extended := map[float64]int{}
	stepsMeet := map[float64]bool{}
	lvl, ok := b.Next()
	for ok {
		if len(pr.levels) == sc.MaxProbes {
			sr.End = schemas.SearchProbeLimit
			break
		}
		if pr.interrupted(ctx) {
			break
		}
		p, err := pr.run(ctx, lvl, func(d time.Duration) Config { return sc.probeConfig(lvl, d) })
		if err != nil {
			return nil, err
		}
		one := p // this step alone, as llmrep judges each step of a level
		if prev := pooled[lvl]; prev != nil {
			p.Due, p.Good, p.Failures = p.Due+prev.Due, p.Good+prev.Good, p.Failures+prev.Failures
		} else {
			stepsMeet[lvl] = true
		}
		stepsMeet[lvl] = stepsMeet[lvl] && stepMeets(one, &sc)
		pooled[lvl] = &p
		decide(&p, &sc, stepsMeet[lvl], extended[lvl] < sc.MaxExtend)
		pr.report(p)
		if pr.stopped() {
			break
		}
		if p.Verdict == schemas.ProbeExtend {
			extended[lvl]++
			continue // the same level again
		}
		b.Record(lvl, p.Verdict == schemas.ProbeMeets)
		lvl, ok = b.Next()
	}
	if sr.End == "" {
		sr.End = b.End()
	}
	met, missed := b.Bracket()
	if !math.IsNaN(met) {
		sr.Met = &met
	}
	if !math.IsNaN(missed) {
		sr.Missed = &missed
	}
	return pr.finish()
}

// Sweep runs guidellm's sweep through client into sink: a synchronous
// probe (one user sending again as soon as each answer is whole), a
// throughput probe (Concurrency such users), then Sweep probes at
// offered rates evenly spaced above the synchronous probe's completed
// rate up to the throughput probe's (SweepRates). Each is a step laid out
// as Search lays its probes; the synchronous and throughput steps take
// their completed rate as their level (a run's levels are one kind: req/s)
// and are named by Probe.Mode. With an SLO each probe reports its
// attainment and bounds; its verdict decides nothing.
func Sweep(ctx context.Context, sc SearchConfig, client Client, sink Sink) (*SearchSummary, error) {
	if sc.Sweep <= 0 {
		return nil, errors.New("a sweep needs Sweep rates")
	}
	pr, err := newProber(&sc, client, sink)
	if err != nil {
		return nil, err
	}
	sr := pr.sr
	var rates []float64
	for k := 0; k < 2+sc.Sweep; k++ {
		if pr.interrupted(ctx) {
			break
		}
		var p schemas.Probe
		if k < 2 {
			users, mode := 1, schemas.ProbeSynchronous
			if k == 1 {
				users, mode = sc.Concurrency, schemas.ProbeThroughput
			}
			p, err = pr.run(ctx, 0, func(d time.Duration) Config { return sc.usersConfig(users, d, true) })
			if err == nil {
				p.Mode, p.Users = mode, users
				p.Level = math.Round(float64(pr.ps.done)/sc.Probe.Seconds()*1000) / 1000
				pr.levels[len(pr.levels)-1] = p.Level
			}
		} else {
			lvl := rates[k-2]
			p, err = pr.run(ctx, lvl, func(d time.Duration) Config { return sc.probeConfig(lvl, d) })
		}
		if err != nil {
			return nil, err
		}
		if sc.SLO.Set() {
			decide(&p, &sc, stepMeets(p, &sc), false)
		}
		pr.report(p)
		if pr.stopped() {
			break
		}
		if k == 1 {
			if rates = SweepRates(sr.Probes[0].Level, p.Level, sc.Sweep); rates == nil {
				sr.End = schemas.SearchNoRate
				break
			}
		}
	}
	if sr.End == "" {
		sr.End = schemas.SearchSwept
	}
	return pr.finish()
}

// SweepRates are n rates evenly spaced above sync up to thr (included),
// as guidellm spaces its sweep: sync + (thr − sync)·i/n for i = 1…n; nil
// when thr is not above 0 (nothing completed) or n < 1. When thr is not
// above sync (the service completes no more at once than one at a time)
// they are spaced from 0.
func SweepRates(sync, thr float64, n int) []float64 {
	if !(thr > 0) || n < 1 {
		return nil
	}
	lo := sync
	if !(lo < thr) || lo < 0 {
		lo = 0
	}
	out := make([]float64, n)
	for i := range out {
		v := lo + (thr-lo)*float64(i+1)/float64(n)
		out[i] = math.Max(math.Round(v*1000)/1000, 0.001)
	}
	return out
}

// prober runs the probes of a search or a sweep: one step each, laid end
// to end on the run's clock from t0, all into one sink as rows of one run.
type prober struct {
	sc        *SearchConfig
	client    Client
	sink      Sink
	ps        *probeSink
	meta      *schemas.RunMeta
	sr        *schemas.Search
	t0        time.Time
	seed      int64
	levels    []float64
	endReason string
	endDetail string
}

// newProber validates sc, writes the run's metadata as at the start and
// starts the clock.
func newProber(sc *SearchConfig, client Client, sink Sink) (*prober, error) {
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	base := sc.probeConfig(sc.Start, sc.StepTime())
	if base.Seed == 0 {
		base.Seed = time.Now().UnixNano() >> 1
	}
	sc.Run.Seed = base.Seed
	// Every probe sends the prefixes of the first probe's seed, the one
	// the footer's workload records.
	sc.Run.Workload.PrefixSeed = base.Seed + 1
	meta := newMeta(&base)
	meta.RunID = newRunID()
	sr := &schemas.Search{
		Kind: string(level.Rate), SLO: sc.SLO.String(), SLOWords: sc.SLO.Words(), SLOTarget: sc.Target,
		Alpha: sc.Alpha, ErrorThreshold: sc.ErrorThreshold, Resolution: sc.Resolution, Relative: sc.Relative,
		ProbeS: sc.Probe.Seconds(), Probes: []schemas.Probe{},
	}
	switch {
	case sc.Sweep > 0:
		sr.Kind, sr.Resolution, sr.Relative = schemas.SearchKindSweep, 0, false
	case sc.Users():
		sr.Kind = string(level.Users)
	}
	t0 := time.Now()
	meta.StartedAt = t0.UTC()
	pr := &prober{sc: sc, client: client, sink: sink, meta: meta, sr: sr, t0: t0, seed: base.Seed,
		ps:        &probeSink{sink: sink, meta: meta, slo: sc.SLO, t0: t0, stepTime: sc.StepTime(), warmup: sc.Warmup},
		endReason: schemas.EndCompleted}
	recordSearchShape(meta, sc, nil, sr)
	if err := sink.Begin(meta); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSink, err)
	}
	return pr, nil
}

// interrupted reports whether ctx was canceled before the next probe,
// which ends the search.
func (pr *prober) interrupted(ctx context.Context) bool {
	if ctx.Err() == nil {
		return false
	}
	pr.sr.End, pr.endReason, pr.endDetail = schemas.SearchInterrupted, schemas.EndInterrupted, interruptDetail(ctx)
	return true
}

// run runs the next probe at lvl (the next step of the run), configured
// by cfg for the time left in its step, and returns its counts.
func (pr *prober) run(ctx context.Context, lvl float64, cfg func(d time.Duration) Config) (schemas.Probe, error) {
	step := pr.sc.StepTime()
	k := len(pr.levels) + 1
	pr.levels = append(pr.levels, lvl)
	stepStart := pr.t0.Add(time.Duration(k-1) * step)
	end := stepStart.Add(step)
	pr.ps.begin(k, stepStart.Add(pr.sc.Warmup), end)
	c := cfg(max(time.Until(end), time.Millisecond))
	c.Seed = pr.seed + int64(k)
	c.OpenLoop.Seed = c.Seed
	sum, err := Run(ctx, c, pr.client, pr.ps)
	if err != nil {
		pr.sr.End = schemas.SearchError
		return schemas.Probe{}, err
	}
	pr.ps.merge(sum.Meta, k)
	if sum.Meta.EndReason != schemas.EndCompleted {
		pr.endReason, pr.endDetail = sum.Meta.EndReason, sum.Meta.EndDetail
	}
	return pr.ps.probe(k, lvl), nil
}

// report adds a decided probe to the search and passes it to OnProbe.
func (pr *prober) report(p schemas.Probe) {
	pr.sr.Probes = append(pr.sr.Probes, p)
	if pr.sc.OnProbe != nil {
		pr.sc.OnProbe(p)
	}
}

// stopped reports whether the last probe's run was interrupted or failed,
// which ends the search.
func (pr *prober) stopped() bool {
	switch pr.endReason {
	case schemas.EndInterrupted:
		pr.sr.End = schemas.SearchInterrupted
	case schemas.EndError:
		pr.sr.End = schemas.SearchError
	default:
		return false
	}
	return true
}

// finish writes the final metadata: the levels, the search, the end.
func (pr *prober) finish() (*SearchSummary, error) {
	meta := pr.meta
	recordSearchShape(meta, pr.sc, pr.levels, pr.sr)
	meta.EndedAt = time.Now().UTC()
	meta.EndReason, meta.EndDetail = pr.endReason, pr.endDetail
	meta.Requests = pr.ps.rows
	meta.Unsent = pr.ps.unsent
	slices.SortFunc(meta.Unsent, func(x, y schemas.StepCount) int { return x.Step - y.Step })
	if err := pr.sink.Finish(meta); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSink, err)
	}
	return &SearchSummary{Meta: meta, Rows: pr.ps.rows, Search: pr.sr}, nil
}

// stepMeets is level.Meets of one step's counts: llmrep's rule, which a
// level holds only when each of its steps meets.
func stepMeets(p schemas.Probe, sc *SearchConfig) bool {
	rules := level.Rules{SLO: true, SLOTarget: sc.Target, ErrorThreshold: sc.ErrorThreshold}
	return level.Meets(level.Step{Level: p.Level, Sent: p.Due, Failures: p.Failures, Good: p.Good}, rules)
}

// decide gives probe p (its level's steps pooled) its verdict: misses when
// its failures are over the error threshold, when a step of the level
// missed llmrep's rule on its own (stepsMeet false: llmrep would not count
// the level as held, whatever more samples say), or when the test says
// the attainment is below the target; meets when the test says it reaches
// the target; otherwise extend (when it may) or inconclusive.
func decide(p *schemas.Probe, sc *SearchConfig, stepsMeet, mayExtend bool) {
	due := p.Due
	a := stats.TestAttainment(p.Good, due, sc.Target, sc.Alpha)
	if due > 0 {
		v := a.Share
		p.Attainment = &v
	}
	p.Lo, p.Hi = a.Lo, a.Hi
	rules := level.Rules{SLO: true, SLOTarget: sc.Target, ErrorThreshold: sc.ErrorThreshold}
	st := level.Step{Level: p.Level, Sent: due, Failures: p.Failures, Good: p.Good}
	errorsOver := due > 0 && float64(p.Failures)/float64(due) > sc.ErrorThreshold
	switch {
	case errorsOver:
		p.Verdict, p.Reason = schemas.ProbeMisses, "errors"
	case a.Decision == stats.DecisionMisses, !stepsMeet:
		p.Verdict, p.Reason = schemas.ProbeMisses, "slo"
	case a.Decision == stats.DecisionMeets && level.Meets(st, rules):
		p.Verdict = schemas.ProbeMeets
	case mayExtend:
		p.Verdict = schemas.ProbeExtend
	default:
		p.Verdict = schemas.ProbeInconclusive
	}
}

// recordSearchShape writes the search into the footer's shape: the
// levels probed so far, the step time, each step's warmup.
func recordSearchShape(m *schemas.RunMeta, sc *SearchConfig, levels []float64, sr *schemas.Search) {
	s := &m.Shape
	s.Profile = "search"
	if sc.Sweep > 0 {
		s.Profile = schemas.SearchKindSweep
	}
	s.StepTimeS = sc.StepTime().Seconds()
	s.DurationS = float64(max(1, len(levels))) * s.StepTimeS
	s.ProbeWarmupS = sc.Warmup.Seconds()
	s.Levels = append([]float64{}, levels...)
	top := sc.Start
	for _, l := range levels {
		top = math.Max(top, l)
	}
	if sc.Users() {
		s.Arrival = schemas.ArrivalClosed
		s.StepUsers, s.MaxUsers, s.SpawnRate = int(sc.Start), int(top), top*4
		s.Rate, s.StepRate, s.MaxRate = 0, 0, 0
	} else {
		s.Rate, s.StepRate, s.MaxRate = sc.Start, 0, top
		s.StepUsers, s.MaxUsers, s.SpawnRate = 0, 0, 0
	}
	s.StopOnSaturation = false
	s.Search = sr
}

// probeSink passes each probe's rows to the search's sink as rows of one
// run: the probe's step, the search's run id, sequence numbers and user
// ids continuing from the probes before. It counts what the search
// decides from: the probe's requests sent after its warmup.
type probeSink struct {
	sink Sink
	meta *schemas.RunMeta
	slo  level.SLO
	t0   time.Time
	// stepTime and warmup: each step's length and its own warmup.
	stepTime, warmup time.Duration

	step                  int
	measureFrom, stepEnd  time.Time
	seq, user, probeUsers int64
	rows                  int64
	due, good, failures   int64
	done                  int64 // successes completed in the measured part
	unsent                []schemas.StepCount
}

// begin starts probe k, whose measured requests are those sent from
// measureFrom on, in a step that ends at stepEnd.
func (p *probeSink) begin(k int, measureFrom, stepEnd time.Time) {
	p.step, p.measureFrom, p.stepEnd = k, measureFrom, stepEnd
	p.user += p.probeUsers
	p.probeUsers, p.due, p.good, p.failures, p.done = 0, 0, 0, 0, 0
}

func (p *probeSink) Begin(*schemas.RunMeta) error { return nil }
func (p *probeSink) Flush() error                 { return p.sink.Flush() }
func (p *probeSink) Finish(*schemas.RunMeta) error {
	return nil
}

func (p *probeSink) Write(rows []schemas.Record) error {
	out := make([]schemas.Record, len(rows))
	for i, r := range rows {
		r.RunID, r.Step = p.meta.RunID, int32(p.step)
		r.Seq = p.seq
		p.seq++
		p.probeUsers = max(p.probeUsers, int64(r.User))
		r.User = int32(min(p.user+int64(r.User), math.MaxInt32))
		out[i] = r
		if c := r.Start.Add(time.Duration(r.LatencyMS * float64(time.Millisecond))); r.OK && !c.Before(p.measureFrom) && c.Before(p.stepEnd) {
			p.done++
		}
		if p.measured(r.Start) {
			p.due++
			if !r.OK {
				p.failures++
			}
			req := level.Request{OK: r.OK, LatencyMS: r.LatencyMS, TTFTMS: r.TTFTMS}
			if r.OutputTokens != nil {
				n := int64(*r.OutputTokens)
				req.OutputTokens = &n
			}
			req.MaxGapMS = maxGapMS(r.ChunkUS)
			if p.slo.Good(req) {
				p.good++
			}
		}
	}
	if err := p.sink.Write(out); err != nil {
		return err
	}
	p.rows += int64(len(out))
	return nil
}

// measured tells whether a request sent at start counts in its probe's
// figures, by llmrep's rule to the microsecond (the file's resolution):
// µs since started_at, neither within the run's warmup nor within the
// first warmup of its step's span. A request of a probe sent after its
// step's span (a late send) is in the next span's warmup: not counted.
func (p *probeSink) measured(start time.Time) bool {
	su := start.UnixMicro() - p.t0.UTC().UnixMicro()
	warm, step := p.warmup.Microseconds(), p.stepTime.Microseconds()
	return su >= warm && su%step >= warm
}

// merge takes what a probe's run reported into the search's footer: its
// unsent arrivals (the probe's, step k) and the generator's health.
func (p *probeSink) merge(m *schemas.RunMeta, k int) {
	for _, u := range m.Unsent {
		p.unsent = append(p.unsent, schemas.StepCount{Step: k, N: u.N})
		p.due += u.N // an arrival never sent met no SLO
	}
	g, pg := &p.meta.Generator, m.Generator
	g.GOMAXPROCS = max(g.GOMAXPROCS, pg.GOMAXPROCS)
	g.PeakCPU, g.PeakLagMS = math.Max(g.PeakCPU, pg.PeakCPU), math.Max(g.PeakLagMS, pg.PeakLagMS)
	g.P99LagMS, g.PeakGoroutines = math.Max(g.P99LagMS, pg.P99LagMS), max(g.PeakGoroutines, pg.PeakGoroutines)
	g.MeanCPU = math.Max(g.MeanCPU, pg.MeanCPU)
	off := int(m.StartedAt.Sub(p.t0).Seconds())
	for _, s := range pg.Seconds {
		s.T += off
		g.Seconds = append(g.Seconds, s)
	}
	p.meta.EstimatedOutputRows += m.EstimatedOutputRows
	p.meta.EstimatedTextRows += m.EstimatedTextRows
	if p.meta.Model == "" {
		p.meta.Model = m.Model
	}
	if p.meta.Workload == nil {
		p.meta.Workload = m.Workload
	}
}

// probe is probe k's counts.
func (p *probeSink) probe(k int, lvl float64) schemas.Probe {
	return schemas.Probe{Step: k, Level: lvl, Due: p.due, Good: p.good, Failures: p.failures}
}

// maxGapMS is the longest gap between consecutive chunk times (µs from
// the send) in ms, as the analyzer reads it: nil with fewer than two, or
// when they do not ascend.
func maxGapMS(chunks []int32) *float64 {
	if len(chunks) < 2 {
		return nil
	}
	var top int32
	for i := 1; i < len(chunks); i++ {
		d := chunks[i] - chunks[i-1]
		if d < 0 {
			return nil
		}
		top = max(top, d)
	}
	v := float64(top) / 1000
	return &v
}
