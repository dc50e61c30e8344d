package outfile

import (
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// env is where one case of TestRule runs.
type env struct {
	dir    string
	inputs []string
	stdout *os.File // a pipe: what reaches the process's stdout
	reader *os.File // the reading end of a FIFO
}

// TestRule is the rule as one table: what Check makes of each kind of
// name, and what Write and WriteVia then do to it. An accepted name gets
// the bytes (in the file, through the stream, on stdout); a refused one
// gets one line naming it and the reason, and nothing on disk changes: a
// link stays a link, the file it points to and every input keep their
// bytes.
func TestRule(t *testing.T) {
	const payload = "the report\n"
	tests := []struct {
		name string
		// setup makes the name to write and returns it.
		setup func(t *testing.T, e *env) string
		kind  Kind
		// exists: a File that replaces an older file.
		exists bool
		// refused: a substring of the refusal (Check, or Write for a
		// stream that cannot be opened); empty when accepted.
		refused string
		// after checks the disk once Write has run (or been refused).
		after func(t *testing.T, e *env, path string, stdout string)
	}{
		{
			name:  "dash is stdout",
			setup: func(t *testing.T, e *env) string { return "-" },
			kind:  Stdout,
			after: wantStdout(payload),
		},
		{
			name: "regular file is replaced by a rename",
			setup: func(t *testing.T, e *env) string {
				old := writeFile(t, e.dir, "old.html", "old")
				if err := os.Link(old, filepath.Join(e.dir, "old-inode")); err != nil {
					t.Fatal(err)
				}
				return old
			},
			kind:   File,
			exists: true,
			after: func(t *testing.T, e *env, path, stdout string) {
				wantFile(payload)(t, e, path, stdout)
				// Renamed over, never written in place: the old inode keeps its bytes.
				wantBytes(t, filepath.Join(e.dir, "old-inode"), "old")
			},
		},
		{
			name:  "new name is created",
			setup: func(t *testing.T, e *env) string { return filepath.Join(e.dir, "new.html") },
			kind:  File,
			after: wantFile(payload),
		},
		{
			name:  "new name with glob characters is one literal file",
			setup: func(t *testing.T, e *env) string { return filepath.Join(e.dir, "run-*.parquet") },
			kind:  File,
			after: wantFile(payload),
		},
		{
			name: "new name through a directory symlink",
			setup: func(t *testing.T, e *env) string {
				real := filepath.Join(e.dir, "real")
				mkdir(t, real)
				symlink(t, real, filepath.Join(e.dir, "via"))
				return filepath.Join(e.dir, "via", "new.csv")
			},
			kind:  File,
			after: wantFile(payload),
		},
		{
			name:    "new name in a missing directory",
			setup:   func(t *testing.T, e *env) string { return filepath.Join(e.dir, "missing", "x.html") },
			refused: "does not exist",
		},
		{
			name: "symlink to a regular file",
			setup: func(t *testing.T, e *env) string {
				victim := writeFile(t, e.dir, "victim.txt", "keep me")
				link := filepath.Join(e.dir, "link.html")
				symlink(t, victim, link)
				return link
			},
			refused: "a symbolic link to a regular file",
			after: func(t *testing.T, e *env, path, _ string) {
				wantLink(t, path)
				wantBytes(t, filepath.Join(e.dir, "victim.txt"), "keep me")
			},
		},
		{
			name: "dangling symlink",
			setup: func(t *testing.T, e *env) string {
				link := filepath.Join(e.dir, "dangling.html")
				symlink(t, filepath.Join(e.dir, "nowhere"), link)
				return link
			},
			refused: "a symbolic link to nothing",
			after: func(t *testing.T, e *env, path, _ string) {
				wantLink(t, path)
				if _, err := os.Lstat(filepath.Join(e.dir, "nowhere")); err == nil {
					t.Error("the link's target was created")
				}
			},
		},
		{
			name: "symlink loop",
			setup: func(t *testing.T, e *env) string {
				a, b := filepath.Join(e.dir, "a"), filepath.Join(e.dir, "b")
				symlink(t, b, a)
				symlink(t, a, b)
				return a
			},
			refused: "cannot be followed",
			after:   func(t *testing.T, e *env, path, _ string) { wantLink(t, path) },
		},
		{
			name: "symlink to /dev/null (a character device)",
			setup: func(t *testing.T, e *env) string {
				link := filepath.Join(e.dir, "null")
				symlink(t, os.DevNull, link)
				return link
			},
			kind: Stream,
			after: func(t *testing.T, e *env, path, _ string) {
				wantLink(t, path)
				if st, err := os.Stat(os.DevNull); err != nil || st.Mode()&fs.ModeCharDevice == 0 {
					t.Fatalf("%s is no longer a device: %v", os.DevNull, err)
				}
			},
		},
		{
			name: "symlink to the process's stdout (as /dev/stdout is)",
			setup: func(t *testing.T, e *env) string {
				link := filepath.Join(e.dir, "stdout")
				symlink(t, "/proc/self/fd/"+strconv.Itoa(int(e.stdout.Fd())), link)
				return link
			},
			kind: Stream,
			after: func(t *testing.T, e *env, path, stdout string) {
				wantLink(t, path)
				wantStdout(payload)(t, e, path, stdout)
				if ents, _ := os.ReadDir(e.dir); len(ents) != 2 {
					t.Errorf("files beside the link and the input: %v", ents)
				}
			},
		},
		{
			name: "FIFO with a reader",
			setup: func(t *testing.T, e *env) string {
				fifo := mkfifo(t, e.dir, "fifo")
				// The reader is there before the write and reads after it:
				// a pipe keeps what was written once the writer is gone.
				r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { r.Close() })
				e.reader = r
				return fifo
			},
			kind: Stream,
			after: func(t *testing.T, e *env, path, _ string) {
				b, _ := io.ReadAll(e.reader)
				if string(b) != payload {
					t.Errorf("the reader got %q, want %q", b, payload)
				}
				if st, err := os.Lstat(path); err != nil || st.Mode()&fs.ModeNamedPipe == 0 {
					t.Errorf("the FIFO was replaced: %v", err)
				}
			},
		},
		{
			name: "symlink to a FIFO that no process reads",
			setup: func(t *testing.T, e *env) string {
				link := filepath.Join(e.dir, "to-fifo")
				symlink(t, mkfifo(t, e.dir, "fifo"), link)
				return link
			},
			kind:    Stream,
			refused: "no process is reading",
			after:   func(t *testing.T, e *env, path, _ string) { wantLink(t, path) },
		},
		{
			name: "socket",
			setup: func(t *testing.T, e *env) string {
				sock := filepath.Join(e.dir, "sock")
				ln, err := net.Listen("unix", sock)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { ln.Close() })
				return sock
			},
			kind:    Stream,
			refused: "a socket, which can be written only when it is standard output",
		},
		{
			name: "directory",
			setup: func(t *testing.T, e *env) string {
				sub := filepath.Join(e.dir, "sub")
				mkdir(t, sub)
				return sub
			},
			refused: "it is a directory",
		},
		{
			name: "symlink to a directory",
			setup: func(t *testing.T, e *env) string {
				sub := filepath.Join(e.dir, "sub")
				mkdir(t, sub)
				symlink(t, sub, filepath.Join(e.dir, "sublink"))
				return filepath.Join(e.dir, "sublink")
			},
			refused: "a symbolic link to a directory",
			after:   func(t *testing.T, e *env, path, _ string) { wantLink(t, path) },
		},
		{
			name:    "input file",
			setup:   func(t *testing.T, e *env) string { return e.inputs[0] },
			refused: "it is the input",
			after:   wantInputs,
		},
		{
			name: "input under another spelling",
			setup: func(t *testing.T, e *env) string {
				mkdir(t, filepath.Join(e.dir, "sub"))
				return filepath.Join(e.dir, ".", "sub", "..", filepath.Base(e.inputs[0]))
			},
			refused: "it is the input",
			after:   wantInputs,
		},
		{
			name: "hard link of an input",
			setup: func(t *testing.T, e *env) string {
				hard := filepath.Join(e.dir, "hard.json")
				if err := os.Link(e.inputs[0], hard); err != nil {
					t.Fatal(err)
				}
				return hard
			},
			refused: "it is the input",
			after:   wantInputs,
		},
		{
			name: "a match of an input given as a glob",
			setup: func(t *testing.T, e *env) string {
				e.inputs = []string{filepath.Join(e.dir, "in-*.parquet")}
				return filepath.Join(e.dir, "in-1.parquet")
			},
			refused: "it is the input",
			after:   wantInputs,
		},
		{
			name:    "empty name",
			setup:   func(t *testing.T, e *env) string { return "" },
			refused: "an empty file name",
		},
	}
	// write is each way to put the payload at a target: from a writer, and
	// through a file the writer creates at a path of its own (DuckDB).
	write := map[string]func(Target, io.Writer) error{
		"Write": func(t Target, stdout io.Writer) error {
			return t.Write(stdout, func(w io.Writer) error {
				_, err := io.WriteString(w, payload)
				return err
			})
		},
		"WriteVia": func(t Target, stdout io.Writer) error {
			return t.WriteVia(stdout, func(path string) error {
				if !filepath.IsAbs(path) {
					return errors.New("WriteVia gave a relative path")
				}
				return os.WriteFile(path, []byte(payload), 0o600)
			})
		},
	}
	for _, tt := range tests {
		for mode, writeTo := range write {
			t.Run(tt.name+"/"+mode, func(t *testing.T) {
				r, w, err := os.Pipe()
				if err != nil {
					t.Fatal(err)
				}
				got := make(chan string, 1)
				go func() {
					b, _ := io.ReadAll(r)
					got <- string(b)
				}()
				e := &env{dir: t.TempDir(), stdout: w}
				in := writeFile(t, e.dir, "in-1.parquet", "input bytes")
				e.inputs = []string{in}
				path := tt.setup(t, e)
				target, err := Check(path, e.inputs)
				if err == nil {
					err = writeTo(target, w)
					if target.Kind != tt.kind || target.Exists != tt.exists {
						t.Errorf("Check = kind %d, exists %v; want %d, %v", target.Kind, target.Exists, tt.kind, tt.exists)
					}
				}
				w.Close()
				stdout := <-got
				var re *RefusedError
				switch {
				case tt.refused == "" && err != nil:
					t.Fatalf("refused: %v", err)
				case tt.refused != "" && (!errors.As(err, &re) || !strings.Contains(err.Error(), tt.refused)):
					t.Fatalf("err = %v; want a RefusedError saying %q", err, tt.refused)
				case err != nil && strings.Contains(err.Error(), "\n"):
					t.Errorf("the refusal is more than one line: %q", err)
				}
				if tt.refused != "" && stdout != "" {
					t.Errorf("refused, but stdout got %q", stdout)
				}
				if tt.after != nil {
					tt.after(t, e, path, stdout)
				}
			})
		}
	}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func mkdir(t *testing.T, p string) {
	t.Helper()
	if err := os.Mkdir(p, 0o755); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

func mkfifo(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func wantBytes(t *testing.T, path, want string) {
	t.Helper()
	if b, err := os.ReadFile(path); err != nil || string(b) != want {
		t.Errorf("%s holds %q (%v), want %q", path, b, err, want)
	}
}

// wantLink: path is still a symbolic link.
func wantLink(t *testing.T, path string) {
	t.Helper()
	if st, err := os.Lstat(path); err != nil || st.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("%s is no longer a symbolic link (%v)", path, err)
	}
}

// wantInputs: every input keeps its bytes.
func wantInputs(t *testing.T, e *env, _, _ string) {
	t.Helper()
	wantBytes(t, filepath.Join(e.dir, "in-1.parquet"), "input bytes")
}

// wantStdout: the bytes reached stdout.
func wantStdout(want string) func(*testing.T, *env, string, string) {
	return func(t *testing.T, _ *env, _, stdout string) {
		t.Helper()
		if stdout != want {
			t.Errorf("stdout got %q, want %q", stdout, want)
		}
	}
}

// wantFile: path is a regular file of mode 0644 holding want, and no
// temporary file is left beside it.
func wantFile(want string) func(*testing.T, *env, string, string) {
	return func(t *testing.T, _ *env, path, stdout string) {
		t.Helper()
		st, err := os.Lstat(path)
		if err != nil || !st.Mode().IsRegular() || st.Mode().Perm() != 0o644 {
			t.Fatalf("%s: %v, %v; want a regular file of mode 0644", path, st, err)
		}
		wantBytes(t, path, want)
		ents, _ := os.ReadDir(filepath.Dir(path))
		for _, e := range ents {
			if strings.HasSuffix(e.Name(), ".tmp") {
				t.Errorf("temporary file left: %s", e.Name())
			}
		}
		if stdout != "" {
			t.Errorf("stdout got %q", stdout)
		}
	}
}
