package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/llmrec/llmrec/schemas"
	"github.com/llmrec/llmrec/schemas/runfile"
)

// countingServer answers chat completions after delay (never, for a delay
// of an hour) and counts the requests; /v1/models answers after
// modelsDelay.
func countingServer(t *testing.T, delay, modelsDelay time.Duration) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wait := delay
		if r.URL.Path == "/v1/models" {
			wait = modelsDelay
		} else {
			n.Add(1)
		}
		io.Copy(io.Discard, r.Body)
		select {
		case <-time.After(wait):
		case <-r.Context().Done():
			return
		}
		if r.URL.Path == "/v1/models" {
			fmt.Fprint(w, `{"data":[{"id":"m"}]}`)
			return
		}
		fmt.Fprint(w, `{"choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]}`)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func runMain(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = Main(context.Background(), args, nil, &out, &errOut)
	return code, out.String(), errOut.String()
}

// leaveJournal makes what a run killed with SIGKILL leaves at path: a run
// file as far as it got and a journal of rows.
func leaveJournal(t *testing.T, path string, rows int) []byte {
	t.Helper()
	f, err := runfile.Create(path, false, false)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().UTC()
	f.Begin(&schemas.RunMeta{RunID: "killed", StartedAt: start})
	recs := make([]schemas.Record, rows)
	for i := range recs {
		recs[i] = schemas.Record{RunID: "killed", Seq: int64(i), User: 1, Step: 1, Users: 1, ScheduledAt: start, Start: start, LatencyMS: 5, Status: 200, OK: true}
	}
	f.Write(recs)
	f.Flush()
	f.Close()
	j, err := os.ReadFile(runfile.JournalPath(path))
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// TestRunKeepsAKilledRunsJournal (issue 17 item 4): while FILE.journal
// exists, `llmrec run -o FILE` refuses to start (exit 2, one line pointing
// to llmrec recover), with --force and with FILE deleted; the journal is
// untouched and recover gets every row back. --discard-journal starts the
// run.
func TestRunKeepsAKilledRunsJournal(t *testing.T) {
	srv, requests := countingServer(t, 5*time.Millisecond, 0)
	out := filepath.Join(t.TempDir(), "run.parquet")
	journal := leaveJournal(t, out, 40)
	quick := []string{"run", "--target", srv.URL, "--model", "m", "--stream=false", "--step-users", "1", "--step-time", "300ms", "--max-users", "1", "--grace", "1s", "-o", out}
	for _, extra := range [][]string{{"--force"}, {}} {
		if len(extra) == 0 {
			os.Remove(out) // the 0-byte file deleted by hand
		}
		code, _, stderr := runMain(append(quick, extra...)...)
		if code != 2 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "llmrec recover "+out) || !strings.Contains(stderr, "--discard-journal") {
			t.Fatalf("llmrec run %v with a journal beside -o: exit %d, %q; want exit 2 and one line pointing to llmrec recover", extra, code, stderr)
		}
		if j, _ := os.ReadFile(out + ".journal"); !bytes.Equal(j, journal) {
			t.Fatalf("llmrec run %v changed the journal", extra)
		}
	}
	if requests.Load() != 0 {
		t.Fatalf("%d requests sent by refused runs", requests.Load())
	}
	if code, stdout, stderr := runMain("recover", out); code != 0 || !strings.Contains(stdout, "recovered 40 rows") {
		t.Fatalf("recover after the refused runs: exit %d, %s %s", code, stdout, stderr)
	}

	leaveJournal(t, out+"2", 3)
	if code, _, stderr := runMain(append(quick[:len(quick)-1], out+"2", "--discard-journal", "--force")...); code != 0 {
		t.Fatalf("--discard-journal: exit %d: %s", code, stderr)
	}
	if n, meta := countRows(t, out+"2"); n == 0 || meta.RunID == "killed" {
		t.Fatalf("--discard-journal: %d rows of run %s", n, meta.RunID)
	}
}

// TestRunJournalLinkNotFollowed (item 4): a symbolic link at the journal
// path is a journal: refused; with --discard-journal the link goes, its
// target is never written.
func TestRunJournalLinkNotFollowed(t *testing.T) {
	srv, _ := countingServer(t, 5*time.Millisecond, 0)
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim.txt")
	os.WriteFile(victim, []byte("precious"), 0o644)
	out := filepath.Join(dir, "run.parquet")
	os.Symlink(victim, out+".journal")
	args := []string{"run", "--target", srv.URL, "--model", "m", "--stream=false", "--step-users", "1", "--step-time", "300ms", "--max-users", "1", "-o", out}
	if code, _, stderr := runMain(args...); code != 2 {
		t.Fatalf("exit %d (%s); want 2", code, stderr)
	}
	if code, _, stderr := runMain(append(args, "--discard-journal")...); code != 0 {
		t.Fatalf("--discard-journal: exit %d (%s)", code, stderr)
	}
	if b, _ := os.ReadFile(victim); string(b) != "precious" {
		t.Fatalf("the journal link's target was overwritten: %q", b)
	}
}

// TestRunRefusesNonRegularOutput (item 6): -o naming a device, FIFO,
// directory, socket or link is refused with --force, exit 2, before the
// first request; recover never replaces such a path.
func TestRunRefusesNonRegularOutput(t *testing.T) {
	srv, requests := countingServer(t, 5*time.Millisecond, 0)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	syscall.Mkfifo(fifo, 0o644)
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o755)
	link := filepath.Join(dir, "link")
	os.Symlink(filepath.Join(dir, "elsewhere"), link)
	// The output rule (round 3) words the link and the directory; a run
	// file is never a stream, "-" (stdout) included.
	for out, want := range map[string]string{"/dev/null": "not a regular file (a device)", fifo: "not a regular file (a named pipe", "-": "not a regular file (standard output)",
		sub: "it is a directory", link: "a symbolic link to nothing"} {
		done := make(chan struct{})
		var code int
		var stderr string
		go func() {
			defer close(done)
			code, _, stderr = runMain("run", "--target", srv.URL, "--model", "m", "--step-users", "1", "--step-time", "300ms", "--max-users", "1", "--force", "-o", out)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("-o %s: hangs", out)
		}
		if code != 2 || !strings.Contains(stderr, want) {
			t.Errorf("-o %s --force: exit %d, %q; want 2, %s", out, code, stderr, want)
		}
	}
	if requests.Load() != 0 {
		t.Fatalf("%d requests sent", requests.Load())
	}
	for _, p := range []string{"/dev/null.journal", "-", "-.journal"} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s exists", p)
		}
	}
	if st, _ := os.Stat("/dev/null"); st.Mode()&os.ModeDevice == 0 {
		t.Fatal("/dev/null is no longer a device")
	}
	j := leaveJournal(t, filepath.Join(dir, "donor"), 2)
	os.WriteFile(fifo+".journal", j, 0o644)
	if code, _, stderr := runMain("recover", fifo); code != 2 || !strings.Contains(stderr, "never replaces") {
		t.Fatalf("recover FIFO: exit %d, %q", code, stderr)
	}
	if st, _ := os.Lstat(fifo); st.Mode()&os.ModeNamedPipe == 0 {
		t.Fatal("recover replaced the FIFO")
	}
}

// TestRunLongNameLeavesNothing (item 15): a -o name of 248-255 bytes (its
// journal's name would be too long) fails before anything is created.
func TestRunLongNameLeavesNothing(t *testing.T) {
	srv, requests := countingServer(t, 5*time.Millisecond, 0)
	for _, n := range []int{248, 255} {
		dir := t.TempDir()
		out := filepath.Join(dir, strings.Repeat("a", n))
		code, _, stderr := runMain("run", "--target", srv.URL, "--model", "m", "--step-users", "1", "--step-time", "300ms", "--max-users", "1", "-o", out)
		if code != 2 || !strings.Contains(stderr, "too long") {
			t.Errorf("%d-byte name: exit %d, %q; want 2, too long", n, code, stderr)
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 0 {
			t.Errorf("%d-byte name: %d files left, e.g. %s", n, len(ents), ents[0].Name())
		}
	}
	if requests.Load() != 0 {
		t.Fatalf("%d requests sent", requests.Load())
	}
}

// TestFileNamesPrintedEscaped (item 15): a control character in a file
// name is printed escaped, in the summary and in an error line.
func TestFileNamesPrintedEscaped(t *testing.T) {
	srv, _ := countingServer(t, 5*time.Millisecond, 0)
	dir := t.TempDir()
	out := filepath.Join(dir, "run\n\x1b[2J.parquet")
	args := []string{"run", "--target", srv.URL, "--model", "m", "--stream=false", "--step-users", "1", "--step-time", "300ms", "--max-users", "1", "-o", out}
	code, stdout, stderr := runMain(args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.ContainsAny(stdout+stderr, "\x1b") || !strings.Contains(stdout, `run\n\x1b[2J.parquet`) {
		t.Errorf("summary prints the name raw: %q", stdout)
	}
	code, _, stderr = runMain(args...) // exists now: the error names it
	if code != 1 || strings.Count(stderr, "\n") != 1 || strings.ContainsAny(stderr, "\x1b") || !strings.Contains(stderr, `run\n\x1b[2J.parquet`) {
		t.Errorf("error line %q; want one line with the name escaped", stderr)
	}
}

// TestInterrupts (item 13): every interrupt exits 130, records
// "interrupted" and names the signal.
func TestInterrupts(t *testing.T) {
	t.Run("SIGTERM is named", func(t *testing.T) {
		srv, _ := countingServer(t, 20*time.Millisecond, 0)
		out := filepath.Join(t.TempDir(), "run.parquet")
		cmd, stdout, stderr := startRun(t, "--target", srv.URL, "--model", "m", "--stream=false", "--step-users", "2", "--step-time", "1h", "-o", out)
		time.Sleep(1 * time.Second)
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		if code := cmd.ProcessState.ExitCode(); code != 130 {
			t.Fatalf("exit %d; want 130. stderr %s", code, stderr)
		}
		_, meta := countRows(t, out)
		if meta.EndReason != schemas.EndInterrupted || !strings.Contains(meta.EndDetail, "SIGTERM") || strings.Contains(meta.EndDetail, "Ctrl-C") {
			t.Fatalf("end %s (%q); want interrupted by SIGTERM", meta.EndReason, meta.EndDetail)
		}
		if !strings.Contains(stdout.String(), "SIGTERM") {
			t.Errorf("summary does not name SIGTERM: %s", stdout)
		}
	})
	t.Run("Ctrl-C during the grace period", func(t *testing.T) {
		srv, _ := countingServer(t, time.Hour, 0) // never answers: the grace period is reached with requests in flight
		out := filepath.Join(t.TempDir(), "run.parquet")
		cmd, _, stderr := startRun(t, "--target", srv.URL, "--model", "m", "--stream=false", "--step-users", "2", "--max-users", "2", "--spawn-rate", "100", "--step-time", "500ms", "--grace", "30s", "-o", out)
		time.Sleep(1500 * time.Millisecond) // the schedule ended at 0.5 s: in grace now
		start := time.Now()
		cmd.Process.Signal(syscall.SIGINT)
		cmd.Wait()
		if took := time.Since(start); took > 10*time.Second {
			t.Errorf("stopped %v after the Ctrl-C; want at once, not after the 30 s grace", took)
		}
		if code := cmd.ProcessState.ExitCode(); code != 130 {
			t.Fatalf("exit %d; want 130. stderr %s", code, stderr)
		}
		n, meta := countRows(t, out)
		if n != 2 || meta.EndReason != schemas.EndInterrupted || !strings.Contains(meta.EndDetail, "SIGINT") {
			t.Fatalf("%d rows, end %s (%q); want 2 canceled rows, interrupted by SIGINT", n, meta.EndReason, meta.EndDetail)
		}
	})
	t.Run("Ctrl-C during model discovery", func(t *testing.T) {
		srv, _ := countingServer(t, 0, time.Hour)
		out := filepath.Join(t.TempDir(), "run.parquet")
		cmd, _, stderr := startRun(t, "--target", srv.URL, "-o", out)
		time.Sleep(500 * time.Millisecond)
		cmd.Process.Signal(syscall.SIGINT)
		cmd.Wait()
		if code := cmd.ProcessState.ExitCode(); code != 130 {
			t.Fatalf("exit %d; want 130. stderr %s", code, stderr)
		}
		if msg := stderr.String(); strings.Count(msg, "\n") != 1 || !strings.Contains(msg, "SIGINT") || !strings.Contains(msg, "nothing was recorded") {
			t.Errorf("stderr %q; want one line naming SIGINT", msg)
		}
		if _, err := os.Stat(out); err == nil {
			t.Error("a run file was created")
		}
	})
	t.Run("bad spawn rates", func(t *testing.T) {
		srv, requests := countingServer(t, 5*time.Millisecond, 0)
		for _, rate := range []string{"Inf", "+Inf", "NaN", "-1"} {
			out := filepath.Join(t.TempDir(), "run.parquet")
			code, _, stderr := runMain("run", "--target", srv.URL, "--spawn-rate", rate, "-o", out)
			if code != 2 || !strings.Contains(stderr, "--spawn-rate") {
				t.Errorf("--spawn-rate %s: exit %d, %q; want 2 naming --spawn-rate", rate, code, stderr)
			}
		}
		if requests.Load() != 0 {
			t.Fatalf("%d requests sent", requests.Load())
		}
	})
}
