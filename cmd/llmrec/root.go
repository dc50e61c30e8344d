package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/llmrec/llmrec/schemas"
)

// Exit statuses of llmrec.
const (
	exitOK     = 0
	exitFailed = 1 // the run could not start or its file could not be written
	// exitUsage: bad flags or arguments, or an output path that must not be
	// written: a killed run's journal beside it (recover it, or
	// --discard-journal), a non-regular file, a name too long.
	exitUsage       = 2
	exitInterrupted = 130 // stopped by a signal (SIGINT, SIGTERM, SIGHUP); the file is complete
)

// usageError marks errors in what the user typed (exit status 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// errInterrupted is returned by a command that ended because of a signal
// after finishing its work properly (exit status 130); its summary says
// so already.
var errInterrupted = errors.New("interrupted")

// interruptedError is a command stopped by a signal before it had work to
// finish (exit status 130, one line).
type interruptedError struct{ msg string }

func (e interruptedError) Error() string { return e.msg }

// interrupted names the signal that canceled ctx and what became of the work.
func interrupted(ctx context.Context, what string) error {
	msg := "interrupted"
	if c := context.Cause(ctx); c != nil && !errors.Is(c, context.Canceled) {
		msg = c.Error()
	}
	return interruptedError{msg + " " + what}
}

// stopSignals are the signals that stop a command gracefully: Ctrl-C,
// SIGTERM, and SIGHUP (the terminal or the SSH session went away), which
// would otherwise kill the process without finishing its file. A SIGHUP
// that is ignored when the process starts (nohup) stays ignored: asking
// for it would undo nohup.
func stopSignals() []os.Signal {
	sigs := []os.Signal{os.Interrupt, syscall.SIGTERM}
	if !signal.Ignored(syscall.SIGHUP) {
		sigs = append(sigs, syscall.SIGHUP)
	}
	return sigs
}

// secondSignal says on w that a second stop signal ends the process at
// once and returns its exit status: 128 + the signal's number, as a shell
// reports a process the signal killed (130 for SIGINT).
func secondSignal(w io.Writer, sig os.Signal) int {
	fmt.Fprintf(w, "\nllmrec: %s again: stopped at once; the rows are in the crash journal (llmrec recover FILE rebuilds the run file)\n", signalName(sig))
	if s, ok := sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return exitInterrupted
}

// signalName is how a stop signal is named to the user.
func signalName(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "SIGINT (Ctrl-C)"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGHUP:
		return "SIGHUP"
	}
	return "signal " + sig.String()
}

// signalCause is the cancel cause of the command's context: the signal
// that stopped it, named.
type signalCause struct{ sig os.Signal }

func (c signalCause) Error() string {
	switch c.sig {
	case os.Interrupt:
		return "interrupted by SIGINT (Ctrl-C)"
	case syscall.SIGTERM:
		return "interrupted by SIGTERM"
	case syscall.SIGHUP:
		return "interrupted by SIGHUP (the terminal or session closed)"
	}
	return "interrupted by signal " + c.sig.String()
}

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
	var ie interruptedError
	if errors.As(err, &ie) {
		fmt.Fprintf(errOut, "llmrec: %s\n", oneLine(err.Error()))
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
		NewCmdSearch(ios, nil),
		NewCmdReplay(ios, nil),
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

// oneLine folds a multi-line message (errors.Join) into one line, and
// escapes every other control character (a file name in an OS error may
// hold one) as strconv.Quote would.
func oneLine(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteString("; ")
		case r == utf8.RuneError || !unicode.IsPrint(r) && r != ' ':
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
