package runfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"unicode"
	"unicode/utf8"

	"github.com/llmrec/llmrec/schemas"
)

// ErrOutputExists is returned when the run file exists and force is off.
var ErrOutputExists = errors.New("output file exists")

// ErrJournalExists is returned when a killed run's journal is beside the
// run file: starting a new run would destroy the rows it holds.
var ErrJournalExists = errors.New("a killed run's journal is beside it")

// ErrNotRegular is returned for an output path that exists and is not a
// regular file (a device, FIFO, directory, socket or symbolic link): a run
// file is written only to a regular file or a new path.
var ErrNotRegular = errors.New("not a regular file")

// ErrNameTooLong is returned when the run file's name, or its journal's,
// is longer than a file name may be.
var ErrNameTooLong = errors.New("file name too long")

// maxName is the longest file name (in bytes) of Linux file systems.
const maxName = 255

// CheckPath refuses, before a run sends its first request, an output path
// that cannot take a new run file: an existing run file (unless force), a
// non-regular file (even with force), a journal beside it (unless
// discardJournal), a name too long for the journal, and a directory that
// cannot be written.
func CheckPath(path string, force, discardJournal bool) error {
	if n := len(filepath.Base(JournalPath(path))); n > maxName {
		return fmt.Errorf("%s: %w: its journal's name would be %d bytes, over %d; choose a shorter -o", Quote(path), ErrNameTooLong, n, maxName)
	}
	if st, err := os.Lstat(path); err == nil {
		if !st.Mode().IsRegular() {
			return fmt.Errorf("%s: %w (%s): choose a regular file or a new path with -o", Quote(path), ErrNotRegular, FileKind(st.Mode()))
		}
		if !force {
			return fmt.Errorf("%s: %w; pass --force to overwrite it or choose another -o", Quote(path), ErrOutputExists)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("check output %s: %w", Quote(path), err)
	}
	if _, err := os.Lstat(JournalPath(path)); err == nil && !discardJournal {
		return fmt.Errorf("%s: %w (%s): run `llmrec recover %s` to rebuild that run's file, or pass --discard-journal to delete its rows",
			Quote(path), ErrJournalExists, Quote(JournalPath(path)), Quote(path))
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("check journal %s: %w", Quote(JournalPath(path)), err)
	}
	// Prove the directory takes new files (the journal goes beside the run file).
	probe, err := os.CreateTemp(filepath.Dir(path), ".llmrec-probe-*")
	if err != nil {
		return fmt.Errorf("output directory of %s is not writable: %w", Quote(path), err)
	}
	probe.Close()
	return os.Remove(probe.Name())
}

// FileKind names the kind of a file that is not a regular one, for the
// messages that refuse it ("a named pipe (FIFO)"); both llmrec and llmrep
// use it.
func FileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}

// Quote returns a file name as it can be printed on one line: unchanged
// when it is plain printable text, else quoted and escaped like
// strconv.Quote (newlines, control characters and invalid UTF-8 escaped).
func Quote(name string) string {
	for _, r := range name {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return strconv.Quote(name)
		}
	}
	return name
}

// File is a run file being written: the Parquet file at Path and its crash
// journal beside it. One goroutine owns it. It is the persistent sink of a
// run: Begin, Write and Flush while the run goes on, then Finish; after a
// failed Write or Finish, Close keeps the journal for Recover.
type File struct {
	Path string
	out  *os.File
	j    *journal
	pw   *ParquetWriter
	done bool // Finish or Close has run
}

// Create opens path for a new run and creates the journal beside it. The
// journal is created first and must be new (a symbolic link there is never
// followed); with discardJournal an existing one is removed first. The run
// file must be new, or, with force, a regular file, which is truncated.
// On error nothing is left behind.
func Create(path string, force, discardJournal bool) (*File, error) {
	if err := CheckPath(path, force, discardJournal); err != nil {
		return nil, err
	}
	jpath := JournalPath(path)
	if discardJournal {
		if err := os.Remove(jpath); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("discard journal: %w", err)
		}
	}
	j, err := openJournal(jpath)
	if err != nil {
		return nil, err
	}
	flags := os.O_CREATE | os.O_WRONLY | syscall.O_NOFOLLOW | syscall.O_NONBLOCK
	if !force {
		flags |= os.O_EXCL
	}
	out, err := os.OpenFile(path, flags, 0o644)
	if err == nil {
		err = ensureRegular(out)
	}
	if err == nil {
		err = out.Truncate(0)
	}
	if err != nil {
		if out != nil {
			out.Close()
		}
		j.f.Close()
		os.Remove(jpath)
		return nil, fmt.Errorf("create output: %w", err)
	}
	return &File{Path: path, out: out, j: j, pw: NewParquetWriter(out)}, nil
}

// ensureRegular refuses an opened file that is not a regular file.
func ensureRegular(f *os.File) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s: %w (%s)", Quote(f.Name()), ErrNotRegular, FileKind(st.Mode()))
	}
	return nil
}

// Begin writes the run metadata as it is at the start to the journal.
func (f *File) Begin(meta *schemas.RunMeta) error { return f.j.begin(meta) }

// Write appends rows to the journal, then to the Parquet file.
func (f *File) Write(rows []schemas.Record) error {
	for i := range rows {
		if err := f.j.append(&rows[i]); err != nil {
			return fmt.Errorf("write journal: %w", err)
		}
	}
	if err := f.pw.Write(rows); err != nil {
		return fmt.Errorf("write %s: %w", f.Path, err)
	}
	return nil
}

// Flush hands the journal to the kernel: every row written before it
// survives a SIGKILL.
func (f *File) Flush() error { return f.j.flush() }

// Rows is the number of rows written so far.
func (f *File) Rows() int64 { return f.pw.Rows() }

// Finish writes the footer with meta, syncs and closes the file, and
// removes the journal. On error the journal stays: Recover rebuilds the
// file from it.
func (f *File) Finish(meta *schemas.RunMeta) error {
	f.done = true
	err := f.pw.Close(meta)
	if err == nil {
		if serr := f.out.Sync(); serr != nil {
			err = fmt.Errorf("write %s: %w", f.Path, serr)
		}
	}
	jerr := f.j.close()
	if err != nil {
		f.out.Close()
		return err
	}
	if err := f.out.Close(); err != nil {
		return fmt.Errorf("write %s: %w", f.Path, err)
	}
	if jerr == nil {
		os.Remove(JournalPath(f.Path))
	}
	return nil
}

// Close closes both files after a failure, keeping the journal. After
// Finish it does nothing.
func (f *File) Close() error {
	if f.done {
		return nil
	}
	f.done = true
	jerr := f.j.close()
	if err := f.out.Close(); err != nil {
		return err
	}
	return jerr
}
