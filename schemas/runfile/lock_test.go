package runfile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/llmrec/llmrec/schemas"
)

// liveRun starts a run on path that has written rows and flushed them, and
// is still going: its File is open.
func liveRun(t *testing.T, path string, rows int) *File {
	t.Helper()
	f, err := Create(path, false, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
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
	return f
}

// TestLiveJournalIsLocked: while a run is writing a file, recover and a
// new run with --force --discard-journal are refused (ErrRunLive, "a run
// is still writing it"), and neither touches the journal or the file; the
// run then finishes with every row. Once its journal is left unlocked (the
// run failed, or was killed), recover takes it.
func TestLiveJournalIsLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.parquet")
	f := liveRun(t, path, 40)
	journal, _ := os.ReadFile(JournalPath(path))
	check := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, ErrRunLive) || !strings.Contains(err.Error(), "a run is still writing it") || !strings.Contains(err.Error(), path) {
			t.Errorf("%s during the run: %v; want ErrRunLive naming %s", what, err, path)
		}
		if j, err := os.ReadFile(JournalPath(path)); err != nil || !bytes.Equal(j, journal) {
			t.Fatalf("%s during the run changed the journal (%v)", what, err)
		}
	}
	_, err := Recover(path)
	check("Recover", err)
	check("CheckPath --force --discard-journal", CheckPath(path, true, true))
	check("CheckPath --force", CheckPath(path, true, false))
	_, err = Create(path, true, true)
	check("Create --force --discard-journal", err)
	if err := f.Write(testRecords(60)[40:]); err != nil {
		t.Fatal(err)
	}
	if err := f.Finish(&schemas.RunMeta{RunID: "run-x", Shards: 1}); err != nil {
		t.Fatalf("Finish: %v", err)
	}
	if n := countRows(t, path); n != 60 {
		t.Errorf("the finished file holds %d rows, want 60", n)
	}
	if _, err := Recover(path); err == nil || !strings.Contains(err.Error(), "nothing to recover") {
		t.Errorf("Recover after the run: %v; want nothing to recover", err)
	}

	// A run that stops without Finish drops its lock with its files.
	path = filepath.Join(t.TempDir(), "run.parquet")
	f = liveRun(t, path, 25)
	f.Close()
	if res, err := Recover(path); err != nil || res.Rows != 25 {
		t.Fatalf("Recover after the run stopped: %d rows, %v", res.Rows, err)
	}
}

// TestFinishNoticesAReplacedFile: when the path no longer names the file
// the run was writing (replaced by another file, or removed), Finish fails
// with ErrReplaced and keeps the journal, from which recover gets every
// row back.
func TestFinishNoticesAReplacedFile(t *testing.T) {
	for _, tc := range []struct {
		name    string
		replace func(path string) error
	}{
		{"renamed over", func(path string) error {
			other := filepath.Join(filepath.Dir(path), "other")
			if err := os.WriteFile(other, []byte("a stranger"), 0o644); err != nil {
				return err
			}
			return os.Rename(other, path)
		}},
		{"removed", os.Remove},
		{"moved away", func(path string) error { return os.Rename(path, path+".moved") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "run.parquet")
			f := liveRun(t, path, 30)
			if err := tc.replace(path); err != nil {
				t.Fatal(err)
			}
			err := f.Finish(&schemas.RunMeta{RunID: "run-x", Shards: 1})
			if !errors.Is(err, ErrReplaced) || !strings.Contains(err.Error(), JournalPath(path)) {
				t.Fatalf("Finish = %v; want ErrReplaced naming the journal", err)
			}
			if res, err := Recover(path); err != nil || res.Rows != 30 {
				t.Fatalf("Recover after it: %d rows, %v", res.Rows, err)
			}
		})
	}
}

func countRows(t *testing.T, path string) int64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	ft, err := ReadFooter(f, st.Size(), path)
	if err != nil {
		t.Fatal(err)
	}
	return ft.Rows
}
