package runfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/llmrec/llmrec/schemas"
)

// ErrOutputExists is returned when the run file exists and force is off.
var ErrOutputExists = errors.New("output file exists")

// CheckPath refuses an existing run file (unless force) and an output
// directory that cannot be written, before a run sends its first request.
func CheckPath(path string, force bool) error {
	if _, err := os.Stat(path); err == nil && !force {
		return fmt.Errorf("%s: %w; pass --force to overwrite it or choose another -o", path, ErrOutputExists)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("check output %s: %w", path, err)
	}
	// Prove the directory takes new files (the journal goes beside the run file).
	probe, err := os.CreateTemp(filepath.Dir(path), ".llmrec-probe-*")
	if err != nil {
		return fmt.Errorf("output directory of %s is not writable: %w", path, err)
	}
	probe.Close()
	return os.Remove(probe.Name())
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

// Create opens path for a new run (truncating an existing file only when
// force is set) and creates the journal beside it.
func Create(path string, force bool) (*File, error) {
	flags := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
	if !force {
		flags |= os.O_EXCL
	}
	out, err := os.OpenFile(path, flags, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create output: %w", err)
	}
	j, err := openJournal(JournalPath(path))
	if err != nil {
		out.Close()
		return nil, err
	}
	return &File{Path: path, out: out, j: j, pw: NewParquetWriter(out)}, nil
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
