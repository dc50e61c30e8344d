package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/llmrec/llmrec/analyze"
)

// ExportOptions are what `llmrep export` was asked to do.
type ExportOptions struct {
	IO      *IO
	Paths   []string
	Options analyze.Options
	// Format is csv or jsonl.
	Format string
	// Output is -o: the file to write (empty or "-": stdout).
	Output string
}

// NewCmdExport builds `llmrep export`. runF replaces the run in tests of
// flag parsing; nil runs runExport.
func NewCmdExport(ios *IO, runF func(*ExportOptions) error) *cobra.Command {
	opts := &ExportOptions{IO: ios, Options: analyze.DefaultOptions(), Format: analyze.ExportCSV}
	cmd := &cobra.Command{
		Use:   "export RUN.parquet [more shards...]",
		Short: "Write a run's rows as CSV or JSON lines, for spreadsheets and scripts",
		Long: `Export writes every request of a run (several shards of it, as paths or a
glob) as CSV with a header line or as JSON lines: every column of the run
file, in file order (shard, then seq), plus

  scheduled_at, start     RFC 3339 times in UTC, to the microsecond
  scheduled_ms, start_ms  the same times in ms since the run's start
  warmup                  true for requests sent within --warmup

A missing value (ttft_ms of a failure, say) is an empty CSV field or a JSON
null. It writes to stdout, or to -o FILE, which is replaced whole; it
refuses to write over one of its inputs or through a symbolic link. Text
columns (error) hold what the server answered: a spreadsheet may read a
cell that starts with = as a formula.`,
		Example: `  llmrep export run.parquet -o run.csv
  llmrep export run.parquet --format jsonl | jq -c 'select(.ok | not)'
  llmrep export 'shards/run-*.parquet' --warmup 10s --format jsonl -o rows.jsonl`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError{fmt.Errorf("export needs at least one run file")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			if opts.Format != analyze.ExportCSV && opts.Format != analyze.ExportJSONL {
				return usageError{fmt.Errorf("--format %q must be csv or jsonl", opts.Format)}
			}
			if runF != nil {
				return runF(opts)
			}
			return runExport(cmd, opts)
		},
	}
	f := cmd.Flags()
	f.Var(warmupValue{&opts.Options.Warmup}, "warmup", "flag requests sent in the first `DURATION` of the run as warmup; auto: the smaller of 30s and half the first step")
	f.StringVar(&opts.Format, "format", opts.Format, "output `FORMAT`: csv or jsonl")
	f.StringVarP(&opts.Output, "output", "o", "", "write the rows to `FILE` (default stdout)")
	return cmd
}

func runExport(cmd *cobra.Command, opts *ExportOptions) error {
	ctx := cmd.Context()
	if opts.Output == "" || opts.Output == "-" {
		_, err := analyze.ExportTo(ctx, opts.Options, opts.Format, opts.IO.Out, opts.Paths...)
		return err
	}
	n, err := analyze.Export(ctx, opts.Options, opts.Format, opts.Output, opts.Paths...)
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.Err, "llmrep: wrote %d rows to %s\n", n, opts.Output)
	return nil
}
