package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/llmrec/llmrec/analyze/level"
	"github.com/llmrec/llmrec/record"
	"github.com/llmrec/llmrec/record/sim"
	"github.com/llmrec/llmrec/schemas"
	"github.com/llmrec/llmrec/schemas/runfile"
)

// SearchOptions is what `llmrec search` was asked to do.
type SearchOptions struct {
	Run    RunOptions // the target, requests, output and simulator flags
	Search record.SearchConfig
	SLO    []string // --slo, repeatable
	Target string   // --slo-target
	// Resolution is --resolution as typed: "10%" or a number of levels.
	Resolution string
	// Users is --users: the first number of users of a closed-loop search
	// (0: an open loop of rates).
	Users   int
	Arrival string
	// Profile is --profile: search (the capacity search) or sweep.
	Profile string
}

// Search profiles (--profile).
const (
	profileSearch = "search"
	profileSweep  = "sweep"
)

// defaultSweepConcurrency is the users of a sweep's throughput probe
// without --max-concurrency.
const defaultSweepConcurrency = 128

const searchLong = `Find the highest load that meets an SLO: probe one level at a time, each for
--probe after its own --probe-warmup, doubling from the first level until a
level misses the SLO, then bisecting between the highest level that met it
and the lowest that missed until the two are within --resolution. Levels are
offered rates (an open loop of --arrival arrivals) by default, or closed-loop
users with --users N (from N users). Without --rate the first rate is the
lowest whose probe can show the target met at all: a probe of 30 s needs
some 55 requests at 90% (all good; see below), so it starts at 2.2 req/s.

A level meets the SLO when at least --slo-target of its requests are good (they
succeeded and met every bound of --slo, the same rule as llmrep's capacity) and
no more than --error-threshold failed. A probe decides only when its sample can
tell the attainment from the target: the exact one-sided (Clopper-Pearson)
bound must lie above the target (meets) or below it (misses). A probe is
tested at --probe-looks evenly spaced times of its measured part, the last
its end, and ends at the first that decides (a level far past its capacity
misses within a look or two; one well within it meets once its sample is
large enough). Otherwise the same level is probed again, its requests
pooled, up to --max-extend more times; still undecided, it is inconclusive
and counted as a miss. A level is thus tested up to --probe-looks × (1 +
--max-extend) times, and --alpha is split evenly over those tests (each at
alpha/15, 0.0033, by default), so that repeated looks do not raise the
chance of a wrong verdict above --alpha. Each probe is printed as it ends;
the answer is the bracket.

The file is an ordinary run file whose steps are the probes (their levels in
probe order, not growing): llmrep analyze, compare, check and the HTML read it
as any run and say it was a search; its steps are as long as their probes
ran (the footer's step ends). Requests sent in a probe's warmup are left out
of its figures; the previous probe's requests still in flight get half the
warmup to finish, then are canceled (and recorded as canceled).

--profile sweep runs guidellm's sweep instead: a synchronous probe (one user,
each request sent as soon as the last answer is whole), a throughput probe
(--max-concurrency such users, 128 by default), then --sweep-points probes at
offered rates (constant arrivals unless --arrival says poisson) evenly spaced
above the synchronous probe's completed rate up to the throughput probe's.
The first two steps' levels are the rates they completed. --slo is optional:
with it each probe's attainment is printed with its bounds, and llmrep gives
the capacity among the rates as for any run.`

const searchExample = `  # the highest Poisson rate the built-in simulator serves with TTFT ≤ 500 ms for 90% of requests
  llmrec search --slo ttft=500ms -o search.parquet

  # closed-loop users from 4, within 10 s latency at 95%, bracketed to 2 users
  llmrec search --target http://127.0.0.1:8000 --users 4 --slo latency=10s --slo-target 95% --resolution 2

  # shorter probes for a quick look (smaller samples: more extensions)
  llmrec search --slo ttft=300ms,itl=40ms --rate 5 --probe 15s --probe-warmup 5s

  # guidellm's sweep: synchronous, throughput, then 10 rates between
  llmrec search --profile sweep --target http://127.0.0.1:8000 --slo ttft=500ms -o sweep.parquet`

// NewCmdSearch builds `llmrec search`; runF replaces the search in tests
// of flag parsing.
func NewCmdSearch(ios *IO, runF func(*SearchOptions) error) *cobra.Command {
	run := RunOptions{IO: ios, Config: record.DefaultConfig(), APIKeyEnv: "OPENAI_API_KEY", Profile: record.ProfileDefault,
		Out: "search.parquet", Sim: sim.DefaultConfig()}
	opts := &SearchOptions{Run: run, Search: record.DefaultSearchConfig(run.Config), Target: "90%", Resolution: "10%",
		Arrival: record.ArrivalPoisson, Profile: profileSearch}
	opts.Search.Sweep = 10
	cmd := &cobra.Command{
		Use:     "search",
		Short:   "Find the highest load that meets an SLO by probing levels (doubling, then bisection)",
		Long:    searchLong,
		Example: searchExample,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Run.changed = cmd.Flags().Changed
			if err := opts.complete(cmd.Context()); err != nil {
				return usageError{err}
			}
			if runF != nil {
				return runF(opts)
			}
			return runSearch(cmd, opts)
		},
	}
	f := cmd.Flags()
	addTargetFlags(f, &opts.Run)
	s := &opts.Search
	f.StringArrayVar(&opts.SLO, "slo", nil, "the `BOUNDS` a good request meets: ttft=500ms,itl=50ms,latency=10s (any subset; repeatable)")
	f.StringVar(&opts.Target, "slo-target", opts.Target, "`SHARE` of a level's requests that must be good: 90% or 0.9 (below 100%)")
	f.Float64Var(&s.Alpha, "alpha", s.Alpha, "`ALPHA` of the one-sided test that decides a probe (0.05: 95% confidence)")
	f.Float64Var(&s.ErrorThreshold, "error-threshold", s.ErrorThreshold, "a level fails when more than this `SHARE` of its requests failed")
	f.StringVar(&opts.Profile, "profile", opts.Profile, "`PROFILE`: search (the capacity search) or sweep (synchronous, throughput, then rates between)")
	f.IntVar(&s.Sweep, "sweep-points", s.Sweep, "sweep: `N` offered rates after the synchronous and throughput probes")
	f.IntVar(&opts.Users, "users", 0, "search closed-loop users, starting from `N` (default: an open loop of rates)")
	f.Float64Var(&s.Start, "rate", 0, "open loop: the first `RATE` probed, requests/s (default: the lowest a probe can decide)")
	f.StringVar(&opts.Arrival, "arrival", opts.Arrival, "open loop: `KIND` of arrivals, poisson or constant")
	f.Float64Var(&s.Max, "max-level", 0, "the highest `LEVEL` probed, users or requests/s (default: 1000 users, 10000 req/s)")
	f.StringVar(&opts.Resolution, "resolution", opts.Resolution, "stop once the bracket is this narrow: `WIDTH` as a share of its top (10%) or in levels (2 users, 0.5 req/s); users never narrower than 1")
	f.DurationVar(&s.Probe, "probe", s.Probe, "measured `DURATION` of each probe")
	f.DurationVar(&s.Warmup, "probe-warmup", s.Warmup, "each probe's own warmup `DURATION` before it is measured")
	f.IntVar(&s.MaxExtend, "max-extend", s.MaxExtend, "`N` more probes of an undecided level before it is inconclusive")
	f.IntVar(&s.MaxProbes, "max-probes", s.MaxProbes, "at most `N` probes in all")
	f.IntVar(&s.Looks, "probe-looks", s.Looks, "test each probe at `N` evenly spaced times, ending it at the first that decides (1: only at its end)")
	f.IntVar(&opts.Run.Config.OpenLoop.MaxConcurrency, "max-concurrency", 0, "open loop: at most `N` requests in flight (0: the safety cap, 8192); sweep: also the users of the throughput probe (0: 128)")
	f.DurationVar(&opts.Run.Config.WaitMin, "wait-min", opts.Run.Config.WaitMin, "users: shortest think time, a `DURATION`")
	f.DurationVar(&opts.Run.Config.WaitMax, "wait-max", opts.Run.Config.WaitMax, "users: longest think time, a `DURATION`")
	f.StringVar(&opts.Run.InputTokens, "input-tokens", "", "synthetic prompts of about `N` or MIN-MAX tokens")
	f.StringVar(&opts.Run.OutputTokens, "output-tokens", "", "max_tokens of each request, `N` or MIN-MAX")
	f.BoolVar(&opts.Run.Config.Workload.IgnoreEOS, "ignore-eos", false, "ask the server to ignore end-of-sequence (vLLM, SGLang)")
	addSharedFlags(f, &opts.Run.Config.Workload)
	f.Int64Var(&opts.Run.Config.Seed, "seed", 0, "seed `N` of arrivals, prompt choice and think times (0: random; recorded)")
	f.StringVarP(&opts.Run.Out, "out", "o", opts.Run.Out, "run `FILE` to write: a regular file or a new path")
	f.BoolVar(&opts.Run.Force, "force", false, "overwrite an existing run file (a regular file only)")
	f.BoolVar(&opts.Run.Discard, "discard-journal", false, "delete the journal a killed run left beside -o")
	f.StringArrayVar(&opts.Run.Labels, "label", nil, "label `K=V` stored in the file (repeatable)")
	f.StringVar(&opts.Run.Sim.Profile, "sim-profile", opts.Run.Sim.Profile, "built-in simulator `PROFILE` when there is no --target: linear, knee or shed")
	return cmd
}

// searchFlags names the flag of each SearchConfig field Validate reports.
var searchFlags = map[string]string{
	"Search.SLO": "--slo", "Search.Target": "--slo-target", "Search.Alpha": "--alpha",
	"Search.ErrorThreshold": "--error-threshold", "Search.Start/Max": "--rate/--users/--max-level",
	"Search.Resolution": "--resolution", "Search.Probe": "--probe", "Search.Warmup": "--probe-warmup",
	"Search.MaxExtend": "--max-extend", "Search.MaxProbes": "--max-probes", "Search.Looks": "--probe-looks",
	"Search.Sweep": "--sweep-points", "Search.Concurrency": "--max-concurrency",
}

// complete turns the flags into the SearchConfig and reports every wrong
// flag at once.
func (o *SearchOptions) complete(ctx context.Context) error {
	s, c := &o.Search, &o.Run.Config
	errs := o.completeSLO()
	errs = append(errs, o.completeProfile()...)
	switch o.Arrival {
	case record.ArrivalPoisson, record.ArrivalConstant:
		c.OpenLoop.Kind = o.Arrival
	default:
		errs = append(errs, fmt.Errorf("--arrival %q: a search's open loop is poisson or constant (closed-loop users: --users N)", o.Arrival))
	}
	errs = append(errs, o.completeLoop()...)
	res, rel, err := parseResolution(o.Resolution)
	if err != nil {
		errs = append(errs, err)
	}
	s.Resolution, s.Relative = res, rel
	errs = append(errs, o.Run.completeRequest(ctx)...)
	errs = append(errs, o.Run.completeOutput()...)
	errs = append(errs, o.Run.completeTokens()...)
	if err := errors.Join(errs...); err != nil {
		return err
	}
	s.Run = *c
	return searchErrors(s.Validate())
}

// completeSLO reads --slo and --slo-target.
func (o *SearchOptions) completeSLO() []error {
	var errs []error
	s := &o.Search
	for _, spec := range o.SLO {
		slo, err := level.ParseSLO(s.SLO, spec)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s.SLO = slo
	}
	if t, err := level.ParseSLOTarget(o.Target); err != nil {
		errs = append(errs, err)
	} else {
		s.Target = t
	}
	return errs
}

// completeProfile reads --profile and the flags only one profile takes.
func (o *SearchOptions) completeProfile() []error {
	var errs []error
	s := &o.Search
	switch o.Profile {
	case profileSearch:
		if o.Run.changed("sweep-points") {
			errs = append(errs, errors.New("--sweep-points applies to --profile sweep"))
		}
		s.Sweep = 0
	case profileSweep:
		for _, f := range []string{"users", "rate", "max-level", "resolution", "max-extend", "max-probes"} {
			if o.Run.changed(f) {
				errs = append(errs, fmt.Errorf("--%s applies to the capacity search, not to --profile sweep", f))
			}
		}
		if !o.Run.changed("arrival") {
			o.Arrival = record.ArrivalConstant // guidellm's sweep
		}
		s.Concurrency = o.Run.Config.OpenLoop.MaxConcurrency
		if s.Concurrency == 0 {
			s.Concurrency = defaultSweepConcurrency
		}
	default:
		errs = append(errs, fmt.Errorf("--profile %q: use search or sweep", o.Profile))
	}
	return errs
}

// completeLoop reads the levels searched: closed-loop users (--users) or
// offered rates, and the flags only one of them takes.
func (o *SearchOptions) completeLoop() []error {
	var errs []error
	s, c := &o.Search, &o.Run.Config
	if o.Run.changed("users") && o.Profile != profileSweep {
		if o.Users < 1 {
			errs = append(errs, fmt.Errorf("--users %d: give the first number of users, at least 1", o.Users))
		}
		for _, f := range []string{"rate", "arrival", "max-concurrency"} {
			if o.Run.changed(f) {
				errs = append(errs, fmt.Errorf("--%s applies to an open loop; --users searches closed-loop users", f))
			}
		}
		c.OpenLoop.Kind = record.ArrivalClosed
		s.Start, s.Min = float64(o.Users), 1
		if s.Max == 0 {
			s.Max = 1000
		}
		return errs
	}
	for _, f := range []string{"wait-min", "wait-max"} {
		if o.Run.changed(f) {
			errs = append(errs, fmt.Errorf("--%s applies to closed-loop users (--users N)", f))
		}
	}
	if s.Max == 0 {
		s.Max = record.MaxArrivalRate / 100
	}
	if !o.Run.changed("rate") {
		// The first rate is the lowest a probe can decide (Search raises
		// it there), and no lower than 1 req/s.
		s.Start, s.AutoStart = 1, true
	}
	s.Min = math.Min(s.Start, 1/s.Probe.Seconds()) // a probe of one request
	return errs
}

// parseResolution reads --resolution: "10%" (a share of the bracket's
// top) or a number of levels ("2").
func parseResolution(v string) (float64, bool, error) {
	s := strings.TrimSpace(v)
	t, rel := strings.CutSuffix(s, "%")
	x, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
	if rel {
		x /= 100
	}
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) || x <= 0 || (rel && x >= 1) {
		return 0, false, fmt.Errorf("--resolution %q: give a share of the bracket such as 10%% (below 100%%), or a width in levels such as 2", v)
	}
	return x, rel, nil
}

// searchErrors rewrites SearchConfig's field errors in terms of flags.
func searchErrors(err error) error { return fieldErrors(err, searchFlags, configFlags) }

func runSearch(cmd *cobra.Command, o *SearchOptions) error {
	ios := o.Run.IO
	ctx := cmd.Context()
	sc := o.Search
	if err := runfile.CheckPath(o.Run.Out, o.Run.Force, o.Run.Discard, o.Run.inputs()...); err != nil {
		return pathError(err)
	}
	stopSim, err := builtInSimulator(ctx, o.Run.Sim, &sc.Run, "searching", func(s string) { fmt.Fprintln(ios.Err, s) })
	if err != nil {
		return err
	}
	defer stopSim()
	cc := sc.ConnConfig()
	client, err := record.Connect(ctx, &cc)
	if err != nil {
		if ctx.Err() != nil {
			return interrupted(ctx, "before the search started; nothing was recorded")
		}
		return err
	}
	sc.Run.Model = cc.Model
	file, err := runfile.Create(o.Run.Out, o.Run.Force, o.Run.Discard)
	if err != nil {
		return pathError(err)
	}
	defer file.Close()
	unit := "req/s"
	if sc.Users() {
		unit = "users"
	}
	if sc.Sweep > 0 {
		fmt.Fprintf(ios.Err, "sweep: synchronous, throughput (%d users), then %d rates; probes of %s after %s of warmup\n",
			sc.Concurrency, sc.Sweep, sc.Probe, sc.Warmup)
	} else {
		fmt.Fprintf(ios.Err, "search: %s at %s, probes of %s after %s of warmup, to %s\n",
			sc.SLO.Words(), pctText(sc.Target), sc.Probe, sc.Warmup, o.Resolution)
	}
	sc.OnProbe = func(p schemas.Probe) { fmt.Fprintln(ios.Err, ProbeLine(p, unit, sc.LookAlpha(), sc.Sweep > 0)) }
	search := record.Search
	if sc.Sweep > 0 {
		search = record.Sweep
	}
	sum, err := search(ctx, sc, client, file)
	if err != nil {
		return fmt.Errorf("%w; the rows written so far can be rebuilt with: llmrec recover %s", err, runfile.Quote(o.Run.Out))
	}
	printSearch(ios.Out, sum, unit, o.Run.Out)
	if ctx.Err() != nil {
		return errInterrupted
	}
	return nil
}

// ProbeLine is one probe as it ends: its step and level, attainment with
// its one-sided bounds, and the verdict.
func ProbeLine(p schemas.Probe, unit string, alpha float64, sweep bool) string {
	att := "n/a"
	if p.Attainment != nil {
		att = fmt.Sprintf("%s of %d (%s bounds %s–%s)", pctText(*p.Attainment), p.Due, pctText(1-alpha), pctText(p.Lo), pctText(p.Hi))
	}
	what := fmtLevel(p.Level) + " " + unit
	switch p.Mode {
	case schemas.ProbeSynchronous:
		what = "synchronous (1 user): completed " + fmtLevel(p.Level) + " req/s"
	case schemas.ProbeThroughput:
		what = fmt.Sprintf("throughput (%d users): completed %s req/s", p.Users, fmtLevel(p.Level))
	}
	v := p.Verdict
	switch {
	case p.Reason == "errors":
		v += fmt.Sprintf(" (%d failed)", p.Failures)
	case p.Verdict == schemas.ProbeExtend:
		v += " (undecided: probing it again)"
	case p.Verdict == schemas.ProbeInconclusive && !sweep:
		v += " (counted as a miss)"
	}
	if p.Verdict == "" {
		return fmt.Sprintf("probe %2d  %s  %d requests", p.Step, what, p.Due)
	}
	return fmt.Sprintf("probe %2d  %s  good %s  %s", p.Step, what, att, v)
}

func printSearch(w io.Writer, sum *record.SearchSummary, unit, out string) {
	sr, m := sum.Search, sum.Meta
	fmt.Fprintf(w, "search %s: %s after %s, %d probes, %d requests\n", m.RunID, sr.End, m.EndedAt.Sub(m.StartedAt).Truncate(time.Second), len(sr.Probes), sum.Rows)
	fmt.Fprintf(w, "  %s\n", SearchAnswer(sr, unit))
	if sr.SLO == "" {
		fmt.Fprintf(w, "  wrote %s; full report: llmrep analyze %s\n", runfile.Quote(out), runfile.Quote(out))
		return
	}
	fmt.Fprintf(w, "  wrote %s; full report: llmrep analyze %s --slo %s --slo-target %s\n", runfile.Quote(out), runfile.Quote(out), sr.SLO, pctText(sr.SLOTarget))
}

// SearchAnswer is the search's answer in one line.
func SearchAnswer(sr *schemas.Search, unit string) string {
	if sr.Kind == schemas.SearchKindSweep {
		if len(sr.Probes) < 2 {
			return "sweep: no range (it ended before its throughput probe)"
		}
		s := fmt.Sprintf("sweep: synchronous %s req/s, throughput %s req/s", fmtLevel(sr.Probes[0].Level), fmtLevel(sr.Probes[1].Level))
		if n := len(sr.Probes) - 2; n > 0 {
			s += fmt.Sprintf(", %d offered rates from %s to %s req/s", n, fmtLevel(sr.Probes[2].Level), fmtLevel(sr.Probes[len(sr.Probes)-1].Level))
		}
		return s
	}
	within := fmt.Sprintf("within %s at %s", sr.SLOWords, pctText(sr.SLOTarget))
	switch {
	case sr.Met != nil && sr.Missed != nil:
		return fmt.Sprintf("capacity %s–%s %s %s", fmtLevel(*sr.Met), fmtLevel(*sr.Missed), unit, within)
	case sr.Met != nil:
		return fmt.Sprintf("capacity at least %s %s %s (no level probed missed)", fmtLevel(*sr.Met), unit, within)
	case sr.Missed != nil:
		return fmt.Sprintf("no level met the SLO: %s %s already missed %s", fmtLevel(*sr.Missed), unit, within)
	}
	return "no answer: no probe was decided"
}

func fmtLevel(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func pctText(v float64) string {
	return strconv.FormatFloat(math.Round(v*1000)/10, 'f', -1, 64) + "%"
}
