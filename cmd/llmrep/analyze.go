package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/llmrec/llmrec/analyze"
	reportpkg "github.com/llmrec/llmrec/report"
	"github.com/llmrec/llmrec/report/htmlreport"
)

// Report formats.
const (
	formatText = "text"
	formatJSON = "json"
	formatMD   = "md"
	formatHTML = "html"
)

// AnalyzeOptions are what `llmrep analyze` was asked to do.
type AnalyzeOptions struct {
	IO      *IO
	Paths   []string
	Options analyze.Options
	// Format is text, json, md or html; empty is the default: text on
	// stdout, plus the HTML report when HTML is available.
	Format string
	// Output is -o: the report file (empty: stdout for text, json and md;
	// RUN.html beside the first input for html).
	Output string
}

// NewCmdAnalyze builds `llmrep analyze`. runF replaces the run in tests
// of flag parsing; nil runs runAnalyze.
func NewCmdAnalyze(ios *IO, runF func(*AnalyzeOptions) error) *cobra.Command {
	opts := &AnalyzeOptions{IO: ios, Options: analyze.DefaultOptions()}
	cmd := &cobra.Command{
		Use:   "analyze RUN.parquet [more shards...]",
		Short: "Summarise a run: percentiles, steps, baseline, saturation, growth, health",
		Long: `Analyze reads one run (several shards of it, as paths or a glob) and reports
the figures defined in docs/METHOD.md. By default it prints text on stdout and
writes the HTML report to -o, or RUN.html beside the input;
--format json|md|text writes that format to stdout or to -o FILE.`,
		Example: `  llmrep analyze run.parquet                          # text on stdout, HTML report in run.html
  llmrep analyze run.parquet --format md -o run.md    # one pull-request comment
  llmrep analyze 'shards/run-*.parquet' --format json # the shards of one run, every figure
  llmrep analyze run.parquet --slo ttft=500ms --by class  # capacity within SLOs, and of each request class`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError{fmt.Errorf("analyze needs at least one run file")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			if err := opts.Options.Validate(); err != nil {
				return usageError{err}
			}
			if err := checkFormat(opts.Format); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runAnalyze(cmd, opts)
		},
	}
	addCommonFlags(cmd.Flags(), &opts.Options)
	cmd.Flags().StringVar(&opts.Options.By, "by", "", "also break the figures down by `WHAT`: class (each request class of a llmrec run --workload: counts, failures, percentiles, SLO attainment under the class's own SLO, capacity)")
	cmd.Flags().StringVar(&opts.Format, "format", "", "report `FORMAT`: text, json, md or html (default text on stdout, plus HTML)")
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", "write the report to `FILE` (default: text on stdout, HTML to RUN.html; "+outputUsage+")")
	return cmd
}

func runAnalyze(cmd *cobra.Command, opts *AnalyzeOptions) error {
	defaultHTML := defaultHTMLPath(opts.Paths[0])
	if err := checkOutputFlag(reportOutput(opts.Format, opts.Output, defaultHTML), opts.Paths); err != nil {
		return err
	}
	a, err := analyze.Analyze(cmd.Context(), opts.Options, opts.Paths...)
	if err != nil {
		return err
	}
	return present(opts.IO, opts.Format, opts.Output, defaultHTML, opts.Paths, a, analysisFormats)
}

// analysisFormats are the encoders of `llmrep analyze`.
var analysisFormats = formats[*analyze.Analysis]{
	formatText: reportpkg.Text,
	formatJSON: reportpkg.JSON,
	formatMD:   reportpkg.Markdown,
	formatHTML: htmlreport.Render,
}

// formats maps each --format to its encoder of a T.
type formats[T any] map[string]func(io.Writer, T) error

// present writes v the way every llmrep command does. With a format, that
// format goes to -o, or stdout (html: to -o or defaultHTML). Without one,
// text goes to stdout and, when the command has an HTML page, the page to
// -o or defaultHTML. inputs are never written over.
func present[T any](ios *IO, format, out, defaultHTML string, inputs []string, v T, enc formats[T]) error {
	if format == "" && enc[formatHTML] == nil {
		format = formatText
	}
	if format == "" {
		if err := enc[formatText](ios.Out, v); err != nil {
			return err
		}
		format = formatHTML
	}
	if enc[format] == nil {
		return usageError{fmt.Errorf("--format %s is not available here", format)}
	}
	return emit(ios, reportOutput(format, out, defaultHTML), inputs, func(w io.Writer) error { return enc[format](w, v) })
}

// reportOutput is where present writes the report given --format, -o and
// the command's default HTML path ("": none): -o when given, else the
// default path when the HTML page is written, else "" (stdout). The
// commands check it by the output rule before they read anything.
func reportOutput(format, out, defaultHTML string) string {
	if out == "" && (format == "" || format == formatHTML) {
		return defaultHTML
	}
	return out
}

// defaultHTMLPath is RUN.html beside the input RUN.parquet.
func defaultHTMLPath(input string) string {
	if strings.ContainsAny(input, "*?[") {
		if _, err := os.Stat(input); err != nil {
			input = filepath.Join(filepath.Dir(input), "run.parquet")
		}
	}
	return strings.TrimSuffix(input, filepath.Ext(input)) + ".html"
}

// checkFormat validates --format.
func checkFormat(format string) error {
	switch format {
	case "", formatText, formatJSON, formatMD, formatHTML:
		return nil
	}
	return usageError{fmt.Errorf("--format %q must be text, json, md or html", format)}
}
