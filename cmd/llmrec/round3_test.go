package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/llmrec/llmrec/schemas"
)

// TestSIGHUPStopsLikeSIGTERM: a hang-up (the terminal or the SSH session
// closed) mid-run stops the real binary as SIGTERM does: in-flight requests
// get the grace period, the file is complete with end reason interrupted
// and the signal named, the journal is gone, exit status 130. Under nohup
// (SIGHUP ignored from the start) the hang-up is still ignored.
func TestSIGHUPStopsLikeSIGTERM(t *testing.T) {
	t.Run("mid-run", func(t *testing.T) {
		srv, _ := countingServer(t, 20*time.Millisecond, 0)
		out := filepath.Join(t.TempDir(), "run.parquet")
		cmd, stdout, stderr := startRun(t, "--target", srv.URL, "--model", "m", "--stream=false", "--step-users", "2", "--step-time", "1h", "-o", out)
		time.Sleep(time.Second)
		cmd.Process.Signal(syscall.SIGHUP)
		waitOrKill(t, cmd, 15*time.Second, stderr)
		if code := cmd.ProcessState.ExitCode(); code != 130 {
			t.Fatalf("exit %v, want 130 (as SIGTERM). stderr %s", cmd.ProcessState, stderr)
		}
		rows, meta := countRows(t, out)
		if rows == 0 || meta.EndReason != schemas.EndInterrupted || !strings.Contains(meta.EndDetail, "SIGHUP") {
			t.Fatalf("%d rows, end %s (%q); want rows and interrupted by SIGHUP", rows, meta.EndReason, meta.EndDetail)
		}
		if !strings.Contains(stdout.String(), "SIGHUP") {
			t.Errorf("summary does not name SIGHUP: %s", stdout)
		}
		if _, err := os.Stat(out + ".journal"); !os.IsNotExist(err) {
			t.Errorf("journal left beside a complete file: %v", err)
		}
	})
	t.Run("under nohup", func(t *testing.T) {
		srv, _ := countingServer(t, 20*time.Millisecond, 0)
		out := filepath.Join(t.TempDir(), "run.parquet")
		// The shell's trap "" sets SIGHUP to ignored, and exec keeps it so.
		cmd := exec.Command("sh", "-c", `trap "" HUP; exec "$0" "$@"`, llmrecBin, "run", "--target", srv.URL, "--model", "m",
			"--stream=false", "--step-users", "2", "--step-time", "1h", "-o", out)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second)
		cmd.Process.Signal(syscall.SIGHUP)
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		select {
		case <-exited:
			t.Fatalf("a hang-up ended a run started with SIGHUP ignored (%v): nohup no longer works. stderr %s", cmd.ProcessState, &stderr)
		case <-time.After(time.Second):
		}
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-exited
			t.Fatalf("still running 15 s after SIGTERM; stderr %s", &stderr)
		}
		if _, meta := countRows(t, out); !strings.Contains(meta.EndDetail, "SIGTERM") {
			t.Errorf("end detail %q; want the SIGTERM that stopped it", meta.EndDetail)
		}
	})
}

// waitOrKill waits for cmd, killing it (and failing) after d.
func waitOrKill(t *testing.T, cmd *exec.Cmd, d time.Duration, stderr *bytes.Buffer) {
	t.Helper()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case <-exited:
	case <-time.After(d):
		cmd.Process.Kill()
		<-exited
		t.Fatalf("still running %v after the signal; stderr %s", d, stderr)
	}
}

// TestRunFilesFromFIFOsRefused: `--prompts FIFO` and `--body @FIFO` are
// refused by the real binary at once (exit 2, one line naming the FIFO),
// before any request or file. Before, both blocked in open for ever and
// ignored SIGTERM.
func TestRunFilesFromFIFOsRefused(t *testing.T) {
	srv, seen := countingServer(t, 10*time.Millisecond, 0)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		args []string
	}{
		{"--prompts", []string{"--prompts", fifo}},
		{"--body", []string{"--api", "http", "--body", "@" + fifo}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(dir, "run.parquet")
			args := append([]string{"--target", srv.URL, "--model", "m", "--step-users", "1", "--max-users", "1", "--step-time", "1s", "-o", out}, tt.args...)
			cmd, _, stderr := startRun(t, args...)
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			select {
			case <-exited:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				<-exited
				t.Fatalf("%s FIFO: still running 10 s later (blocked opening it); stderr %s", tt.name, stderr)
			}
			if code := cmd.ProcessState.ExitCode(); code != exitUsage || strings.Count(stderr.String(), "\n") != 1 ||
				!strings.Contains(stderr.String(), tt.name) || !strings.Contains(stderr.String(), "FIFO") {
				t.Errorf("exit %d, stderr %q; want %d and one line naming %s and the FIFO", code, stderr, exitUsage, tt.name)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("a run file was created: %v", err)
			}
		})
	}
	if n := seen.Load(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}
