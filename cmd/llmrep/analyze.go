package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/report"
	"github.com/llmrec/llmrec/report/htmlreport"
)

// Report formats.
const (
	formatText = "text"
	formatJSON = "json"
	formatMD   = "md"
	formatHTML = "html"
)

// Renderer writes a report of an analysis.
type Renderer func(w io.Writer, a *analyze.Analysis) error

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
	// HTML renders the HTML report; nil while the build has none.
	HTML Renderer
}

// htmlRenderer returns the HTML report renderer.
func htmlRenderer() Renderer { return htmlreport.Render }

// NewCmdAnalyze builds `llmrep analyze`. runF replaces the run in tests
// of flag parsing; nil runs runAnalyze.
func NewCmdAnalyze(ios *IO, runF func(*AnalyzeOptions) error) *cobra.Command {
	opts := &AnalyzeOptions{IO: ios, Options: analyze.DefaultOptions(), HTML: htmlRenderer()}
	cmd := &cobra.Command{
		Use:   "analyze RUN.parquet [more shards...]",
		Short: "Summarise a run: percentiles, steps, baseline, saturation, growth, health",
		Long: `Analyze reads one run (several shards of it, as paths or a glob) and reports
the figures of docs/METHOD.md. By default it prints text on stdout (and writes the
HTML report to -o, or RUN.html beside the input, when HTML is available);
--format json|md|text writes that format to stdout or to -o FILE.`,
		Example: `  llmrep analyze run.parquet                          # text on stdout, HTML report in run.html
  llmrep analyze run.parquet --format md -o run.md    # one pull-request comment
  llmrep analyze 'shards/run-*.parquet' --format json # the shards of one run, every figure
  llmrep analyze run.parquet --warmup 10s --metric ttft`,
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
			if err := checkFormat(opts.Format, opts.HTML != nil); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runAnalyze(cmd, opts)
		},
	}
	addCommonFlags(cmd.Flags(), &opts.Options)
	cmd.Flags().StringVar(&opts.Format, "format", "", "report `FORMAT`: text, json, md or html (default text on stdout, plus HTML)")
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", "write the report to `FILE`")
	return cmd
}

func runAnalyze(cmd *cobra.Command, opts *AnalyzeOptions) error {
	a, err := analyze.Analyze(cmd.Context(), opts.Options, opts.Paths...)
	if err != nil {
		return err
	}
	format := opts.Format
	if format == "" {
		// The default: text on stdout, and HTML beside it when built in.
		if err := report.Text(opts.IO.Out, a); err != nil {
			return err
		}
		html := opts.Output
		if html == "" {
			html = defaultHTMLPath(opts.Paths[0])
		}
		if opts.HTML == nil {
			if opts.Output != "" {
				fmt.Fprintf(opts.IO.Err, "llmrep: the HTML report is not available in this build; %s not written\n", opts.Output)
			}
			return nil
		}
		if err := writeFile(html, a, opts.HTML); err != nil {
			return err
		}
		fmt.Fprintf(opts.IO.Err, "llmrep: wrote %s\n", html)
		return nil
	}
	render := map[string]Renderer{
		formatText: report.Text,
		formatJSON: report.JSON,
		formatMD:   report.Markdown,
		formatHTML: opts.HTML,
	}[format]
	out := opts.Output
	if out == "" && format == formatHTML {
		out = defaultHTMLPath(opts.Paths[0])
	}
	if out == "" || out == "-" {
		return render(opts.IO.Out, a)
	}
	if err := writeFile(out, a, render); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.Err, "llmrep: wrote %s\n", out)
	return nil
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

// writeFile renders into memory first, so that a failed render leaves no
// partial file, then writes path.
func writeFile(path string, a *analyze.Analysis, render Renderer) error {
	var buf bytes.Buffer
	if err := render(&buf, a); err != nil {
		return err
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// checkFormat validates --format: text, json, md, or html when this build
// has an HTML renderer.
func checkFormat(format string, haveHTML bool) error {
	switch format {
	case "", formatText, formatJSON, formatMD:
	case formatHTML:
		if !haveHTML {
			return usageError{fmt.Errorf("--format html is not available in this build of llmrep")}
		}
	default:
		return usageError{fmt.Errorf("--format %q must be text, json, md or html", format)}
	}
	return nil
}
