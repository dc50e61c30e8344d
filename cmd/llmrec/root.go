package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/llmrec/llmrec/schemas"
)

// Exit statuses of llmrec.
const (
	exitOK          = 0
	exitFailed      = 1   // the run could not start or its file could not be written
	exitUsage       = 2   // bad flags or arguments
	exitInterrupted = 130 // stopped by Ctrl-C; the file is complete
)

// usageError marks errors in what the user typed (exit status 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// interrupted is returned by a command that ended because of Ctrl-C after
// finishing its work properly (exit status 130).
var errInterrupted = errors.New("interrupted")

// IO is where commands read and write.
type IO struct {
	In       io.Reader
	Out, Err io.Writer
	// ErrIsTerminal says whether Err is a terminal (live status line).
	ErrIsTerminal bool
}

// Main runs llmrec with args and returns the exit status.
func Main(ctx context.Context, args []string, in io.Reader, out, errOut io.Writer) int {
	ios := &IO{In: in, Out: out, Err: errOut, ErrIsTerminal: isTerminal(errOut)}
	root := NewCmdRoot(ios)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errInterrupted):
		return exitInterrupted
	}
	fmt.Fprintf(errOut, "llmrec: %s\n", oneLine(err.Error()))
	var ue usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	return exitFailed
}

// NewCmdRoot builds the llmrec command tree.
func NewCmdRoot(ios *IO) *cobra.Command {
	root := &cobra.Command{
		Use:   "llmrec",
		Short: "Record a step load against an LLM service into a Parquet run file",
		Example: `  llmrec run -o run.parquet                    # the built-in simulator, default step load
  llmrec run --target http://127.0.0.1:8000 --label model=v2 -o v2.parquet
  llmrec sim --profile knee --addr 127.0.0.1:8000  # a simulator for other tools
  llmrec recover run.parquet                   # after a killed run`,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetOut(ios.Out)
	root.SetErr(ios.Err)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(
		NewCmdRun(ios, nil),
		NewCmdSim(ios, nil),
		NewCmdRecover(ios, nil),
		&cobra.Command{
			Use:   "version",
			Short: "Print the version",
			Example: `  llmrec version
  go version -m "$(command -v llmrec)"   # the Go and module versions it was built with`,
			Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				_, err := fmt.Fprintf(ios.Out, "llmrec %s (record schema %d)\n", schemas.ToolVersion, schemas.Version)
				return err
			},
		},
	)
	// Unknown commands and wrong argument counts are usage errors too.
	for _, c := range root.Commands() {
		wrapArgs(c)
	}
	return root
}

func wrapArgs(c *cobra.Command) {
	if c.Args == nil {
		return
	}
	inner := c.Args
	c.Args = func(cmd *cobra.Command, args []string) error {
		if err := inner(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

// oneLine folds a multi-line message (errors.Join) into one line.
func oneLine(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r == '\n' {
			out = append(out, ';', ' ')
			continue
		}
		out = append(out, r)
	}
	return string(out)
}
