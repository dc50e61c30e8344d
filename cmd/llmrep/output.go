package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/llmrec/llmrec/schemas/runfile"
)

// emit renders a report and writes it: to stdout when out is "" or "-",
// else to the file out (see writeReport). Rendering goes to memory first,
// so a failed render writes nothing. inputs are the run files (or globs)
// the report was made from: the report never replaces one of them.
func emit(ios *IO, out string, inputs []string, render func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		return err
	}
	if out == "" || out == "-" {
		_, err := ios.Out.Write(buf.Bytes())
		return err
	}
	replaced, err := writeReport(out, buf.Bytes(), inputs)
	if err != nil {
		return err
	}
	msg := "llmrep: wrote " + runfile.Quote(out)
	if replaced {
		msg += " (replacing the older file)"
	}
	fmt.Fprintln(ios.Err, msg)
	return nil
}

// writeReport writes data to path without ever writing through it: the
// bytes go to a new temporary file in the same directory, which is then
// renamed over path. A rename replaces a symlink at path, never the file
// it points to, and a reader never sees half a report. path must not be
// one of the inputs (nor the same file under another name), nor anything
// but a regular file or a symlink. replaced says whether an older file
// was there.
func writeReport(path string, data []byte, inputs []string) (replaced bool, err error) {
	replaced, err = checkOutput(path, inputs)
	if err != nil {
		return false, err
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return false, fmt.Errorf("write report %s: %w", runfile.Quote(path), err)
	}
	defer os.Remove(tmp.Name()) // after the rename, there is nothing left to remove
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return false, fmt.Errorf("write report %s: %w", runfile.Quote(path), err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return false, fmt.Errorf("write report %s: %w", runfile.Quote(path), err)
	}
	if err := tmp.Close(); err != nil {
		return false, fmt.Errorf("write report %s: %w", runfile.Quote(path), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return false, fmt.Errorf("write report %s: %w", runfile.Quote(path), err)
	}
	return replaced, nil
}

// checkOutput says whether a report may be written to path (see
// writeReport) and whether it would replace an older file. The commands
// also call it before they read anything (checkOutputFlag), so that a
// long analysis does not end in a refusal.
func checkOutput(path string, inputs []string) (replaced bool, err error) {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return false, fmt.Errorf("write report %s: %w", runfile.Quote(path), err)
	case fi.Mode().IsRegular() || fi.Mode()&fs.ModeSymlink != 0:
		replaced = true
	default:
		return false, usageError{fmt.Errorf("write report %s: it is not a regular file (%s); choose another -o", runfile.Quote(path), runfile.FileKind(fi.Mode()))}
	}
	if in := sameAsInput(path, inputs); in != "" {
		return false, usageError{fmt.Errorf("write report %s: it is the input %s; choose another -o", runfile.Quote(path), runfile.Quote(in))}
	}
	return replaced, nil
}

// checkOutputFlag is checkOutput of an -o given (none, or "-": stdout).
func checkOutputFlag(out string, inputs []string) error {
	if out == "" || out == "-" {
		return nil
	}
	_, err := checkOutput(out, inputs)
	return err
}

// sameAsInput returns the input (a file, or a match of a glob) that path
// names, directly or through a link, or "".
func sameAsInput(path string, inputs []string) string {
	out, err := os.Lstat(path)
	if err != nil {
		out = nil
	}
	abs, _ := filepath.Abs(path)
	for _, in := range inputs {
		files := []string{in}
		if m, err := filepath.Glob(in); err == nil && len(m) > 0 {
			files = m
		}
		for _, f := range files {
			if a, _ := filepath.Abs(f); a == abs {
				return f
			}
			if fi, err := os.Lstat(f); err == nil && out != nil && os.SameFile(fi, out) {
				return f
			}
		}
	}
	return ""
}
