package main

import (
	"os"
	"slices"

	"github.com/spf13/cobra"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/gate"
)

// runCheckTrend is check --trend: the runs of --trend that started before
// the run checked (not the run's own files), the newest --trend-runs of
// them, are the reference of the regression gates.
func runCheckTrend(cmd *cobra.Command, opts *CheckOptions, run *analyze.RunData, inputs []string) error {
	files, err := trendFiles(opts.Trend)
	if err != nil {
		return err
	}
	own := make([]os.FileInfo, 0, len(opts.Run))
	for _, p := range opts.Run {
		if fi, err := os.Stat(p); err == nil {
			own = append(own, fi)
		}
	}
	var previous []*analyze.Analysis
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil && slices.ContainsFunc(own, func(o os.FileInfo) bool { return os.SameFile(o, fi) }) {
			continue
		}
		a, err := analyze.Analyze(cmd.Context(), opts.Options, f)
		if err != nil {
			return err
		}
		if a.Run.StartedAt.Before(run.Analysis.Run.StartedAt) {
			previous = append(previous, a)
		}
	}
	slices.SortStableFunc(previous, func(x, y *analyze.Analysis) int { return x.Run.StartedAt.Compare(y.Run.StartedAt) })
	if len(previous) > opts.TrendRuns {
		previous = previous[len(previous)-opts.TrendRuns:]
	}
	res, err := gate.CheckTrend(run, previous, opts.Gates, opts.Alpha, opts.MinEffect, opts.Inconclusive == gate.StatusFail)
	if err != nil {
		return usageError{err}
	}
	return finishCheck(opts, append(inputs, files...), res)
}
