package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/schemas"
)

// Exit statuses of llmrep (README.md).
const (
	exitOK          = 0
	exitFailed      = 1   // a check gate failed, or an output could not be written
	exitUsage       = 2   // bad flags, arguments or values
	exitBadInput    = 3   // a bad or unreadable input file
	exitResources   = 4   // out of memory or of temporary disk space
	exitInterrupted = 130 // stopped by SIGINT, SIGTERM or SIGHUP; no report, temporary files removed
)

// stopSignals are the signals that cancel a command: Ctrl-C, SIGTERM, and
// SIGHUP (the terminal or the SSH session went away), whose default action
// would leave the spill directory and a half-written export behind. A
// SIGHUP ignored when the process starts (nohup) stays ignored.
func stopSignals() []os.Signal {
	sigs := []os.Signal{os.Interrupt, syscall.SIGTERM}
	if !signal.Ignored(syscall.SIGHUP) {
		sigs = append(sigs, syscall.SIGHUP)
	}
	return sigs
}

// usageError marks errors in what the user typed (exit status 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// IO is where commands write.
type IO struct {
	Out, Err io.Writer
}

// Main runs llmrep with args and returns the exit status. Every error is
// printed as one line on errOut; never a stack trace.
func Main(ctx context.Context, args []string, out, errOut io.Writer) int {
	root := NewCmdRoot(&IO{Out: out, Err: errOut})
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		fmt.Fprintln(errOut, "llmrep: interrupted")
		return exitInterrupted
	}
	fmt.Fprintf(errOut, "llmrep: %s\n", oneLine(err.Error()))
	var ue usageError
	var ie *analyze.InputError
	switch {
	case errors.As(err, &ue):
		return exitUsage
	case errors.As(err, &ie):
		return exitBadInput
	case errors.Is(err, analyze.ErrResources):
		return exitResources
	}
	return exitFailed
}

// oneLine joins a multi-line message (errors.Join) into one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// NewCmdRoot builds the llmrep command tree.
func NewCmdRoot(ios *IO) *cobra.Command {
	root := &cobra.Command{
		Use:   "llmrep",
		Short: "Analyze and report llmrec load-test runs",
		Long:  "llmrep reads the Parquet run files written by llmrec and reports tail latency, failures,\nbaseline, saturation point and growth pattern; the method is docs/METHOD.md.",
		Example: `  llmrep analyze run.parquet                      # text on stdout, HTML report in run.html
  llmrep compare base=main.parquet pr=pr.parquet  # side by side, with significance
  llmrep check pr.parquet --max p95=2s --max fail_rate=1%`,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetOut(ios.Out)
	root.SetErr(ios.Err)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(NewCmdAnalyze(ios, nil), NewCmdVersion(ios))
	root.AddCommand(NewCmdCompare(ios, nil), NewCmdCheck(ios, nil))
	root.AddCommand(NewCmdExport(ios, nil), NewCmdTrend(ios, nil))
	return root
}

// NewCmdVersion builds `llmrep version`.
func NewCmdVersion(ios *IO) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Example: `  llmrep version
  go version -m "$(command -v llmrep)"   # the Go and module versions it was built with`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintf(ios.Out, "llmrep %s (run file schema version %d)\n", schemas.ToolVersion, schemas.Version)
			return err
		},
	}
}
