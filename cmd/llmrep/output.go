package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/llmrec/llmrec/internal/outfile"
)

// outputUsage is the output rule in the usage of every -o.
const outputUsage = "- is stdout; a device or FIFO (/dev/stdout) is written in place; a file is replaced whole; a symbolic link to a file, a directory or an input is refused"

// emit renders a report and writes it to out ("" or "-": stdout) by the
// output rule (package outfile): a device, FIFO or socket (/dev/stdout) is
// written in place, a file is replaced whole by a rename, and a symbolic
// link to anything else, a directory or one of the inputs (the run files
// or globs the report was made from) is refused. Rendering goes to memory
// first, so a failed render writes nothing.
func emit(ios *IO, out string, inputs []string, render func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		return err
	}
	t, err := writeReport(ios.Out, out, buf.Bytes(), inputs)
	if err != nil {
		return err
	}
	reportWritten(ios, t, "")
	return nil
}

// writeReport writes data to out by the output rule and returns the target.
func writeReport(stdout io.Writer, out string, data []byte, inputs []string) (outfile.Target, error) {
	t, err := checkOutput(out, inputs)
	if err != nil {
		return t, err
	}
	err = t.Write(stdout, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
	return t, outputError(err)
}

// reportWritten tells, on stderr, that a file was written (what says
// rows), whether it replaced an older one, and the rule's note on its name.
// Nothing is said of stdout or a stream.
func reportWritten(ios *IO, t outfile.Target, what string) {
	if t.Kind != outfile.File {
		return
	}
	msg := "llmrep: wrote "
	if what != "" {
		msg += what + " to "
	}
	msg += outfile.Quote(t.Path)
	if t.Exists {
		msg += " (replacing the older file)"
	}
	fmt.Fprintln(ios.Err, msg)
	if note := t.Note(); note != "" {
		fmt.Fprintln(ios.Err, "llmrep: note: "+note)
	}
}

// checkOutput applies the output rule to out ("" or "-": stdout). The
// commands also call it before they read anything (checkOutputFlag), so
// that a long analysis does not end in a refusal.
func checkOutput(out string, inputs []string) (outfile.Target, error) {
	if out == "" {
		out = "-"
	}
	t, err := outfile.Check(out, inputs)
	return t, outputError(err)
}

// checkOutputFlag is checkOutput of an -o given.
func checkOutputFlag(out string, inputs []string) error {
	_, err := checkOutput(out, inputs)
	return err
}

// outputError makes an output the rule refuses a usage error (exit status
// 2): the command as typed must not write there. Other errors (a full
// disk, a permission) keep status 1.
func outputError(err error) error {
	var re *outfile.RefusedError
	if errors.As(err, &re) {
		return usageError{err}
	}
	return err
}
