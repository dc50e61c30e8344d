package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/llmrec/llmrec/schemas/runfile"
)

// NewCmdRecover builds `llmrec recover FILE`.
func NewCmdRecover(ios *IO, runF func(path string) error) *cobra.Command {
	return &cobra.Command{
		Use:   "recover FILE",
		Short: "Rebuild FILE (a killed run's -o path) from the journal the run left beside it",
		Example: `  llmrec recover run.parquet        # rebuilds run.parquet from run.parquet.journal
  llmrec recover v2.parquet && llmrep analyze v2.parquet`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(args[0])
			}
			res, err := runfile.Recover(args[0])
			if errors.Is(err, runfile.ErrNotRegular) {
				return usageError{err}
			}
			if err != nil {
				return err
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
