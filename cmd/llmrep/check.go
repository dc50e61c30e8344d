package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/compare"
	"github.com/llmrec/llmrec/analyze/gate"
	reportpkg "github.com/llmrec/llmrec/report"
)

// CheckOptions are what `llmrep check` was asked to do.
type CheckOptions struct {
	IO *IO
	// Run is the run checked (one or more shards, or a glob).
	Run []string
	// Baseline is --baseline: the run regressions are measured against.
	Baseline string
	// Trend is --trend: files or globs of earlier runs; the regression
	// gates are judged against the previous TrendRuns of them.
	Trend     []string
	TrendRuns int
	// Gates, parsed from --max, --min and --max-regression.
	Gates        []gate.Gate
	Inconclusive string // pass or fail
	Options      analyze.Options
	Alpha        float64
	// MinEffect is --min-effect: a smaller regression passes.
	MinEffect compare.MinEffect
	Format    string // text, json or md
	Output    string
}

// checkFailed is a check whose gates did not all hold: exit status 1.
type checkFailed struct{ failed, total int }

func (e checkFailed) Error() string {
	return fmt.Sprintf("check failed: %d of %d gates failed", e.failed, e.total)
}

// metricHelp lists the gate metrics for --help.
func metricHelp() string {
	var b strings.Builder
	for _, m := range compare.MetricDocs() {
		unit := map[string]string{compare.UnitMS: "duration: 800ms, 2s", compare.UnitRate: "rate: 1% or 0.01",
			compare.UnitPerS: "number per second", compare.UnitRatio: "ratio", compare.UnitUsers: "users",
			compare.UnitLevel: "users, or req/s offered in an open loop"}[m.Unit]
		fmt.Fprintf(&b, "  %-17s %s (%s)\n", m.Name, m.Doc, unit)
	}
	return b.String()
}

// checkLong is the long help of `llmrep check`.
const checkLong = `Check evaluates gates on a run and exits 0 when all hold, 1 when one fails
(one line per gate, then the outcome). --max K=V and --min K=V bound a metric
of the run; --max-regression K=PCT bounds its change for the worse against
--baseline, counted only when the change is significant at --alpha and at
least --min-effect [5%,1pp] (for fail_rate PCT is the allowed rise of the
rate in points: 0.5%). With --trend RUNS instead of --baseline, a regression
is measured against the newest --trend-runs [5] runs started before this
one: it fails when the value is worse than their median by more than PCT
(and the min effect) and worse than every one of them.

A gate reads the whole run, or the first step at level N with --at-users N
or K@N=V: N users in a closed loop, N req/s offered in an open loop (K@12.5=V).
With --slo, goodput and slo_attainment count the requests that met it;
capacity is the highest level that held within it. A gate over fewer than 30 samples, or at a level the run lacks, is
inconclusive; --inconclusive pass|fail decides what that means.

Values take units: latencies Go durations (800ms, 2s), rates fractions or
percentages (0.01, 1%), counts and ratios plain numbers. Metrics:
`

// gateFlags are the flags that name gates, parsed into CheckOptions.Gates.
type gateFlags struct {
	maxes, mins, regressions []string
	atUsers                  int
}

// NewCmdCheck builds `llmrep check`. runF replaces the run in tests of
// flag parsing; nil runs runCheck.
func NewCmdCheck(ios *IO, runF func(*CheckOptions) error) *cobra.Command {
	opts := &CheckOptions{IO: ios, Options: analyze.DefaultOptions(), Alpha: compare.DefaultAlpha, MinEffect: compare.DefaultMinEffect, Inconclusive: gate.StatusFail, TrendRuns: 5}
	var gf gateFlags
	cmd := &cobra.Command{
		Use:   "check RUN.parquet [--baseline BASE.parquet] --max K=V ... --min K=V ... --max-regression K=PCT ...",
		Short: "Gate a run for CI: exit 1 when a bound or an allowed regression is exceeded",
		Long:  checkLong + metricHelp(),
		Example: `  llmrep check run.parquet --max p95=2s --max fail_rate=1% --min saturation_users=40
  llmrep check pr.parquet --baseline main.parquet --max-regression p95=10% --max-regression fail_rate=0.5%
  llmrep check run.parquet --slo ttft=500ms --min capacity=32 --min slo_attainment@32=95%
  llmrep check new.parquet --trend 'runs/*.parquet' --max-regression p95=10%   # against the last 5 runs`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError{fmt.Errorf("check needs the run file to check")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Run = args
			if err := opts.parse(gf); err != nil {
				return usageError{err}
			}
			if runF != nil {
				return runF(opts)
			}
			return runCheck(cmd, opts)
		},
	}
	addCommonFlags(cmd.Flags(), &opts.Options)
	f := cmd.Flags()
	f.StringVar(&opts.Baseline, "baseline", "", "the baseline run `BASE.parquet` of --max-regression")
	f.StringArrayVar(&opts.Trend, "trend", nil, "earlier runs (`FILES`, a glob; repeatable): --max-regression against the trend of the previous --trend-runs")
	f.IntVar(&opts.TrendRuns, "trend-runs", opts.TrendRuns, "with --trend, judge against the `N` newest runs started before the run checked")
	f.StringArrayVar(&gf.maxes, "max", nil, "gate `K=V`: metric K at most V (repeatable)")
	f.StringArrayVar(&gf.mins, "min", nil, "gate `K=V`: metric K at least V (repeatable)")
	f.StringArrayVar(&gf.regressions, "max-regression", nil, "gate `K=PCT`: K no more than PCT worse than the baseline, when significant (repeatable)")
	f.IntVar(&gf.atUsers, "at-users", 0, "gates read the first step with `N` users (0: the whole run; not negative)")
	f.StringVar(&opts.Inconclusive, "inconclusive", opts.Inconclusive, "an inconclusive gate (under 30 samples, missing level) counts as `pass|fail`")
	f.Float64Var(&opts.Alpha, "alpha", opts.Alpha, "significance level `ALPHA` of --max-regression")
	f.Var(minEffectValue{&opts.MinEffect}, "min-effect", minEffectUsage)
	f.StringVar(&opts.Format, "format", formatText, "output `FORMAT`: text, json or md")
	f.StringVarP(&opts.Output, "output", "o", "", "write the result to `FILE` (default stdout; "+outputUsage+")")
	return cmd
}

// parse validates the options and parses the gates of gf into o.Gates;
// every problem is reported at once, each naming its flag.
func (o *CheckOptions) parse(gf gateFlags) error {
	if err := o.Options.Validate(); err != nil {
		return err
	}
	var errs []error
	at := gf.atUsers
	if at < 0 {
		// With --inconclusive pass, a level no run has passed every gate.
		errs = append(errs, fmt.Errorf("--at-users %d must be 0 (the whole run) or a user count", at))
		at = 0
	}
	// A metric bounded twice is two gates, each judged and shown: unlike
	// a repeated --slo key, nothing is dropped, so it is allowed.
	o.Gates = nil
	for _, set := range []struct {
		kind  string
		specs []string
	}{{gate.GateMax, gf.maxes}, {gate.GateMin, gf.mins}, {gate.GateMaxRegression, gf.regressions}} {
		flag := "--" + strings.ReplaceAll(set.kind, "_", "-")
		for _, s := range set.specs {
			g, err := gate.ParseGate(set.kind, s, at)
			if err != nil {
				// The library names the gate; the flag is ours to name.
				errs = append(errs, fmt.Errorf("%s: %w", flag, err))
				continue
			}
			o.Gates = append(o.Gates, g)
		}
	}
	// A gate on a percentile the fixed four are not (p99.9) has it computed.
	o.Options.Percentiles = mergePercentiles(o.Options.Percentiles, gate.GatePercentiles(o.Gates))
	if len(gf.maxes)+len(gf.mins)+len(gf.regressions) == 0 {
		errs = append(errs, errors.New("check needs at least one gate: --max, --min or --max-regression"))
	}
	if len(gf.regressions) > 0 && o.Baseline == "" && len(o.Trend) == 0 {
		errs = append(errs, errors.New("--max-regression needs --baseline BASE.parquet or --trend RUNS"))
	}
	if o.Baseline != "" && len(o.Trend) > 0 {
		errs = append(errs, errors.New("--baseline and --trend exclude each other: regressions are measured against one or the other"))
	}
	if o.TrendRuns < gate.MinTrendRuns {
		errs = append(errs, fmt.Errorf("--trend-runs %d must be at least %d", o.TrendRuns, gate.MinTrendRuns))
	}
	if o.Inconclusive != gate.StatusPass && o.Inconclusive != gate.StatusFail {
		errs = append(errs, fmt.Errorf("--inconclusive %q must be pass or fail", o.Inconclusive))
	}
	if !(o.Alpha > 0 && o.Alpha < 1) {
		errs = append(errs, fmt.Errorf("--alpha %v must be between 0 and 1", o.Alpha))
	}
	switch o.Format {
	case "", formatText, formatJSON, formatMD:
	default:
		errs = append(errs, fmt.Errorf("--format %q must be text, json or md", o.Format))
	}
	return errors.Join(errs...)
}

func runCheck(cmd *cobra.Command, opts *CheckOptions) error {
	args := make([]runArg, 0, 2)
	for _, p := range opts.Run {
		args = append(args, runArg{Path: p})
	}
	inputs := append([]string{opts.Baseline}, opts.Run...)
	if err := checkOutputFlag(opts.Output, inputs); err != nil {
		return err
	}
	run, err := analyze.LoadRun(cmd.Context(), opts.Options, "", opts.Run...)
	if err != nil {
		return err
	}
	run.Name = runName(args[0], run.Analysis)
	if len(opts.Trend) > 0 {
		return runCheckTrend(cmd, opts, run, inputs)
	}
	var base *analyze.RunData
	if opts.Baseline != "" {
		ba, err := parseRunArg(opts.Baseline)
		if err != nil {
			return err
		}
		if base, err = analyze.LoadRun(cmd.Context(), opts.Options, "", ba.Path); err != nil {
			return err
		}
		base.Name = runName(ba, base.Analysis)
		if base.Name == run.Name {
			base.Name += " (baseline)"
		}
	}
	res, err := gate.Check(run, base, opts.Gates, opts.Alpha, opts.MinEffect, opts.Inconclusive == gate.StatusFail)
	if err != nil {
		return usageError{err}
	}
	if base != nil && opts.Format == formatMD {
		// The comment leads with the run against the baseline; runs that
		// cannot be compared (a closed loop and an open one) go without.
		if c, err := compare.Compare([]*analyze.RunData{base, run}, opts.Alpha, opts.MinEffect); err == nil {
			res.Comparison = c
		}
	}
	return finishCheck(opts, inputs, res)
}

// finishCheck writes the check's result and turns a failed check into
// exit status 1.
func finishCheck(opts *CheckOptions, inputs []string, res *gate.CheckResult) error {
	if err := present(opts.IO, opts.Format, opts.Output, "", inputs, res, checkFormats); err != nil {
		return err
	}
	if opts.Output != "" && opts.Output != "-" {
		// The gates still show in the CI log.
		if err := reportpkg.CheckText(opts.IO.Err, res); err != nil {
			return err
		}
	}
	if !res.Passed {
		return checkFailed{res.Failed, len(res.Gates)}
	}
	return nil
}

// checkFormats are the encoders of `llmrep check` (it has no HTML page).
var checkFormats = formats[*gate.CheckResult]{
	formatText: reportpkg.CheckText,
	formatJSON: reportpkg.CheckJSON,
	formatMD:   reportpkg.CheckMarkdown,
}
