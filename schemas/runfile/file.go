package runfile

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/llmrec/llmrec/internal/outfile"
	"github.com/llmrec/llmrec/schemas"
)

// ErrOutputExists is returned when the run file exists and force is off.
var ErrOutputExists = errors.New("output file exists")

// ErrJournalExists is returned when a killed run's journal is beside the
// run file: starting a new run would destroy the rows it holds.
var ErrJournalExists = errors.New("a killed run's journal is beside it")

// ErrNotRegular is returned for an output path that names a stream (a
// device, FIFO or socket, or "-": standard output): a run file lives
// beside its crash journal, so it is written only to a regular file or a
// new path. Other names the output rule refuses (a symbolic link, a
// directory, an input of the run) are *outfile.RefusedError too.
var ErrNotRegular = errors.New("not a regular file")

// ErrNameTooLong is returned when the run file's name, or its journal's,
// is longer than a file name may be.
var ErrNameTooLong = errors.New("file name too long")

// ErrRunLive is returned when the journal beside a path is locked: a live
// llmrec process is writing that run file. Neither recover nor
// --discard-journal may touch it.
var ErrRunLive = errors.New("a run is still writing it")

// ErrReplaced is returned by Finish when the run file's path no longer
// names the file the run was writing (something replaced, moved or removed
// it while the run went on). The journal is kept.
var ErrReplaced = errors.New("the run file was replaced, moved or removed while the run went on")

// maxName is the longest file name (in bytes) of Linux file systems.
const maxName = 255

// CheckPath refuses, before a run sends its first request, an output path
// that cannot take a new run file: what the output rule refuses (package
// outfile: a symbolic link, a directory, one of inputs), a stream (even
// with force), the journal of a live run beside it (always), a killed
// run's leftover (unless discardJournal), an existing run file (unless
// force), a name too long for the journal, and a directory that cannot be
// written. inputs are the files the run reads (--prompts, --body @FILE).
//
// A killed run's leftover is a journal at JournalPath(path) that no live
// run holds, whatever is at path (nothing, 0 bytes, a Parquet file without
// its footer): a run that ends removes its journal, so one that is there
// was left by a run that did not end (SIGKILL, a crash, a second Ctrl-C).
// Recover rebuilds path from it; that is the error's advice, with or
// without force. With discardJournal the journal and the file at path are
// that run's, and both are replaced without force. A file at path with no
// journal is an existing run file (force overwrites it); the error says
// when it holds no finished run (no Parquet footer), as nothing can
// recover it.
func CheckPath(path string, force, discardJournal bool, inputs ...string) error {
	if n := len(filepath.Base(JournalPath(path))); n > maxName {
		return fmt.Errorf("%s: %w: its journal's name would be %d bytes, over %d; choose a shorter -o", Quote(path), ErrNameTooLong, n, maxName)
	}
	t, err := checkTarget(path, inputs, "choose a regular file or a new path with -o")
	if err != nil {
		return err
	}
	jpath := JournalPath(path)
	_, jerr := os.Lstat(jpath)
	if jerr == nil {
		if err := checkNotLive(path); err != nil {
			return err
		}
	} else if !errors.Is(jerr, fs.ErrNotExist) {
		return fmt.Errorf("check journal %s: %w", Quote(jpath), jerr)
	}
	// The journal first: the file beside it is a killed run's leftover
	// (often 0 bytes), which only recover makes whole again.
	if jerr == nil && !discardJournal {
		return fmt.Errorf("%s: %w (%s): run `llmrec recover %s` to rebuild that run's file, or pass --discard-journal to delete its rows",
			Quote(path), ErrJournalExists, Quote(jpath), Quote(path))
	}
	if t.Exists && !force && jerr != nil {
		note := ""
		if !finished(path) {
			note = " and holds no finished run (no journal is beside it: nothing can rebuild that run)"
		}
		return fmt.Errorf("%s: %w%s; pass --force to overwrite it or choose another -o", Quote(path), ErrOutputExists, note)
	}
	// Prove the directory takes new files (the journal goes beside the run file).
	probe, err := os.CreateTemp(filepath.Dir(path), ".llmrec-probe-*")
	if err != nil {
		return fmt.Errorf("output directory of %s is not writable: %w", Quote(path), err)
	}
	probe.Close()
	return os.Remove(probe.Name())
}

// finished says whether the file at path ends as a Parquet file does
// (the footer a run writes when it ends); a killed run's file does not.
func finished(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var tail [4]byte
	st, err := f.Stat()
	if err != nil || st.Size() < 12 {
		return false
	}
	_, err = f.ReadAt(tail[:], st.Size()-4)
	return err == nil && bytes.Equal(tail[:], parquetMagic)
}

// checkTarget applies the output rule to the path of a run file: it must
// be a File target (a regular file or a new path), never a stream. what
// tells the user what to do instead.
func checkTarget(path string, inputs []string, what string) (outfile.Target, error) {
	t, err := outfile.Check(path, inputs)
	if err != nil {
		return t, err
	}
	if t.Kind != outfile.File {
		kind := "standard output"
		if t.Kind == outfile.Stream {
			st, _ := os.Stat(path)
			kind = "a stream"
			if st != nil {
				kind = FileKind(st.Mode())
			}
		}
		return t, &outfile.RefusedError{Path: path, Err: ErrNotRegular,
			Reason: fmt.Sprintf("%s (%s): a run file is kept beside its crash journal; %s", ErrNotRegular, kind, what)}
	}
	return t, nil
}

// FileKind names the kind of a file that is not a regular one, for the
// messages that refuse it ("a named pipe (FIFO)"); both llmrec and llmrep
// use it. It is outfile.FileKind.
func FileKind(m fs.FileMode) string { return outfile.FileKind(m) }

// Quote returns a file name as it can be printed on one line: unchanged
// when it is plain printable text, else quoted and escaped like
// strconv.Quote. It is outfile.Quote.
func Quote(name string) string { return outfile.Quote(name) }

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
// followed), and it stays locked for the File's life (lock.go); with
// discardJournal an existing one is removed first, unless a live run
// holds it (ErrRunLive), and the killed run's file beside it is replaced
// as with force. The run file must be new, or, with force, a regular
// file, which is truncated: it is written in place, the one
// output that is not replaced by a rename, so that the journal beside it
// names it for Recover. On error nothing is left behind.
func Create(path string, force, discardJournal bool) (*File, error) {
	if err := CheckPath(path, force, discardJournal); err != nil {
		return nil, err
	}
	jpath := JournalPath(path)
	if discardJournal {
		// The file beside a killed run's journal is that run's: discarded too.
		if _, err := os.Lstat(jpath); err == nil {
			force = true
		}
		if err := removeJournal(jpath); err != nil {
			return nil, err
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

// Checkpoint journals meta, the run's metadata as it is now (what has
// changed since Begin: a search's levels and step ends, live level
// changes): Recover writes the last one journaled in the footer, with the
// end of the run on top. It reaches the kernel with the rows' next Flush.
// Metadata over schemas.MaxMetaBytes is refused.
func (f *File) Checkpoint(meta *schemas.RunMeta) error {
	if err := f.j.checkpoint(meta); err != nil {
		return fmt.Errorf("write journal: %w", err)
	}
	return nil
}

// Flush hands the journal to the kernel: every row written before it
// survives a SIGKILL.
func (f *File) Flush() error { return f.j.flush() }

// Rows is the number of rows written so far.
func (f *File) Rows() int64 { return f.pw.Rows() }

// Finish writes the footer with meta, syncs and closes the file, checks
// that Path still names that file (ErrReplaced if not), and removes the
// journal, still holding its lock. On error the journal stays: Recover
// rebuilds the file from it.
func (f *File) Finish(meta *schemas.RunMeta) error {
	f.done = true
	err := f.pw.Close(meta)
	if err == nil {
		if serr := f.out.Sync(); serr != nil {
			err = fmt.Errorf("write %s: %w", f.Path, serr)
		}
	}
	if err == nil && !stillAt(f.out, f.Path) {
		err = fmt.Errorf("%s: %w; this run's rows are kept in its journal %s", Quote(f.Path), ErrReplaced, Quote(JournalPath(f.Path)))
	}
	if cerr := f.out.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("write %s: %w", f.Path, cerr)
	}
	jerr := f.j.flush()
	if err == nil && jerr == nil && stillAt(f.j.f, JournalPath(f.Path)) {
		os.Remove(JournalPath(f.Path))
	}
	f.j.f.Close() // drops the lock
	return err
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
