package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/export"
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
	opts := &ExportOptions{IO: ios, Options: analyze.DefaultOptions(), Format: export.ExportCSV}
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
null. It writes to stdout (no -o, or -o -), to a device, FIFO or socket in
place (-o /dev/stdout), or to -o FILE, which is replaced whole (a new file
renamed over it). It refuses (exit status 2) one of its inputs, a directory
and a symbolic link to anything but a device, FIFO or socket: name the file
itself. Text columns (error) hold what the server answered: a spreadsheet
may read a cell that starts with = as a formula.`,
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
			if opts.Format != export.ExportCSV && opts.Format != export.ExportJSONL {
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
	f.StringVarP(&opts.Output, "output", "o", "", "write the rows to `FILE` (default stdout; "+outputUsage+")")
	return cmd
}

func runExport(cmd *cobra.Command, opts *ExportOptions) error {
	t, err := checkOutput(opts.Output, opts.Paths)
	if err != nil {
		return err
	}
	var n int64
	err = t.WriteVia(opts.IO.Out, func(path string) error {
		n, err = export.Export(cmd.Context(), opts.Options, opts.Format, path, opts.Paths...)
		return err
	})
	if err != nil {
		return outputError(err)
	}
	reportWritten(opts.IO, t, fmt.Sprintf("%d rows", n))
	return nil
}
