package runfile

import (
	"bytes"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/llmrec/llmrec/internal/outfile"
	"github.com/llmrec/llmrec/schemas"
)

// killedRun leaves what a run killed with SIGKILL leaves: the run file as
// far as it got and a journal holding rows.
func killedRun(t *testing.T, path string, rows int) []byte {
	t.Helper()
	f, err := Create(path, false, false)
	if err != nil {
		t.Fatal(err)
	}
	recs := testRecords(rows)
	if err := f.Begin(&schemas.RunMeta{RunID: "run-x", StartedAt: recs[0].Start}); err != nil {
		t.Fatal(err)
	}
	if err := f.Write(recs); err != nil {
		t.Fatal(err)
	}
	if err := f.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close() // no Finish: the journal stays, as after a kill
	j, err := os.ReadFile(JournalPath(path))
	if err != nil || len(j) == 0 {
		t.Fatalf("no journal after the killed run: %v", err)
	}
	return j
}

// TestJournalSurvivesTheNextRun: while a killed run's journal is beside
// the run file, a new run on that path is refused, with --force too and
// with the run file deleted; the journal is untouched and recover still
// rebuilds every row. Only discardJournal removes it.
func TestJournalSurvivesTheNextRun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.parquet")
	journal := killedRun(t, path, 50)
	for _, tt := range []struct {
		name  string
		force bool
		prep  func()
	}{
		{"no force", false, func() {}},
		{"force", true, func() {}},
		{"0-byte run file", false, func() { os.WriteFile(path, nil, 0o644) }},
		{"run file deleted", false, func() { os.Remove(path) }},
	} {
		tt.prep()
		if err := CheckPath(path, tt.force, false); !errors.Is(err, ErrJournalExists) || !strings.Contains(err.Error(), "llmrec recover "+path) {
			t.Fatalf("%s: CheckPath = %v; want ErrJournalExists pointing to llmrec recover", tt.name, err)
		}
		if _, err := Create(path, tt.force, false); !errors.Is(err, ErrJournalExists) {
			t.Fatalf("%s: Create = %v; want ErrJournalExists", tt.name, err)
		}
		if j, _ := os.ReadFile(JournalPath(path)); !bytes.Equal(j, journal) {
			t.Fatalf("%s: the journal changed", tt.name)
		}
	}
	res, err := Recover(path)
	if err != nil || res.Rows != 50 {
		t.Fatalf("recover after the refused runs: %d rows, %v", res.Rows, err)
	}

	path = filepath.Join(t.TempDir(), "run.parquet")
	killedRun(t, path, 5)
	f, err := Create(path, true, true)
	if err != nil {
		t.Fatalf("Create with discardJournal: %v", err)
	}
	f.Begin(&schemas.RunMeta{RunID: "new"})
	if err := f.Finish(&schemas.RunMeta{RunID: "new"}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(JournalPath(path)); !os.IsNotExist(err) {
		t.Fatal("journal left after a finished run")
	}
}

// TestKilledRunLeftover: what counts as a killed run's leftover. With its
// journal beside it, the file (whatever it holds) is the killed run's:
// without --force the error points to recover, not to --force, and
// --discard-journal alone replaces both. Without a journal, an existing
// file needs --force, and the error says when it holds no finished run.
func TestKilledRunLeftover(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.parquet")
	killedRun(t, path, 5)
	if err := os.WriteFile(path, nil, 0o644); err != nil { // SIGKILL before the first row group
		t.Fatal(err)
	}
	err := CheckPath(path, false, false)
	if !errors.Is(err, ErrJournalExists) || errors.Is(err, ErrOutputExists) || strings.Contains(err.Error(), "--force") {
		t.Fatalf("0-byte file with its journal: %v; want the recover advice, not --force", err)
	}
	f, err := Create(path, false, true)
	if err != nil {
		t.Fatalf("--discard-journal without --force on a killed run's file: %v", err)
	}
	if err := f.Finish(&schemas.RunMeta{RunID: "new"}); err != nil {
		t.Fatal(err)
	}

	// A finished run file: exists, pass --force, no word of a leftover.
	err = CheckPath(path, false, false)
	if !errors.Is(err, ErrOutputExists) || !strings.Contains(err.Error(), "--force") || strings.Contains(err.Error(), "no finished run") {
		t.Fatalf("finished file: %v", err)
	}
	if err := CheckPath(path, true, false); err != nil {
		t.Fatalf("finished file with force: %v", err)
	}
	// A 0-byte file with no journal: nothing to recover; --force is the way.
	os.WriteFile(path, nil, 0o644)
	err = CheckPath(path, false, false)
	if !errors.Is(err, ErrOutputExists) || !strings.Contains(err.Error(), "no finished run") || strings.Contains(err.Error(), "recover") {
		t.Fatalf("0-byte file without a journal: %v", err)
	}
}

// TestJournalLinkNeverFollowed: a symbolic link at the journal path counts
// as a journal (the run is refused); discarding it removes the link, and
// the file it points to is never written.
func TestJournalLinkNeverFollowed(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	os.WriteFile(victim, []byte("precious"), 0o644)
	path := filepath.Join(dir, "run.parquet")
	if err := os.Symlink(victim, JournalPath(path)); err != nil {
		t.Fatal(err)
	}
	if _, err := Create(path, false, false); !errors.Is(err, ErrJournalExists) {
		t.Fatalf("Create = %v; want ErrJournalExists", err)
	}
	// The journal's own open never follows a link, whatever checked before it.
	if _, err := openJournal(JournalPath(path)); err == nil {
		t.Fatal("openJournal opened through a symbolic link")
	}
	f, err := Create(path, false, true)
	if err != nil {
		t.Fatal(err)
	}
	f.Begin(&schemas.RunMeta{RunID: "r"})
	f.Finish(&schemas.RunMeta{RunID: "r"})
	if b, _ := os.ReadFile(victim); string(b) != "precious" {
		t.Fatalf("the link's target was written: %q", b)
	}
}

// nonRegular makes one of each kind of non-regular file in dir.
func nonRegular(t *testing.T, dir string) map[string]string {
	t.Helper()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "dir")
	os.Mkdir(sub, 0o755)
	sock := filepath.Join(dir, "sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	target := filepath.Join(dir, "target")
	os.WriteFile(target, []byte("precious"), 0o644)
	link := filepath.Join(dir, "link")
	os.Symlink(target, link)
	return map[string]string{"device": "/dev/null", "FIFO": fifo, "directory": sub, "socket": sock, "symbolic link": link}
}

// TestOutputMustBeRegular: a device, FIFO, directory, socket or symbolic
// link at the output path is refused, with force too, before anything is
// created or opened: the output rule refuses the link and the directory,
// and a run file is never a stream (ErrNotRegular).
func TestOutputMustBeRegular(t *testing.T) {
	dir := t.TempDir()
	for kind, p := range nonRegular(t, dir) {
		done := make(chan error, 1)
		go func() { _, err := Create(p, true, false); done <- err }()
		select {
		case err := <-done:
			var re *outfile.RefusedError
			if !errors.As(err, &re) || !strings.Contains(err.Error(), kind) {
				t.Errorf("%s: Create = %v; want a refusal naming a %s", kind, err, kind)
			}
			if stream := kind == "device" || kind == "FIFO" || kind == "socket"; stream != errors.Is(err, ErrNotRegular) {
				t.Errorf("%s: Create = %v; want ErrNotRegular for a stream, only", kind, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: Create hangs", kind)
		}
		if _, err := os.Lstat(JournalPath(p)); err == nil && p != "/dev/null" {
			t.Errorf("%s: a journal was created", kind)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "target")); string(b) != "precious" {
		t.Fatalf("the link's target was written: %q", b)
	}
}

// TestRecoverNeverReplacesNonRegular: recover refuses a non-regular path
// and leaves it and the journal as they were.
func TestRecoverNeverReplacesNonRegular(t *testing.T) {
	dir := t.TempDir()
	for kind, p := range nonRegular(t, dir) {
		if p == "/dev/null" {
			continue // its journal would be /dev/null.journal: the FIFO and the others stand for it
		}
		journal := filepath.Join(dir, "donor-"+strings.ReplaceAll(kind, " ", "-"))
		j := killedRun(t, journal, 3)
		os.WriteFile(JournalPath(p), j, 0o644)
		before, _ := os.Lstat(p)
		_, err := Recover(p)
		var re *outfile.RefusedError
		if !errors.As(err, &re) || !strings.Contains(err.Error(), kind) {
			t.Errorf("%s: Recover = %v; want a refusal naming a %s", kind, err, kind)
		}
		after, _ := os.Lstat(p)
		if after == nil || after.Mode() != before.Mode() {
			t.Errorf("%s: replaced by recover", kind)
		}
		if _, err := os.Stat(JournalPath(p)); err != nil {
			t.Errorf("%s: journal gone", kind)
		}
	}
}

// TestNameTooLongLeavesNothing: a run file name whose journal's name would
// be over 255 bytes is refused before anything is created.
func TestNameTooLongLeavesNothing(t *testing.T) {
	for _, n := range []int{248, 250, 255} {
		dir := t.TempDir()
		path := filepath.Join(dir, strings.Repeat("r", n))
		if _, err := Create(path, false, false); !errors.Is(err, ErrNameTooLong) {
			t.Fatalf("%d bytes: Create = %v; want ErrNameTooLong", n, err)
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 0 {
			t.Fatalf("%d bytes: %d files left behind", n, len(ents))
		}
	}
	if err := CheckPath(filepath.Join(t.TempDir(), strings.Repeat("r", 247)), false, false); err != nil {
		t.Fatalf("247 bytes (journal name 255): %v", err)
	}
}

// TestEmptyFileSuggestsRecover: a 0-byte run file with a journal beside it
// is what a killed run leaves; the footer reader says how to get it back.
func TestEmptyFileSuggestsRecover(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "run.parquet")
	os.WriteFile(path, nil, 0o644)
	_, err := ReadFooter(bytes.NewReader(nil), 0, path)
	if err == nil || strings.Contains(err.Error(), "recover") {
		t.Fatalf("no journal: %v; want empty file without a recover hint", err)
	}
	os.WriteFile(JournalPath(path), []byte("LLMRECJ1"), 0o644)
	_, err = ReadFooter(bytes.NewReader(nil), 0, path)
	if err == nil || !strings.Contains(err.Error(), "empty file") || !strings.Contains(err.Error(), "llmrec recover "+path) {
		t.Fatalf("journal beside it: %v; want empty file and llmrec recover %s", err, path)
	}
}

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{
		"run.parquet":      "run.parquet",
		"my run ü.parquet": "my run ü.parquet",
		"a\nb.parquet":     `"a\nb.parquet"`,
		"x\x1b[2J":         `"x\x1b[2J"`,
		"c1\u009b":         `"c1\u009b"`,
		"bad\xffutf8":      `"bad\xffutf8"`,
	} {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
}

// FuzzQuote: a quoted name prints on one line with no control character,
// and reads back as the name; a name left as it is was plain.
func FuzzQuote(f *testing.F) {
	for _, s := range []string{"run.parquet", "a\nb", "x\x1b[2J", "c1\u009b", "bad\xff", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		q := Quote(name)
		for _, r := range q {
			if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 {
				t.Fatalf("Quote(%q) = %q holds control character %U", name, q, r)
			}
		}
		if q == name {
			return
		}
		if back, err := strconv.Unquote(q); err != nil || back != name {
			t.Fatalf("Quote(%q) = %s reads back as %q (%v)", name, q, back, err)
		}
	})
}
