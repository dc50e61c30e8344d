package analyze

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestShardsAreOneRun(t *testing.T) {
	dir := t.TempDir()
	reqs := stepReqs(10, []stepSpec{{users: 10, lats: lats(40, 100, 50)}, {users: 20, lats: lats(60, 200, 50), fails: 4}})
	whole := writeRun(t, filepath.Join(dir, "whole", "run.parquet"), testMeta("run-s", 10, 20), reqs)
	var even, odd []req
	for i, r := range reqs {
		if i%2 == 0 {
			even = append(even, r)
		} else {
			odd = append(odd, r)
		}
	}
	m0, m1 := testMeta("run-s", 10, 20), testMeta("run-s", 10, 20)
	m0.Shards, m1.Shards, m1.Shard = 2, 2, 1
	writeRun(t, filepath.Join(dir, "shards", "s0.parquet"), m0, even)
	writeRun(t, filepath.Join(dir, "shards", "s1.parquet"), m1, odd)
	opts := testOptions(0, 5*time.Second)
	want, err := Analyze(context.Background(), opts, whole)
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{filepath.Join(dir, "shards", "s1.parquet"), filepath.Join(dir, "shards", "s0.parquet")},
		{filepath.Join(dir, "shards", "s*.parquet")},
	} {
		got, err := Analyze(context.Background(), opts, args...)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Run.Shards) != 2 || got.Run.Shards[0].Shard != 0 || got.Run.Rows != int64(len(reqs)) {
			t.Errorf("%v: shards %+v rows %d", args, got.Run.Shards, got.Run.Rows)
		}
		checkQ(t, "p95", got.Overall.P95MS, want.Overall.P95MS)
		checkQ(t, "step 2 p99", got.Steps[1].P99MS, want.Steps[1].P99MS)
		if got.Overall.Failures != want.Overall.Failures {
			t.Errorf("failures %d, want %d", got.Overall.Failures, want.Overall.Failures)
		}
	}
	// Only one of two shards: a warning.
	got, err := Analyze(context.Background(), opts, filepath.Join(dir, "shards", "s0.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(texts(got.Warnings), "\n"), "MissingShardFact{Shard:1 Shards:2 More:0}") {
		t.Errorf("warnings = %q", got.Warnings)
	}
}

func TestDifferentRunsAreRefused(t *testing.T) {
	dir := t.TempDir()
	reqs := stepReqs(10, []stepSpec{{users: 10, lats: lats(10, 100, 50)}})
	a := writeRun(t, filepath.Join(dir, "a.parquet"), testMeta("run-a", 10, 10), reqs)
	b := writeRun(t, filepath.Join(dir, "b.parquet"), testMeta("run-b", 10, 10), reqs)
	_, err := Analyze(context.Background(), testOptions(0, 5*time.Second), a, b)
	var ie *InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "llmrep compare") || !strings.Contains(err.Error(), "run-b") {
		t.Fatalf("err = %v, want an input error pointing to llmrep compare", err)
	}
}

// TestGlobCharactersInFileName: a file literally named a*.parquet is read
// alone when nothing else matches it as a pattern; when a sibling does
// (ab.parquet), the name is ambiguous and refused (a file named like the
// glob would hide the files the glob means), naming the sibling, and the
// escaped name (a[*].parquet) reads the file alone.
func TestGlobCharactersInFileName(t *testing.T) {
	dir := t.TempDir()
	one := stepReqs(10, []stepSpec{{users: 10, lats: lats(10, 100, 50)}})
	two := stepReqs(10, []stepSpec{{users: 10, lats: lats(30, 900, 50)}})
	for _, name := range []string{"a*.parquet", "a?.parquet", "a[b].parquet"} {
		t.Run(name, func(t *testing.T) {
			sub := filepath.Join(dir, strings.NewReplacer("*", "star", "?", "q", "[", "br").Replace(name))
			lit := writeRun(t, filepath.Join(sub, name), testMeta("run-g", 10, 10), one)
			writeRun(t, filepath.Join(sub, "b.parquet"), testMeta("run-g", 10, 10), two)
			read := func(arg string) {
				t.Helper()
				a, err := Analyze(context.Background(), testOptions(0, 5*time.Second), arg)
				if err != nil {
					t.Fatal(err)
				}
				if a.Overall.Requests != int64(len(one)) || len(a.Run.Shards) != 1 || a.Run.Shards[0].File != name {
					t.Errorf("read %d requests from %+v, want %d from %s alone", a.Overall.Requests, a.Run.Shards, len(one), name)
				}
			}
			read(lit) // no sibling matches: the name is the file
			writeRun(t, filepath.Join(sub, "ab.parquet"), testMeta("run-g", 10, 10), two)
			_, err := Analyze(context.Background(), testOptions(0, 5*time.Second), lit)
			var ie *InputError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), "is the name of a file and a pattern that matches 1 other file (ab.parquet): ambiguous") {
				t.Errorf("with ab.parquet beside it: err = %v; want the name refused as ambiguous", err)
			}
			read(filepath.Join(sub, escapeGlob(name)))
		})
	}
}

// TestLiteralFileDoesNotHideTheShards: a file named like the glob
// (shard-*.parquet, as `llmrep export -o 'dir/*.parquet'` makes) beside
// the shards the glob means is refused as ambiguous, never read alone in
// their place.
func TestLiteralFileDoesNotHideTheShards(t *testing.T) {
	dir := t.TempDir()
	reqs := stepReqs(10, []stepSpec{{users: 10, lats: lats(40, 100, 50)}})
	for k := range 3 {
		m := testMeta("run-3", 10, 10)
		m.Shard, m.Shards = k, 3
		writeRun(t, filepath.Join(dir, fmt.Sprintf("shard-%d.parquet", k)), m, reqs)
	}
	writeRun(t, filepath.Join(dir, "shard-*.parquet"), testMeta("run-other", 10, 10), reqs)
	_, err := Analyze(context.Background(), testOptions(0, 5*time.Second), filepath.Join(dir, "shard-*.parquet"))
	var ie *InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "matches 3 other files (shard-0.parquet, shard-1.parquet, shard-2.parquet): ambiguous") {
		t.Fatalf("err = %v; want the pattern refused as ambiguous, naming the three shards", err)
	}
}

func TestLockdown(t *testing.T) {
	dir := t.TempDir()
	run := writeRun(t, filepath.Join(dir, "in", "run.parquet"), testMeta("run-l", 10, 10),
		stepReqs(10, []stepSpec{{users: 10, lats: lats(10, 100, 50)}}))
	outside := writeRun(t, filepath.Join(dir, "other", "secret.parquet"), testMeta("run-x", 10, 10),
		stepReqs(10, []stepSpec{{users: 10, lats: lats(10, 100, 50)}}))
	sibling := writeRun(t, filepath.Join(dir, "in", "sibling.parquet"), testMeta("run-x", 10, 10),
		stepReqs(10, []stepSpec{{users: 10, lats: lats(10, 100, 50)}}))
	if err := os.WriteFile(filepath.Join(dir, "other", "notes.csv"), []byte("a,b\n1,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	e, err := openEngine(ctx, testOptions(0, time.Second), []string{run}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	var n int64
	if err := e.conn.QueryRowContext(ctx, "SELECT count(*) FROM read_parquet(?)", run).Scan(&n); err != nil || n != 10 {
		t.Fatalf("the allowed file is not readable: %d rows, %v", n, err)
	}
	denied := []struct {
		name string
		sql  string
		args []any
	}{
		{"file in another directory", "SELECT count(*) FROM read_parquet(?)", []any{outside}},
		{"other file in the same directory", "SELECT count(*) FROM read_parquet(?)", []any{sibling}},
		{"glob over the directory", "SELECT count(*) FROM read_parquet(?)", []any{filepath.Join(dir, "in", "*.parquet")}},
		{"path traversal", "SELECT count(*) FROM read_parquet(?)", []any{filepath.Join(dir, "in", "..", "other", "secret.parquet")}},
		{"csv", "SELECT count(*) FROM read_csv(?)", []any{filepath.Join(dir, "other", "notes.csv")}},
		{"system file", "SELECT count(*) FROM read_text('/etc/hostname')", nil},
		{"write a file", "COPY (SELECT 1) TO '" + filepath.Join(dir, "in", "out.csv") + "'", nil},
		{"network", "SELECT count(*) FROM read_parquet('https://example.com/x.parquet')", nil},
		{"install extension", "INSTALL httpfs", nil},
		{"load extension", "LOAD httpfs", nil},
		{"enable external access", "SET enable_external_access = true", nil},
		{"widen allowed paths", "SET allowed_paths = ['/']", nil},
		{"raise memory", "SET memory_limit = '100GB'", nil},
		{"more threads", "SET threads = 64", nil},
		{"autoload", "SET autoload_known_extensions = true", nil},
		{"unlock", "SET lock_configuration = false", nil},
		{"reset", "RESET enable_external_access", nil},
	}
	for _, d := range denied {
		var x any
		err := e.conn.QueryRowContext(ctx, d.sql, d.args...).Scan(&x)
		if err == nil {
			t.Errorf("%s: %s succeeded, want it refused", d.name, d.sql)
			continue
		}
		// Refused by the lockdown, not failing for another reason.
		if msg := err.Error(); !strings.Contains(msg, "disabled") && !strings.Contains(msg, "locked") {
			t.Errorf("%s: %s failed with %q, want a permission or lock error", d.name, d.sql, msg)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "in", "out.csv")); err == nil {
		t.Error("the locked database wrote a file")
	}
	var ext, lock, mem string
	if err := e.conn.QueryRowContext(ctx, "SELECT current_setting('enable_external_access')::VARCHAR, current_setting('lock_configuration')::VARCHAR, current_setting('memory_limit')::VARCHAR").Scan(&ext, &lock, &mem); err != nil {
		t.Fatal(err)
	}
	if ext != "false" || lock != "true" {
		t.Errorf("enable_external_access=%s lock_configuration=%s", ext, lock)
	}
}

// TestSameFileOrShardTwiceIsBadInput: a file given twice, under any name
// (the same path, another spelling, a hard link, a symbolic link), or a
// copy of it (the same shard of the same run), would count every request
// twice: *InputError, not a silent dedup or a warning.
func TestSameFileOrShardTwiceIsBadInput(t *testing.T) {
	dir := t.TempDir()
	reqs := stepReqs(10, []stepSpec{{users: 10, lats: lats(40, 100, 50)}})
	run := writeRun(t, filepath.Join(dir, "run.parquet"), testMeta("run-d", 10, 10), reqs)
	cp := writeRun(t, filepath.Join(dir, "copy.parquet"), testMeta("run-d", 10, 10), reqs)
	hard, sym := filepath.Join(dir, "hard.parquet"), filepath.Join(dir, "sym.parquet")
	if err := os.Link(run, hard); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(run, sym); err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	rel, _ := filepath.Rel(wd, run)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"same path twice", []string{run, run}, "is the same file as"},
		{"two spellings", []string{run, filepath.Join(dir, ".", "run.parquet")}, "is the same file as"},
		{"relative and absolute", []string{rel, run}, "is the same file as"},
		{"hard link", []string{run, hard}, "is the same file as"},
		{"symbolic link", []string{sym, run}, "is the same file as"},
		{"glob and its match", []string{filepath.Join(dir, "ru*.parquet"), run}, "is the same file as"},
		{"a copy: same run and shard", []string{run, cp}, "holds shard 0 of run"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Analyze(context.Background(), testOptions(0, 5*time.Second), tt.args...)
			var ie *InputError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want an input error with %q", err, tt.want)
			}
		})
	}
}

// TestCancelStopsAnalyze: a canceled context (SIGINT, SIGTERM) ends the
// analysis at every phase: before it starts, and between and inside DuckDB
// queries (canceled here the moment the load phase ends).
func TestCancelStopsAnalyze(t *testing.T) {
	reqs := stepReqs(10, []stepSpec{{users: 10, lats: lats(40, 100, 2000)}, {users: 20, lats: lats(60, 200, 2000)}})
	path := writeRun(t, filepath.Join(t.TempDir(), "run.parquet"), testMeta("run-x", 10, 20), reqs)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Analyze(ctx, testOptions(0, 5*time.Second), path); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled before: err = %v", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	opts := testOptions(0, 5*time.Second)
	opts.Trace = cancelWriter{cancel}
	if _, err := Analyze(ctx, opts, path); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled after the load: err = %v", err)
	}
}

// cancelWriter cancels on its first write (the first phase traced).
type cancelWriter struct{ cancel context.CancelFunc }

func (w cancelWriter) Write(p []byte) (int, error) { w.cancel(); return len(p), nil }

// A name that is not UTF-8 crashed the process inside DuckDB; it is now
// bad input in every command that reads runs.
func TestNonUTF8NameIsBadInput(t *testing.T) {
	dir := t.TempDir()
	reqs := stepReqs(10, []stepSpec{{users: 10, lats: lats(10, 100, 50)}})
	p := writeRun(t, filepath.Join(dir, "bad\xff.parquet"), testMeta("run-u", 10, 10), reqs)
	_, err := Analyze(context.Background(), testOptions(0, 5*time.Second), p)
	var ie *InputError
	if !errors.As(err, &ie) || !strings.Contains(ie.Reason, "UTF-8") {
		t.Fatalf("Analyze(%q) = %v, want an input error about UTF-8", p, err)
	}
}
