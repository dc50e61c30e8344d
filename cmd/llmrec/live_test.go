package main

import (
	"bytes"
	"github.com/llmrec/llmrec/internal/testbin"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/llmrec/llmrec/schemas"
	"github.com/llmrec/llmrec/schemas/runfile"
)

// llmrecCmd runs the llmrec binary to its end.
func llmrecCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(testbin.Llmrec(t), args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.Run()
	return cmd.ProcessState.ExitCode(), out.String(), errOut.String()
}

// waitForRows waits until the journal beside path holds rows (a flush has
// happened after the first responses).
func waitForRows(t *testing.T, path string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if st, err := os.Stat(runfile.JournalPath(path)); err == nil && st.Size() > 2048 {
			return
		}
	}
	t.Fatal("the run's journal holds no rows after 20 s")
}

// summaryRequests is the request count of a run's summary line.
func summaryRequests(t *testing.T, stdout string) int64 {
	t.Helper()
	m := regexp.MustCompile(`, (\d+) requests,`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no request count in the summary %q", stdout)
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return n
}

// TestRecoverRefusesALiveRun (round 3, break 2): `llmrec recover FILE` and
// `llmrec run -o FILE --force --discard-journal` while a run is writing
// FILE are refused (exit 2, "a run is still writing it") and touch
// nothing; the run then ends with every one of its rows in FILE. A run
// killed with SIGKILL drops its lock: recover then rebuilds its file.
func TestRecoverRefusesALiveRun(t *testing.T) {
	srv := newSlowServer(t, 20*time.Millisecond)
	out := filepath.Join(t.TempDir(), "live.parquet")
	run, stdout, stderr := startRun(t, "--target", srv.URL, "--model", "m", "--stream=false", "--step-users", "2", "--max-users", "2",
		"--step-time", "4s", "--wait-min", "10ms", "--wait-max", "20ms", "--grace", "1s", "-o", out)
	waitForRows(t, out)
	for _, args := range [][]string{
		{"recover", out},
		{"run", "--target", srv.URL, "--model", "m", "--step-users", "1", "--max-users", "1", "--step-time", "1s", "--force", "--discard-journal", "-o", out},
	} {
		code, _, errOut := llmrecCmd(t, args...)
		if code != 2 || !strings.Contains(errOut, "a run is still writing it") || strings.Count(errOut, "\n") != 1 {
			t.Errorf("llmrec %s during the run: exit %d, %q; want 2 and one line saying a run is still writing it", args[0], code, errOut)
		}
	}
	if err := run.Wait(); err != nil {
		t.Fatalf("the run: %v; stderr %s", err, stderr)
	}
	n, meta := countRows(t, out)
	if want := summaryRequests(t, stdout.String()); n != want || n < 20 || meta.EndReason != schemas.EndCompleted {
		t.Errorf("the run's file holds %d rows (end reason %s); its summary says %d requests", n, meta.EndReason, want)
	}
	if _, err := os.Lstat(runfile.JournalPath(out)); err == nil {
		t.Error("journal left after the run")
	}

	// Killed: the kernel drops the lock, recover works.
	killed := filepath.Join(t.TempDir(), "killed.parquet")
	run, _, _ = startRun(t, "--target", srv.URL, "--model", "m", "--stream=false", "--step-users", "2", "--max-users", "2",
		"--step-time", "1h", "--wait-min", "10ms", "--wait-max", "20ms", "-o", killed)
	waitForRows(t, killed)
	run.Process.Signal(syscall.SIGKILL)
	run.Wait()
	code, recOut, errOut := llmrecCmd(t, "recover", killed)
	if code != 0 || !strings.Contains(recOut, "recovered ") {
		t.Fatalf("recover after SIGKILL: exit %d, %q %q", code, recOut, errOut)
	}
	if n, meta := countRows(t, killed); n == 0 || meta.EndReason != schemas.EndInterrupted {
		t.Errorf("recovered %d rows, end reason %s", n, meta.EndReason)
	}
}

// TestRunFailsWhenItsFileIsReplaced (round 3, break 2): when FILE is
// replaced by another file during the run, the run does not say it wrote
// FILE: exit 1, one line naming FILE and its journal, which is kept, and
// recover gets the rows back from it.
func TestRunFailsWhenItsFileIsReplaced(t *testing.T) {
	srv := newSlowServer(t, 20*time.Millisecond)
	dir := t.TempDir()
	out := filepath.Join(dir, "run.parquet")
	run, stdout, stderr := startRun(t, "--target", srv.URL, "--model", "m", "--stream=false", "--step-users", "2", "--max-users", "2",
		"--step-time", "3s", "--wait-min", "10ms", "--wait-max", "20ms", "--grace", "1s", "-o", out)
	waitForRows(t, out)
	stranger := filepath.Join(dir, "stranger")
	if err := os.WriteFile(stranger, []byte("another file"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(stranger, out); err != nil {
		t.Fatal(err)
	}
	run.Wait()
	if code := run.ProcessState.ExitCode(); code != 1 || !strings.Contains(stderr.String(), "replaced, moved or removed") || strings.Contains(stdout.String(), "wrote") {
		t.Fatalf("exit %d, stdout %q, stderr %q; want 1 and the replacement named, no 'wrote'", code, stdout, stderr)
	}
	if !strings.Contains(stderr.String(), "llmrec recover "+out) {
		t.Errorf("stderr %q does not say how to get the rows back", stderr)
	}
	if code, recOut, errOut := llmrecCmd(t, "recover", out); code != 0 {
		t.Fatalf("recover: exit %d, %q %q", code, recOut, errOut)
	}
	if n, _ := countRows(t, out); n < 20 {
		t.Errorf("recovered %d rows", n)
	}
}

// TestRunNeverWritesOverItsInputs (round 3, the output rule): -o naming
// the --prompts file or the --body @FILE, by any name, is refused with
// --force (exit 2) before a request is sent, and the file keeps its bytes.
func TestRunNeverWritesOverItsInputs(t *testing.T) {
	srv, requests := countingServer(t, 5*time.Millisecond, 0)
	dir := t.TempDir()
	prompts := filepath.Join(dir, "prompts.txt")
	body := filepath.Join(dir, "body.json")
	os.WriteFile(prompts, []byte("hello\nworld\n"), 0o644)
	os.WriteFile(body, []byte(`{"p":"{{.Prompt}}"}`), 0o644)
	hard := filepath.Join(dir, "hard")
	os.Link(prompts, hard)
	common := []string{"run", "--target", srv.URL, "--model", "m", "--step-users", "1", "--max-users", "1", "--step-time", "300ms", "--force"}
	for _, args := range [][]string{
		{"--prompts", prompts, "-o", prompts},
		{"--prompts", prompts, "-o", hard},
		{"--api", "http", "--body", "@" + body, "-o", filepath.Join(dir, ".", "body.json")},
	} {
		code, _, stderr := runMain(append(common, args...)...)
		if code != 2 || !strings.Contains(stderr, "it is the input") {
			t.Errorf("%v: exit %d, %q; want 2, it is the input", args, code, stderr)
		}
	}
	if b, _ := os.ReadFile(prompts); string(b) != "hello\nworld\n" {
		t.Errorf("the prompts file changed (now %d bytes)", len(b))
	}
	if b, _ := os.ReadFile(body); string(b) != `{"p":"{{.Prompt}}"}` {
		t.Errorf("the body file changed (now %d bytes)", len(b))
	}
	if requests.Load() != 0 {
		t.Errorf("%d requests sent", requests.Load())
	}
}
