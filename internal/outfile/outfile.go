package outfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"unicode"
	"unicode/utf8"
)

// Kind is what the rule makes of an output name.
type Kind int

// The kinds of output.
const (
	// Stdout is "-": the command's standard output.
	Stdout Kind = iota + 1
	// Stream is a character device, FIFO or socket: written in place.
	Stream
	// File is a regular file or a new name: replaced whole by a rename.
	File
)

// Target is an output name the rule accepts.
type Target struct {
	// Path is the name as given.
	Path string
	Kind Kind
	// Exists says that a File target replaces an older file.
	Exists bool
	// inputs are the command's inputs, checked again before a rename.
	inputs []string
}

// RefusedError is a name the rule refuses: what the user typed must not be
// written (the commands exit with their usage status). It prints as one
// line naming the file and the reason.
type RefusedError struct {
	Path   string
	Reason string
	// Err is a sentinel of the writer's own, or nil.
	Err error
}

func (e *RefusedError) Error() string { return Quote(e.Path) + ": " + e.Reason }

func (e *RefusedError) Unwrap() error { return e.Err }

// globChars are the characters a shell or llmrep would expand in a name.
const globChars = "*?["

// Check applies the rule to path. inputs are the files the command reads
// (as given: a name that is not a file but holds glob characters is
// expanded); a File target is never one of them. Check only looks: it
// creates, opens and changes nothing.
func Check(path string, inputs []string) (Target, error) {
	t := Target{Path: path, inputs: inputs}
	refuse := func(reason string) (Target, error) {
		return Target{}, &RefusedError{Path: path, Reason: reason}
	}
	if path == "-" {
		t.Kind = Stdout
		return t, nil
	}
	if path == "" {
		return refuse("an empty file name")
	}
	lst, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		dir := filepath.Dir(path)
		st, err := os.Stat(dir)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return refuse("its directory " + Quote(dir) + " does not exist: create it first or give another name")
		case err != nil:
			return Target{}, fmt.Errorf("check output %s: %w", Quote(path), err)
		case !st.IsDir():
			return refuse(Quote(dir) + " is not a directory")
		}
		t.Kind = File
		return t, nil
	case err != nil:
		return Target{}, fmt.Errorf("check output %s: %w", Quote(path), err)
	case lst.Mode().IsRegular():
		t.Kind, t.Exists = File, true
		if in := sameAsInput(lst, inputs); in != "" {
			return refuse("it is the input " + Quote(in) + ": refusing to write over it; give another name")
		}
		return t, nil
	case isStream(lst.Mode()):
		t.Kind = Stream
		return t, nil
	case lst.Mode()&fs.ModeSymlink == 0:
		return refuse("it is " + FileKind(lst.Mode()) + ", never an output: give a file's name")
	}
	// A symbolic link: written through only to a stream (/dev/stdout).
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return refuse("a symbolic link to nothing: refusing to replace the link or to create its target; remove it or give another name")
	case err != nil:
		return refuse("a symbolic link that cannot be followed (" + errReason(err) + "): remove it or give another name")
	case isStream(st.Mode()):
		t.Kind = Stream
		return t, nil
	case st.Mode().IsRegular():
		return refuse("a symbolic link to a regular file: refusing to replace the link or to write through it; give the file's own name (or - for standard output)")
	}
	return refuse("a symbolic link to " + FileKind(st.Mode()) + ", never an output: give a file's name")
}

// isStream says whether m is a stream: a character device, FIFO or socket.
func isStream(m fs.FileMode) bool {
	return m&fs.ModeCharDevice != 0 || m&fs.ModeNamedPipe != 0 || m&fs.ModeSocket != 0
}

// sameAsInput returns the input that is the file out (by any name), or "".
func sameAsInput(out fs.FileInfo, inputs []string) string {
	for _, in := range inputs {
		files := []string{in}
		if _, err := os.Lstat(in); err != nil && strings.ContainsAny(in, globChars) {
			if m, err := filepath.Glob(in); err == nil {
				files = m
			}
		}
		for _, f := range files {
			if st, err := os.Stat(f); err == nil && os.SameFile(st, out) {
				return f
			}
		}
	}
	return ""
}

// Note is a word for the user about the name, or "": a name with glob
// characters is one file of that literal name, not a pattern.
func (t Target) Note() string {
	if t.Kind != File || !strings.ContainsAny(filepath.Base(t.Path), globChars) {
		return ""
	}
	return "the name " + strconv.Quote(t.Path) + " holds one of * ? [: it is one file of that literal name, not a pattern"
}

// Write writes what write produces to t: to stdout (Stdout, or a stream
// that is the same file as stdout when stdout is a file), to the stream in
// place, or to a new file in t's directory renamed onto t.Path once write
// has returned nil (synced first: the rename never makes an empty file
// visible after a crash). On error no file is left behind and t.Path is
// as it was.
func (t Target) Write(stdout io.Writer, write func(io.Writer) error) error {
	if t.Kind == File {
		return t.writeFile(write)
	}
	w, closeStream, err := t.openStream(stdout)
	if err != nil {
		return err
	}
	err = write(w)
	if cerr := closeStream(); err == nil && cerr != nil {
		err = fmt.Errorf("write %s: %w", Quote(t.Path), cerr)
	}
	return err
}

// writeFile writes a File target through a temporary file and a rename.
func (t Target) writeFile(write func(io.Writer) error) error {
	// A name of our own: the base of a long name would make it too long.
	tmp, err := os.CreateTemp(filepath.Dir(t.Path), ".output-*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", Quote(t.Path), err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	err = write(tmp)
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", Quote(t.Path), err)
	}
	return t.replace(tmp.Name())
}

// WriteVia is Write for a writer that needs a path of its own to create
// (DuckDB's COPY): write must create the file at the path it is given, a
// new name in a private directory (mode 0700) that only this process
// writes to. The directory is beside t.Path for a File, whose content is
// then renamed onto t.Path; for Stdout and a Stream it is in the system's
// temporary directory, and the file is copied to the stream. The
// directory is removed afterwards, whatever happened.
func (t Target) WriteVia(stdout io.Writer, write func(path string) error) error {
	if t.Kind == File {
		return t.via(filepath.Dir(t.Path), write, func(tmp string) error {
			if err := os.Chmod(tmp, 0o644); err != nil {
				return fmt.Errorf("write %s: %w", Quote(t.Path), err)
			}
			return t.replace(tmp)
		})
	}
	// The stream is opened first: one that cannot be written fails
	// before the work.
	w, closeStream, err := t.openStream(stdout)
	if err != nil {
		return err
	}
	err = t.via("", write, func(tmp string) error {
		f, err := os.Open(tmp)
		if err != nil {
			return fmt.Errorf("write %s: read the output back: %w", Quote(t.Path), err)
		}
		defer f.Close()
		if _, err := io.Copy(w, f); err != nil {
			return fmt.Errorf("write %s: %w", Quote(t.Path), err)
		}
		return nil
	})
	if cerr := closeStream(); err == nil && cerr != nil {
		err = fmt.Errorf("write %s: %w", Quote(t.Path), cerr)
	}
	return err
}

// via makes a private directory in parent ("": the system's temporary
// directory), has write create a file at a path in it, hands that file to
// finish, and removes the directory. The path is a name of our own (the
// writer may refuse odd characters) and absolute (the writer may resolve
// paths its own way).
func (t Target) via(parent string, write, finish func(path string) error) error {
	dir, err := os.MkdirTemp(parent, ".output-*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: make a private directory: %w", Quote(t.Path), err)
	}
	defer os.RemoveAll(dir)
	if dir, err = filepath.Abs(dir); err != nil {
		return fmt.Errorf("write %s: %w", Quote(t.Path), err)
	}
	tmp := filepath.Join(dir, "out")
	if err := write(tmp); err != nil {
		return err
	}
	return finish(tmp)
}

// replace renames tmp onto a File target after checking the rule again:
// the name may have become something else while the content was made.
func (t Target) replace(tmp string) error {
	now, err := Check(t.Path, t.inputs)
	if err != nil {
		return err
	}
	if now.Kind != File {
		return &RefusedError{Path: t.Path, Reason: "it became " + kindWord(now.Kind) + " while the output was made: nothing was written"}
	}
	if err := os.Rename(tmp, t.Path); err != nil {
		return fmt.Errorf("write %s: %w", Quote(t.Path), err)
	}
	return nil
}

// openStream opens a Stdout or Stream target for writing, in place: never
// created, never truncated. A stream that is stdout's own file is stdout
// (a socket cannot be opened by name). O_NONBLOCK: a FIFO that no process
// reads is an error at once, not an open that blocks deaf to signals.
func (t Target) openStream(stdout io.Writer) (io.Writer, func() error, error) {
	if t.Kind == Stdout {
		return stdout, func() error { return nil }, nil
	}
	if t.Kind != Stream {
		return nil, nil, fmt.Errorf("write %s: no output kind (use Check)", Quote(t.Path))
	}
	st, err := os.Stat(t.Path)
	if err != nil {
		return nil, nil, fmt.Errorf("write %s: %w", Quote(t.Path), err)
	}
	if s, ok := stdout.(interface{ Stat() (fs.FileInfo, error) }); ok {
		if sst, err := s.Stat(); err == nil && os.SameFile(st, sst) {
			return stdout, func() error { return nil }, nil
		}
	}
	f, err := os.OpenFile(t.Path, os.O_WRONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		if errors.Is(err, syscall.ENXIO) && st.Mode()&fs.ModeNamedPipe != 0 {
			return nil, nil, &RefusedError{Path: t.Path, Reason: "a named pipe (FIFO) that no process is reading: start the reader first"}
		}
		if errors.Is(err, syscall.ENXIO) && st.Mode()&fs.ModeSocket != 0 {
			return nil, nil, &RefusedError{Path: t.Path, Reason: "a socket, which can be written only when it is standard output"}
		}
		return nil, nil, fmt.Errorf("write %s: %w", Quote(t.Path), err)
	}
	if fst, err := f.Stat(); err != nil || !isStream(fst.Mode()) {
		f.Close()
		return nil, nil, &RefusedError{Path: t.Path, Reason: "it is no longer a device, FIFO or socket: nothing was written"}
	}
	// Fd puts the file back in blocking mode: writes wait for a slow
	// reader instead of failing with EAGAIN on a device the poller skips.
	f.Fd()
	return f, f.Close, nil
}

func kindWord(k Kind) string {
	switch k {
	case Stdout:
		return "standard output"
	case Stream:
		return "a device, FIFO or socket"
	}
	return "a file"
}

// errReason is err's innermost message ("too many levels of symbolic links").
func errReason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// FileKind names the kind of a file that is not a regular one, for the
// messages that refuse it ("a named pipe (FIFO)").
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
	case m&fs.ModeCharDevice != 0:
		return "a device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m.IsRegular():
		return "a regular file"
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
