package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/llmrec/llmrec/schemas/runfile"
)

// NewCmdRecover builds `llmrec recover FILE`.
func NewCmdRecover(ios *IO, runF func(path string) error) *cobra.Command {
	return &cobra.Command{
		Use:   "recover FILE",
		Short: "Rebuild FILE (a killed run's -o path) from the journal the run left beside it",
		Long: `Recover rebuilds FILE, the -o path of a run that was killed (SIGKILL, a
crash, a second Ctrl-C), from the crash journal FILE.journal the run kept
beside it: every row the run had flushed, all but about its last second.
The rebuilt file's end reason is "interrupted"; it is written to a new file
beside FILE and renamed over it, and then the journal is removed.

A run that is still going holds a lock on its journal: recover refuses it
(exit status 2, "a run is still writing it") and touches nothing. Wait for
the run to end, or stop it, first. FILE must be a regular file or a new
path: a symbolic link, a directory, a device or a FIFO is refused (exit
status 2). Exit status 1: no journal, or it could not be read or written.`,
		Example: `  llmrec recover run.parquet        # rebuilds run.parquet from run.parquet.journal
  llmrec recover v2.parquet && llmrep analyze v2.parquet`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(args[0])
			}
			res, err := runfile.Recover(args[0])
			if err != nil {
				return pathError(err)
			}
			fmt.Fprintf(ios.Out, "recovered %d rows into %s", res.Rows, runfile.Quote(args[0]))
			if res.TornBytes > 0 {
				fmt.Fprintf(ios.Out, " (%d bytes at the end of the journal held no whole row)", res.TornBytes)
			}
			fmt.Fprintln(ios.Out)
			return nil
		},
	}
}
