package main

import (
	"fmt"
	"path/filepath"
	"sort"

	"github.com/spf13/cobra"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/compare"
	reportpkg "github.com/llmrec/llmrec/report"
	"github.com/llmrec/llmrec/report/htmlreport"
)

// TrendOptions are what `llmrep trend` was asked to do.
type TrendOptions struct {
	IO *IO
	// Args are the run files or globs given; each file is one run.
	Args    []string
	Options analyze.Options
	Trend   compare.TrendOptions
	Format  string // text, json, md or html
	Output  string
}

// NewCmdTrend builds `llmrep trend`. runF replaces the run in tests of
// flag parsing; nil runs runTrend.
func NewCmdTrend(ios *IO, runF func(*TrendOptions) error) *cobra.Command {
	opts := &TrendOptions{IO: ios, Options: analyze.DefaultOptions(), Format: formatText,
		Trend: compare.TrendOptions{By: compare.ByDate, MinEffect: compare.DefaultMinEffect}}
	cmd := &cobra.Command{
		Use:   "trend RUN.parquet... [--by date|commit|LABEL]",
		Short: "One point per run for the figures compare weighs, and where each moved",
		Long: `Trend reads any number of runs (files or globs; each file is one run) and
prints, one point per run, p95 latency (overall, or at --at-users N), capacity,
goodput (with --slo), peak output tokens/s and the failure rate.

The runs are ordered by --by: date (their start time, the default), commit (the
"commit" label names each point; ordered by start time), or any label (its
values compared as numbers when they all are, else as text).

A figure's change point is the first run after which it moved and stayed:
with at least 2 runs before it and 2 from it on, every value from it on is
beyond --min-effect [5%,1pp] from the median of the runs before it, all on
the same side. A single slow newest run is not a change point yet.`,
		Example: `  llmrep trend runs/*.parquet                         # ordered by start time
  llmrep trend runs/*.parquet --by build --format md   # by the label build=N
  llmrep trend runs/*.parquet --at-users 32 --format html -o trend.html`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError{fmt.Errorf("trend needs run files")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args
			if err := opts.Options.Validate(); err != nil {
				return usageError{err}
			}
			switch opts.Format {
			case formatText, formatJSON, formatMD, formatHTML:
			default:
				return usageError{fmt.Errorf("--format %q must be text, json, md or html", opts.Format)}
			}
			if opts.Trend.By == "" {
				return usageError{fmt.Errorf("--by must be date, commit or a label's name")}
			}
			if runF != nil {
				return runF(opts)
			}
			return runTrend(cmd, opts)
		},
	}
	addCommonFlags(cmd.Flags(), &opts.Options)
	f := cmd.Flags()
	f.StringVar(&opts.Trend.By, "by", opts.Trend.By, "order the runs by `KEY`: date, commit or a label's name")
	f.IntVar(&opts.Trend.Users, "at-users", 0, "p95 at the first step with `N` users (0: the whole run)")
	f.Var(minEffectValue{&opts.Trend.MinEffect}, "min-effect", minEffectUsage)
	f.StringVar(&opts.Format, "format", opts.Format, "output `FORMAT`: text, json, md or html (one chart per figure)")
	f.StringVarP(&opts.Output, "output", "o", "", "write the trend to `FILE` (default stdout; "+outputUsage+")")
	return cmd
}

// trendFiles expands the arguments: a name that exists is a file, else a
// glob; every file once, in the order found.
func trendFiles(args []string) ([]string, error) {
	var files []string
	seen := map[string]bool{}
	for _, a := range args {
		matches := []string{a}
		m, err := filepath.Glob(a)
		if err != nil {
			return nil, usageError{fmt.Errorf("%q: %w", a, err)}
		}
		if len(m) > 0 {
			sort.Strings(m)
			matches = m
		}
		for _, m := range matches {
			if !seen[m] {
				seen[m] = true
				files = append(files, m)
			}
		}
	}
	return files, nil
}

func runTrend(cmd *cobra.Command, opts *TrendOptions) error {
	files, err := trendFiles(opts.Args)
	if err != nil {
		return err
	}
	if err := checkOutputFlag(opts.Output, files); err != nil {
		return err
	}
	runs := make([]*analyze.Analysis, len(files))
	for i, f := range files {
		if runs[i], err = analyze.Analyze(cmd.Context(), opts.Options, f); err != nil {
			return err
		}
	}
	t, err := compare.NewTrend(runs, files, opts.Trend)
	if err != nil {
		return usageError{err}
	}
	return present(opts.IO, opts.Format, opts.Output, "", files, t, trendFormats)
}

// trendFormats are the encoders of `llmrep trend`.
var trendFormats = formats[*compare.Trend]{
	formatText: reportpkg.TrendText,
	formatJSON: reportpkg.TrendJSON,
	formatMD:   reportpkg.TrendMarkdown,
	formatHTML: htmlreport.RenderTrend,
}
