package record

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
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
	// requests are good (level.Meets) and the one-sided test at LookAlpha
	// tells its attainment from the target; ErrorThreshold bounds its
	// failure rate. Run.ErrorThreshold is set from it.
	SLO            level.SLO
	Target, Alpha  float64
	ErrorThreshold float64
	// MaxExtend is how many more steps a level gets when its sample
	// cannot tell its attainment from the target; MaxProbes bounds the
	// steps of the whole search.
	MaxExtend, MaxProbes int
	// Looks is how many times a probe may be tested: at Looks evenly
	// spaced times of its measured part, the last its end; the probe
	// ends at the first look that decides (ProbeLooks). 0 or 1: only at
	// its end.
	Looks int
	// AutoStart raises an open loop's Start to DecidableRate: the lowest
	// rate whose probe can be decided at all (a lower one only extends).
	AutoStart bool
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
// 10% resolution, 90% target at alpha 0.05, two extensions, 20 steps,
// five looks a probe.
func DefaultSearchConfig(run Config) SearchConfig {
	run.OpenLoop.Kind = ArrivalPoisson
	return SearchConfig{
		Run: run, Start: 1, Min: 0.05, Max: 10000, Resolution: 0.1, Relative: true,
		Probe: 30 * time.Second, Warmup: 10 * time.Second,
		Target: level.DefaultSLOTarget, Alpha: 0.05, ErrorThreshold: 0.01,
		MaxExtend: 2, MaxProbes: 20, Looks: 5,
	}
}

// Users reports whether the search is a closed loop (its levels users).
func (s *SearchConfig) Users() bool { return !s.Run.OpenLoop.Open() }

// ProbeLooks is how many times one probe may be tested: Looks (at least
// once, at its end). A probe without a warmup is tested only at its end:
// a look waits for the answers to the requests sent before it, and those
// sent meanwhile must fall in the next step's warmup. A sweep's probes
// are tested once.
func (s *SearchConfig) ProbeLooks() int {
	if s.Sweep > 0 || s.Warmup <= 0 {
		return 1
	}
	return max(1, s.Looks)
}

// MaxLooks is how many times a level may be tested: ProbeLooks times in
// each of its probes, at most 1 + MaxExtend of them (its samples pooled);
// a sweep's rate once.
func (s *SearchConfig) MaxLooks() int {
	if s.Sweep > 0 {
		return 1
	}
	return s.ProbeLooks() * (s.MaxExtend + 1)
}

// LookAlpha is the alpha of each test of a level: Alpha spent evenly
// over its MaxLooks looks (Bonferroni): whatever the number of looks
// taken, and whichever decides, the chance that any of them calls a
// level that misses the target met (or one that holds it missed) is at
// most Alpha. A sweep tests each rate once, at Alpha.
func (s *SearchConfig) LookAlpha() float64 {
	return s.Alpha / float64(s.MaxLooks())
}

// DecisiveRequests is the smallest sample that can show the target met:
// n all-good requests, whose exact lower bound at LookAlpha, LookAlpha^(1/n),
// reaches Target.
func (s *SearchConfig) DecisiveRequests() int64 {
	if !(s.Target > 0 && s.Target < 1) || !(s.Alpha > 0 && s.Alpha < 1) {
		return 1
	}
	return int64(math.Ceil(math.Log(s.LookAlpha()) / math.Log(s.Target)))
}

// DecidableRate is the lowest offered rate whose one probe can show the
// target met: DecisiveRequests in Probe, with a fifth more so that a
// Poisson probe's count usually reaches it, rounded up to two significant
// digits. A probe below it can only miss or be extended: a search that
// starts there spends whole probes learning nothing.
func (s *SearchConfig) DecidableRate() float64 {
	v := 1.2 * float64(s.DecisiveRequests()) / s.Probe.Seconds()
	p := math.Pow(10, 1-math.Floor(math.Log10(v)))
	return math.Ceil(v*p) / p
}

// bisection is the search's choice of levels: from Start, or from
// DecidableRate when AutoStart raises it.
func (s *SearchConfig) bisection() *Bisection {
	start := s.Start
	if s.AutoStart && !s.Users() {
		start = math.Min(math.Max(start, s.DecidableRate()), s.Max)
	}
	return NewBisection(Bisection{Start: start, Min: s.Min, Max: s.Max, Integer: s.Users(),
		Resolution: s.Resolution, Relative: s.Relative})
}

// StepTime is the longest a step runs: the probe's warmup and its
// measured part (a search's probe ends sooner when a look decides).
func (s *SearchConfig) StepTime() time.Duration { return s.Warmup + s.Probe }

// lookTimes are the looks of a probe whose measured part starts at from
// (µs since the search's start): ProbeLooks evenly spaced times, whole
// ms apart, the last its end.
func (s *SearchConfig) lookTimes(from int64) []int64 {
	n := s.ProbeLooks()
	at := make([]int64, n)
	ms := s.Probe.Milliseconds()
	for j := range at {
		at[j] = from + ms*int64(j+1)/int64(n)*1000
	}
	at[n-1] = from + s.Probe.Microseconds()
	return at
}

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
	if s.Looks < 0 || s.Looks > 20 {
		bad("Looks", "must be between 0 and 20, got %d", s.Looks)
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
// step per probe, laid end to end on the run's clock (each starts where
// the one before ended; its first Warmup is its own warmup, during whose
// first half the previous probe's requests finish or are canceled), so
// the file is an ordinary run whose steps are the probes. Each probe is
// decided from the requests it sent after its warmup, with level.Meets and
// a one-sided test of the attainment (stats.TestAttainment), at up to
// ProbeLooks looks: the probe, and its step, end at the first look that
// decides, at most StepTime after the step began (Shape.StepEndsS). An
// undecided level is probed again (up to MaxExtend more steps, pooled),
// then called inconclusive. Canceling ctx ends the search after the probe
// in progress is recorded. The footer records the levels (Shape.Levels),
// where each step ended, each step's warmup and the search.
func Search(ctx context.Context, sc SearchConfig, client Client, sink Sink) (*SearchSummary, error) {
	if sc.Sweep > 0 {
		return nil, errors.New("a sweep runs with Sweep, not Search")
	}
	pr, err := newProber(&sc, client, sink)
	if err != nil {
		return nil, err
	}
	sr := pr.sr
	b := sc.bisection()
	levels := map[float64]*levelState{}
	lvl, ok := b.Next()
	for ok {
		if len(pr.levels) == sc.MaxProbes {
			sr.End = schemas.SearchProbeLimit
			break
		}
		if pr.interrupted(ctx) {
			break
		}
		ls := levels[lvl]
		if ls == nil {
			ls = &levelState{stepsMeet: true}
			levels[lvl] = ls
		}
		judge := func(one schemas.Probe) schemas.Probe { return ls.judge(one, &sc) }
		one, err := pr.run(ctx, lvl, func(d time.Duration) Config { return sc.probeConfig(lvl, d) }, judge)
		if err != nil {
			return nil, err
		}
		p := ls.record(one, &sc)
		if err := pr.report(p); err != nil {
			return nil, err
		}
		if pr.stopped() {
			break
		}
		if p.Verdict == schemas.ProbeExtend {
			continue // the same level again
		}
		b.Record(lvl, p.Verdict == schemas.ProbeMeets)
		setBracket(sr, b) // for the next probe's checkpoint
		lvl, ok = b.Next()
	}
	if sr.End == "" {
		sr.End = b.End()
	}
	setBracket(sr, b)
	return pr.finish()
}

// setBracket records b's bracket in the search: the highest level that
// met and the lowest that missed so far (nil while there is none).
func setBracket(sr *schemas.Search, b *Bisection) {
	sr.Met, sr.Missed = nil, nil
	met, missed := b.Bracket()
	if !math.IsNaN(met) {
		sr.Met = &met
	}
	if !math.IsNaN(missed) {
		sr.Missed = &missed
	}
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
			p, err = pr.run(ctx, 0, func(d time.Duration) Config { return sc.usersConfig(users, d, true) }, nil)
			if err == nil {
				p.Mode, p.Users = mode, users
				p.Level = math.Round(float64(pr.ps.cur.done)/sc.Probe.Seconds()*1000) / 1000
				pr.levels[len(pr.levels)-1] = p.Level
			}
		} else {
			lvl := rates[k-2]
			p, err = pr.run(ctx, lvl, func(d time.Duration) Config { return sc.probeConfig(lvl, d) }, nil)
		}
		if err != nil {
			return nil, err
		}
		if sc.SLO.Set() {
			decide(&p, &sc, stepMeets(p, &sc), false)
		}
		if err := pr.report(p); err != nil {
			return nil, err
		}
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

// levelState is what a search knows of one level from its steps so far.
type levelState struct {
	pooled    schemas.Probe // its steps' counts, pooled
	stepsMeet bool          // each of its steps met llmrep's rule on its own
	extended  int           // its steps after the first
}

// judge is the verdict of the level with one more step, one (its counts
// alone, as llmrep judges each step of a level): pooled with the level's
// earlier steps and decided. It changes nothing.
func (ls *levelState) judge(one schemas.Probe, sc *SearchConfig) schemas.Probe {
	p := one
	p.Due, p.Good, p.Failures = p.Due+ls.pooled.Due, p.Good+ls.pooled.Good, p.Failures+ls.pooled.Failures
	decide(&p, sc, ls.stepsMeet && stepMeets(one, sc), ls.extended < sc.MaxExtend)
	return p
}

// record adds step one to the level and returns its probe as judge does.
func (ls *levelState) record(one schemas.Probe, sc *SearchConfig) schemas.Probe {
	p := ls.judge(one, sc)
	ls.pooled.Due, ls.pooled.Good, ls.pooled.Failures = p.Due, p.Good, p.Failures
	ls.stepsMeet = ls.stepsMeet && stepMeets(one, sc)
	if p.Verdict == schemas.ProbeExtend {
		ls.extended++
	}
	return p
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
// to end on the run's clock from t0 (each where the one before ended),
// all into one sink as rows of one run.
type prober struct {
	sc        *SearchConfig
	look      *lookout // the client every probe sends through
	sink      Sink
	ps        *probeSink
	meta      *schemas.RunMeta
	sr        *schemas.Search
	t0        time.Time
	seed      int64
	levels    []float64
	ends      []int64 // where each step ended, µs since t0
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
		ProbeS: sc.Probe.Seconds(), Probes: []schemas.Probe{}, MaxLooks: sc.MaxLooks(),
	}
	switch {
	case sc.Sweep > 0:
		sr.Kind, sr.Resolution, sr.Relative = schemas.SearchKindSweep, 0, false
	case sc.Users():
		sr.Kind = string(level.Users)
	}
	t0 := time.Now()
	meta.StartedAt = t0.UTC()
	pr := &prober{sc: sc, look: &lookout{inner: client, slo: sc.SLO, t0: t0}, sink: sink, meta: meta, sr: sr,
		t0: t0, seed: base.Seed, endReason: schemas.EndCompleted,
		ps: &probeSink{sink: sink, meta: meta, slo: sc.SLO, t0: t0, warmup: sc.Warmup.Microseconds()}}
	recordSearchShape(meta, sc, nil, nil, sr)
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
// by cfg for the longest time left in its step, and returns its counts.
// With judge (a search's: the level's verdict on one step's counts) and
// more than one look a probe, the probe is looked at as it goes (see
// probeLooks) and ends at the first look that decides.
func (pr *prober) run(ctx context.Context, lvl float64, cfg func(d time.Duration) Config,
	judge func(schemas.Probe) schemas.Probe) (schemas.Probe, error) {
	k := len(pr.levels) + 1
	pr.levels = append(pr.levels, lvl)
	start := pr.lastEnd()
	from := start + pr.sc.Warmup.Microseconds()
	planned := start + pr.sc.StepTime().Microseconds()
	var pl *probeLooks
	if judge != nil && pr.sc.ProbeLooks() > 1 {
		pl = newProbeLooks(from, pr.sc.lookTimes(from), pr.sc.Warmup.Microseconds()/2, pr.sc, judge)
	}
	if err := pr.ps.begin(k, start, from, planned, pr.look.watching(pl)); err != nil {
		pr.sr.End = schemas.SearchError
		return schemas.Probe{}, fmt.Errorf("%w: %w", ErrSink, err)
	}
	if err := pr.checkpoint(); err != nil {
		return schemas.Probe{}, err
	}
	c := cfg(max(time.Until(pr.t0.Add(time.Duration(planned)*time.Microsecond)), time.Millisecond))
	c.Seed = pr.seed + int64(k)
	c.OpenLoop.Seed = c.Seed
	runCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	done := make(chan struct{})
	var watcher sync.WaitGroup
	if pl != nil {
		watcher.Go(func() { pr.look.watch(pl, done, func() { stop(errDecided) }) })
	}
	sum, err := Run(runCtx, c, pr.look, pr.ps)
	close(done)
	watcher.Wait()
	end := planned
	if pl != nil {
		pr.look.watching(nil)
		pl.leftOver()
		end = pl.end()
	}
	if err != nil {
		pr.sr.End = schemas.SearchError
		return schemas.Probe{}, err
	}
	pr.ends = append(pr.ends, end)
	if err := pr.ps.close(end); err != nil {
		pr.sr.End = schemas.SearchError
		return schemas.Probe{}, fmt.Errorf("%w: %w", ErrSink, err)
	}
	pr.ps.merge(sum.Meta, k)
	reason := sum.Meta.EndReason
	if reason == schemas.EndInterrupted && errors.Is(context.Cause(runCtx), errDecided) {
		// A look decided: the probe is over, as planned. An interrupt
		// that came after it ends the search before the next probe.
		reason = schemas.EndCompleted
	}
	if reason != schemas.EndCompleted {
		pr.endReason, pr.endDetail = reason, sum.Meta.EndDetail
	}
	return pr.ps.probe(k, lvl), nil
}

// lastEnd is where the last step ended, µs since t0 (0 before the first).
func (pr *prober) lastEnd() int64 {
	if len(pr.ends) == 0 {
		return 0
	}
	return pr.ends[len(pr.ends)-1]
}

// report adds a decided probe to the search, checkpoints the search and
// passes the probe to OnProbe.
func (pr *prober) report(p schemas.Probe) error {
	pr.sr.Probes = append(pr.sr.Probes, p)
	if err := pr.checkpoint(); err != nil {
		return err
	}
	if pr.sc.OnProbe != nil {
		pr.sc.OnProbe(p)
	}
	return nil
}

// checkpoint hands a Checkpointer sink the footer as it would be were the
// search to end now, interrupted: the levels so far (the probe in
// progress's too), where the steps that ended ended, the probes decided
// so far and the bracket; then flushes the sink. It runs between the
// probes' runs, when nothing else calls the sink.
func (pr *prober) checkpoint() error {
	cp, ok := pr.sink.(Checkpointer)
	if !ok {
		return nil
	}
	m := *pr.meta
	sr := *pr.sr
	sr.Probes = slices.Clone(sr.Probes)
	if sr.End == "" {
		sr.End = schemas.SearchInterrupted
	}
	recordSearchShape(&m, pr.sc, pr.levels, pr.ends, &sr)
	m.Unsent = slices.Clone(pr.ps.unsent)
	slices.SortFunc(m.Unsent, func(x, y schemas.StepCount) int { return x.Step - y.Step })
	err := cp.Checkpoint(&m)
	if err == nil {
		err = pr.sink.Flush()
	}
	if err != nil {
		pr.sr.End = schemas.SearchError
		return fmt.Errorf("%w: %w", ErrSink, err)
	}
	return nil
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

// finish writes the final metadata: the levels, where their steps ended,
// the search, the end.
func (pr *prober) finish() (*SearchSummary, error) {
	if err := pr.ps.finish(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSink, err)
	}
	meta := pr.meta
	recordSearchShape(meta, pr.sc, pr.levels, pr.ends, pr.sr)
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
	a := stats.TestAttainment(p.Good, due, sc.Target, sc.LookAlpha())
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
// levels probed so far, where their steps ended (ends, µs from the
// start), the longest step, each step's warmup.
func recordSearchShape(m *schemas.RunMeta, sc *SearchConfig, levels []float64, ends []int64, sr *schemas.Search) {
	s := &m.Shape
	s.Profile = "search"
	if sc.Sweep > 0 {
		s.Profile = schemas.SearchKindSweep
	}
	s.StepTimeS = sc.StepTime().Seconds()
	s.DurationS = s.StepTimeS
	s.StepEndsS = nil
	if len(ends) > 0 {
		s.StepEndsS = make([]float64, len(ends))
		for i, e := range ends {
			s.StepEndsS[i] = float64(e) / 1e6
		}
		s.DurationS = s.StepEndsS[len(ends)-1]
	}
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
// run: the step whose span holds the row's send, the search's run id,
// sequence numbers and user ids continuing from the probes before. It
// counts what the search decides from: the probe's requests sent after
// its warmup and before its step ended. Times are µs since t0, the file's
// resolution, as llmrep reads them.
//
// While a look is pending (see probeLooks), a row sent at or after its
// time may be of the next step: the sink holds it until the look is
// settled, and at its flush (the persister's, once a second) waits for
// that, so that the row is journaled within a second of its completion
// like every other (lookSettle). Once the step's end is known (a look
// decided, or only its planned end is left) the rows sent after it are
// written at once in the next step's span (its warmup), counted for it;
// after the last probe, in the step after it.
type probeSink struct {
	sink   Sink
	meta   *schemas.RunMeta
	slo    level.SLO
	t0     time.Time
	warmup int64 // each step's own warmup, µs

	step int
	// from, measureFrom and end: the step's span [from, end) and the
	// start of its measured part; end is its planned end until the probe
	// is over (close).
	from, measureFrom, end int64
	// cut is where the rows of the probe in progress are known to be of
	// its step (those sent before it); nil: its planned end, final.
	cut                   stepCut
	held                  []schemas.Record // rows sent at or after a cut not final, run id and user set
	seq, user, probeUsers int64
	rows                  int64
	cur, next             stepTally // the step's counts, the next one's so far
	unsent                []schemas.StepCount
}

// stepTally is what the search counts of one step: its measured requests
// (due, good, failures) and its successes completed in its measured part.
type stepTally struct {
	due, good, failures, done int64
}

// begin starts probe k, whose step spans [from, planned) unless a look
// ends it sooner, measured from measureFrom; cut as probeSink.cut. The
// rows the last probe sent after its step ended are already written, in
// this step, and counted.
func (p *probeSink) begin(k int, from, measureFrom, planned int64, cut stepCut) error {
	p.step, p.from, p.measureFrom, p.end, p.cut = k, from, measureFrom, planned, cut
	p.user += p.probeUsers
	p.probeUsers = 0
	p.cur, p.next = p.next, stepTally{}
	return nil
}

// close ends the probe in progress: its step ended at end. Its held rows
// are written, in it or the next step.
func (p *probeSink) close(end int64) error {
	p.end, p.cut = end, nil
	return p.release()
}

// finish writes the rows the last probe sent after its step ended (held
// still, should any be) in the step after it, which no probe ran: the one
// a send racing the end of a run falls in, in its warmup (measured by no
// one).
func (p *probeSink) finish() error {
	p.cut = nil
	return p.release()
}

func (p *probeSink) Begin(*schemas.RunMeta) error { return nil }

// Flush writes the rows known to be of a step and flushes the sink; with
// rows held for a pending look, it waits for that look to settle (at most
// lookSettle after its time), then writes and flushes them.
func (p *probeSink) Flush() error {
	if err := p.release(); err != nil {
		return err
	}
	if err := p.sink.Flush(); err != nil {
		return err
	}
	if len(p.held) == 0 || p.cut == nil {
		return nil
	}
	first := p.us(p.held[0].Start)
	for _, r := range p.held {
		first = min(first, p.us(r.Start))
	}
	p.cut.await(first)
	n := len(p.held)
	if err := p.release(); err != nil {
		return err
	}
	if len(p.held) == n {
		return nil
	}
	return p.sink.Flush()
}
func (p *probeSink) Finish(*schemas.RunMeta) error {
	return nil
}

// cutNow is where the rows of the probe in progress are known to be of
// its step, and whether its step ends there.
func (p *probeSink) cutNow() (int64, bool) {
	if p.cut == nil {
		return p.end, true
	}
	return p.cut.cut()
}

func (p *probeSink) Write(rows []schemas.Record) error {
	for i := range rows {
		r := &rows[i]
		r.RunID = p.meta.RunID
		p.probeUsers = max(p.probeUsers, int64(r.User))
		r.User = int32(min(p.user+int64(r.User), math.MaxInt32))
	}
	return p.sort(rows, p.held)
}

// release writes the held rows whose step is known.
func (p *probeSink) release() error {
	held := p.held
	p.held = nil
	return p.sort(held, held[:0])
}

// sort writes the rows whose step is known now (the step in progress, or
// the next once the cut is final) and holds the others, appended to kept.
func (p *probeSink) sort(rows, kept []schemas.Record) error {
	if len(rows) == 0 {
		p.held = kept
		return nil
	}
	cut, final := p.cutNow()
	var now, next []schemas.Record
	for _, r := range rows {
		switch {
		case p.us(r.Start) < cut:
			now = append(now, r)
		case final:
			next = append(next, r)
		default:
			kept = append(kept, r)
		}
	}
	p.held = kept
	if err := p.emit(now, p.step, p.from, p.measureFrom, p.end, &p.cur); err != nil {
		return err
	}
	// The next step starts where this one ends; its end is not known yet.
	return p.emit(next, p.step+1, cut, cut+p.warmup, math.MaxInt64, &p.next)
}

// emit writes rows of step k spanning [from, end), measured from
// measureFrom, counting those it measures in t.
func (p *probeSink) emit(rows []schemas.Record, k int, from, measureFrom, end int64, t *stepTally) error {
	if len(rows) == 0 {
		return nil
	}
	for i := range rows {
		r := &rows[i]
		r.Step, r.Seq = int32(k), p.seq
		p.seq++
		if c := p.us(r.Start.Add(time.Duration(r.LatencyMS * float64(time.Millisecond)))); r.OK && c >= measureFrom && c < end {
			t.done++
		}
		// Measured by llmrep's rule to the microsecond (the file's
		// resolution): sent in its step's span after the step's own
		// warmup.
		if su := p.us(r.Start); su >= measureFrom && su >= from+p.warmup && su < end {
			t.due++
			if !r.OK {
				t.failures++
			}
			if p.slo.Good(sloRequest(r)) {
				t.good++
			}
		}
	}
	if err := p.sink.Write(rows); err != nil {
		return err
	}
	p.rows += int64(len(rows))
	return nil
}

// us is t in µs since t0.
func (p *probeSink) us(t time.Time) int64 { return t.UnixMicro() - p.t0.UnixMicro() }

// merge takes what a probe's run reported into the search's footer: its
// unsent arrivals (the probe's, step k) and the generator's health.
func (p *probeSink) merge(m *schemas.RunMeta, k int) {
	for _, u := range m.Unsent {
		p.unsent = append(p.unsent, schemas.StepCount{Step: k, N: u.N})
		p.cur.due += u.N // an arrival never sent met no SLO
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
	return schemas.Probe{Step: k, Level: lvl, Due: p.cur.due, Good: p.cur.good, Failures: p.cur.failures}
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
