package analyze

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/llmrec/llmrec/analyze/analyzetest"
)

// spillRows is the size of the spill tests' run: its run table alone
// (about 55 bytes a row) is several times spillLimit.
const (
	spillRows  = 2_000_000
	spillLimit = "64MB"
)

// spillRun writes the spill tests' run once per test binary.
var spillRun = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "llmrep-spill-test-")
	if err != nil {
		return "", err
	}
	files, err := analyzetest.WriteSynth(filepath.Join(dir, "run.parquet"), spillRows, 1)
	if err != nil {
		return "", err
	}
	return files[0], nil
})

func TestMain(m *testing.M) {
	code := m.Run()
	if p, err := spillRun(); err == nil && p != "" {
		os.RemoveAll(filepath.Dir(p))
	}
	os.Exit(code)
}

// watchDir records the most bytes that dir's spill files (not the
// database file, run.duckdb*) held at once, polled until stop is called.
func watchDir(dir string) (stop func() int64) {
	done := make(chan struct{})
	var peak int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			var total int64
			filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() && !strings.HasPrefix(d.Name(), "run.duckdb") {
					if fi, err := d.Info(); err == nil {
						total += fi.Size()
					}
				}
				return nil
			})
			peak = max(peak, total)
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() int64 {
		close(done)
		wg.Wait()
		return peak
	}
}

// TestSpillIsExact: a run whose tables do not fit a 64 MB memory limit is
// analyzed by spilling to the temporary directory, and every figure is
// byte-identical to the analysis without the limit; the private spill
// directory is gone afterwards.
func TestSpillIsExact(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and analyzes a run of 2M rows")
	}
	run, err := spillRun()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	analyzeJSON := func(limit, tmp string) []byte {
		t.Helper()
		o := DefaultOptions()
		o.MemoryLimit, o.TempDir = limit, tmp
		a, err := Analyze(ctx, o, run)
		if err != nil {
			t.Fatalf("memory limit %s: %v", limit, err)
		}
		if a.Run.Rows != spillRows {
			t.Fatalf("memory limit %s: %d rows", limit, a.Run.Rows)
		}
		b, err := json.MarshalIndent(plain(a), "", " ")
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	want := analyzeJSON("", "")
	tmp := t.TempDir()
	stop := watchDir(tmp)
	got := analyzeJSON(spillLimit, tmp)
	spilled := stop()
	if spilled == 0 {
		t.Errorf("nothing was spilled to %s under a %s limit: the test does not test spilling", tmp, spillLimit)
	}
	t.Logf("spilled up to %.0f MB under %s", float64(spilled)/1e6, spillLimit)
	if string(got) != string(want) {
		t.Errorf("the analysis under %s differs from the one without a limit:\n%s", spillLimit, firstDiff(string(want), string(got)))
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("left behind in %s: %v", tmp, left)
	}
}

// firstDiff is the first line where a and b differ.
func firstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return "line " + la[i] + "\n  vs " + lb[i]
		}
	}
	return "lengths differ"
}

// TestOutOfTempSpace: spilling into a directory without room fails with a
// ResourceError naming the directory, and leaves nothing behind. The
// directory is a 1 MB tmpfs, which needs root to mount.
func TestOutOfTempSpace(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and analyzes a run of 2M rows")
	}
	tiny := mountTinyTmpfs(t)
	run, err := spillRun()
	if err != nil {
		t.Fatal(err)
	}
	o := DefaultOptions()
	o.MemoryLimit, o.TempDir = spillLimit, tiny
	_, err = Analyze(context.Background(), o, run)
	var re *ResourceError
	if !errors.As(err, &re) || !re.Disk || !errors.Is(err, ErrResources) {
		t.Fatalf("err = %v, want a ResourceError for disk space", err)
	}
	if msg := err.Error(); !strings.Contains(msg, tiny) || !strings.Contains(msg, "--temp-dir") || strings.Contains(msg, "\n") {
		t.Errorf("message %q should be one line naming %s and --temp-dir", msg, tiny)
	}
	if left, _ := os.ReadDir(tiny); len(left) != 0 {
		t.Errorf("left behind in %s: %v", tiny, left)
	}
}

// mountTinyTmpfs mounts a 1 MB tmpfs for the test, or skips (loudly) when
// it cannot.
func mountTinyTmpfs(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("SKIPPED: mounting a tiny tmpfs needs root; the out-of-disk path is not tested here")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("SKIPPED: cannot mount a tmpfs (%v: %s); the out-of-disk path is not tested here", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// TestOutOfMemory: a limit too small for the analysis is a ResourceError
// naming the limit and the flag, not the database's message.
func TestOutOfMemory(t *testing.T) {
	run := writeRun(t, filepath.Join(t.TempDir(), "run.parquet"), testMeta("run-m", 10, 10),
		stepReqs(10, []stepSpec{{users: 10, lats: lats(2000, 100, 50)}}))
	o := testOptions(0, time.Second)
	o.MemoryLimit = "1MB"
	_, err := Analyze(context.Background(), o, run)
	var re *ResourceError
	if !errors.As(err, &re) || re.Disk || !errors.Is(err, ErrResources) {
		t.Fatalf("err = %v, want a ResourceError for memory", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "--memory-limit 1MB") || strings.Contains(msg, "Error:") {
		t.Errorf("message %q should name --memory-limit 1MB and not quote the database", msg)
	}
}

// TestLockdownWithSpill: the spill directory does not open the lockdown
// beyond itself: another input-like file, a file beside the private
// directory and anything else are refused; the directory is private
// (0700) and removed on Close. (DuckDB lets SQL read its own temporary
// directory; the private one holds only the database's spill files.)
func TestLockdownWithSpill(t *testing.T) {
	for _, rows := range []int64{0, 1 << 40} { // in memory; in a database file
		t.Run(fmt.Sprintf("rows=%d", rows), func(t *testing.T) { testLockdownWithSpill(t, rows) })
	}
}

func testLockdownWithSpill(t *testing.T, rows int64) {
	dir := t.TempDir()
	reqs := stepReqs(10, []stepSpec{{users: 10, lats: lats(10, 100, 50)}})
	run := writeRun(t, filepath.Join(dir, "run.parquet"), testMeta("run-l", 10, 10), reqs)
	other := writeRun(t, filepath.Join(dir, "other.parquet"), testMeta("run-x", 10, 10), reqs)
	o := testOptions(0, time.Second)
	o.TempDir = filepath.Join(dir, "tmp")
	if err := os.Mkdir(o.TempDir, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	e, err := openEngine(ctx, o, []string{run}, rows)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(e.tempDir)
	if err != nil || fi.Mode().Perm() != 0o700 || filepath.Dir(e.tempDir) != o.TempDir {
		t.Fatalf("spill directory %s: %v, %v; want a 0700 directory in %s", e.tempDir, fi, err, o.TempDir)
	}
	planted := filepath.Join(o.TempDir, "planted.csv")
	if err := os.WriteFile(planted, []byte("a\n1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var setting string
	if err := e.conn.QueryRowContext(ctx, "SELECT current_setting('temp_directory')").Scan(&setting); err != nil || setting != e.tempDir {
		t.Errorf("temp_directory = %q (%v), want %s", setting, err, e.tempDir)
	}
	for _, q := range [][2]string{
		{"SELECT count(*) FROM read_parquet(?)", other},
		{"SELECT count(*) FROM read_csv(?)", planted},
		{"SELECT count(*) FROM read_text(?)", "/etc/hostname"},
		{"SELECT count(*) FROM glob(?)", o.TempDir + "/*"},
	} {
		var n int64
		err := e.conn.QueryRowContext(ctx, q[0], q[1]).Scan(&n)
		if err == nil {
			t.Errorf("%s on %s: read %d rows through the lockdown", q[0], q[1], n)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "disabled") && !strings.Contains(msg, "locked") {
			t.Errorf("%s on %s: failed with %q, want the lockdown's refusal", q[0], q[1], msg)
		}
	}
	if _, err := e.conn.ExecContext(ctx, "SET temp_directory = '/tmp'"); err == nil {
		t.Error("SET temp_directory succeeded after the lockdown")
	}
	var dbFiles int64
	if err := e.conn.QueryRowContext(ctx, "SELECT count(*) FROM duckdb_databases() WHERE path IS NOT NULL AND path <> ''").Scan(&dbFiles); err != nil {
		t.Fatal(err)
	}
	if want := map[bool]int64{false: 0, true: 1}[rows > 0]; dbFiles != want {
		t.Errorf("%d database files, want %d", dbFiles, want)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(e.tempDir); !os.IsNotExist(err) {
		t.Errorf("spill directory %s still there after Close (%v)", e.tempDir, err)
	}
}
