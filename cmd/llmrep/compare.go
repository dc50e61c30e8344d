package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/compare"
	reportpkg "github.com/llmrec/llmrec/report"
	"github.com/llmrec/llmrec/report/htmlreport"
)

// CompareOptions are what `llmrep compare` was asked to do.
type CompareOptions struct {
	IO *IO
	// Runs are the arguments: [name=]path, the first the baseline.
	Runs    []runArg
	Options analyze.Options
	Alpha   float64
	// MinEffect is --min-effect: a smaller change is the same.
	MinEffect compare.MinEffect
	// Format is text, json, md or html; empty: text on stdout plus the
	// HTML page.
	Format string
	// Output is -o (empty: stdout, or compare.html beside the baseline run
	// for HTML).
	Output string
}

// runArg is one run named on the command line.
type runArg struct {
	Name string // "" when not given
	Path string // a file, or a glob of one run's shards
}

// parseRunArg splits "name=path". An argument that names an existing file
// is a path whatever it holds; so is one without "=".
func parseRunArg(arg string) (runArg, error) {
	if _, err := os.Stat(arg); err == nil {
		return runArg{Path: arg}, nil
	}
	name, path, ok := strings.Cut(arg, "=")
	if !ok {
		return runArg{Path: arg}, nil
	}
	if name == "" || path == "" {
		return runArg{}, usageError{fmt.Errorf("%q: want [NAME=]RUN.parquet", arg)}
	}
	return runArg{Name: name, Path: path}, nil
}

// runName names a loaded run: the name given, else its model label, else
// the file name without extension.
func runName(arg runArg, a *analyze.Analysis) string {
	if arg.Name != "" {
		return arg.Name
	}
	if m := a.Run.Labels["model"]; m != "" {
		return m
	}
	return strings.TrimSuffix(filepath.Base(arg.Path), filepath.Ext(arg.Path))
}

// loadRuns loads the runs and names them; names that clash get the file
// name, then a number.
func loadRuns(cmd *cobra.Command, o analyze.Options, args []runArg) ([]*analyze.RunData, error) {
	runs := make([]*analyze.RunData, len(args))
	for i, arg := range args {
		r, err := analyze.LoadRun(cmd.Context(), o, "", arg.Path)
		if err != nil {
			return nil, err
		}
		r.Name = runName(arg, r.Analysis)
		runs[i] = r
	}
	count := map[string]int{}
	for _, r := range runs {
		count[r.Name]++
	}
	seen := map[string]int{}
	for i, r := range runs {
		if count[r.Name] > 1 && args[i].Name == "" {
			r.Name = strings.TrimSuffix(filepath.Base(args[i].Path), filepath.Ext(args[i].Path))
		}
		seen[r.Name]++
		if seen[r.Name] > 1 {
			r.Name = fmt.Sprintf("%s#%d", r.Name, seen[r.Name])
		}
	}
	return runs, nil
}

// NewCmdCompare builds `llmrep compare`. runF replaces the run in tests of
// flag parsing; nil runs runCompare.
func NewCmdCompare(ios *IO, runF func(*CompareOptions) error) *cobra.Command {
	opts := &CompareOptions{IO: ios, Options: analyze.DefaultOptions(), Alpha: compare.DefaultAlpha, MinEffect: compare.DefaultMinEffect}
	cmd := &cobra.Command{
		Use:   "compare [NAME=]BASE.parquet [NAME=]RUN.parquet [...]",
		Short: "Compare runs side by side, each change with a significance test",
		Long: `Compare reads two or more runs; the first is the baseline. A run is named by
NAME= when given, else by its "model" label, else by its file name.

Steps are matched by user count; levels some run lacks are listed apart. Per
matched level and overall it prints p50/p95/p99, failure rate, requests/s,
TTFT p95 and tokens/s (when recorded): each run's value and its change
against the baseline, with a significance test on the raw per-request values
(Mann-Whitney U for medians, a bootstrap for p95/p99, a two-proportion test
for the failure rate), and "~" when the change is not significant at --alpha
or smaller than --min-effect (5% for latencies, req/s and tokens/s, 1 point
for rates: a smaller change is the same whatever its p-value).
Then each run's saturation point and growth pattern, and a verdict line.

By default it prints text on stdout and writes the HTML page to -o (or
compare.html beside the baseline run); --format json|md|text|html writes that
format to stdout or to -o FILE. The Markdown is one pull-request comment: the
verdict and a short table first, the full tables folded in <details>.`,
		Example: `  llmrep compare base=main.parquet pr=pr.parquet              # text, plus compare.html
  llmrep compare v1.parquet v2.parquet v3.parquet --format md  # one pull-request comment
  llmrep compare a.parquet b.parquet --slo ttft=500ms,latency=10s --format json -o compare.json
  llmrep compare a.parquet b.parquet --min-effect 10%,2pp      # only changes of 10% (2 points) count`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 2 {
				return usageError{fmt.Errorf("compare needs at least two runs (the first is the baseline)")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.complete(args); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runCompare(cmd, opts)
		},
	}
	addCommonFlags(cmd.Flags(), &opts.Options)
	cmd.Flags().Float64Var(&opts.Alpha, "alpha", opts.Alpha, "significance level: a change with p >= `ALPHA` is shown as ~")
	cmd.Flags().Var(minEffectValue{&opts.MinEffect}, "min-effect", minEffectUsage)
	cmd.Flags().StringVar(&opts.Format, "format", "", "report `FORMAT`: text, json, md or html (default text on stdout, plus HTML)")
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", "write the report to `FILE` (default: text on stdout, HTML to compare.html; "+outputUsage+")")
	return cmd
}

// complete reads the runs from args and checks the options.
func (o *CompareOptions) complete(args []string) error {
	o.Runs = nil
	for _, a := range args {
		ra, err := parseRunArg(a)
		if err != nil {
			return err
		}
		o.Runs = append(o.Runs, ra)
	}
	if err := o.Options.Validate(); err != nil {
		return usageError{err}
	}
	if !(o.Alpha > 0 && o.Alpha < 1) {
		return usageError{fmt.Errorf("--alpha %v must be between 0 and 1", o.Alpha)}
	}
	return checkFormat(o.Format)
}

func runCompare(cmd *cobra.Command, opts *CompareOptions) error {
	inputs := make([]string, len(opts.Runs))
	for i, r := range opts.Runs {
		inputs[i] = r.Path
	}
	defaultHTML := filepath.Join(filepath.Dir(opts.Runs[0].Path), "compare.html")
	if err := checkOutputFlag(reportOutput(opts.Format, opts.Output, defaultHTML), inputs); err != nil {
		return err
	}
	runs, err := loadRuns(cmd, opts.Options, opts.Runs)
	if err != nil {
		return err
	}
	c, err := compare.Compare(runs, opts.Alpha, opts.MinEffect)
	if err != nil {
		return err
	}
	return present(opts.IO, opts.Format, opts.Output, defaultHTML, inputs, c, comparisonFormats)
}

// comparisonFormats are the encoders of `llmrep compare`.
var comparisonFormats = formats[*compare.Comparison]{
	formatText: reportpkg.CompareText,
	formatJSON: reportpkg.CompareJSON,
	formatMD:   reportpkg.CompareMarkdown,
	formatHTML: htmlreport.RenderComparison,
}
