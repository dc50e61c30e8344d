package main

import (
	"bytes"
	"context"
	"github.com/llmrec/llmrec/internal/testbin"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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
		cmd := exec.Command("sh", "-c", `trap "" HUP; exec "$0" "$@"`, testbin.Llmrec(t), "run", "--target", srv.URL, "--model", "m",
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

// TestRunFlagBounds: every numeric flag of llmrec run and llmrec sim is
// range-checked before anything starts: exit 2, the flag named, nothing
// sent or written. `--step-time 1ns` used to be accepted and write a file
// whose step numbers had wrapped below zero, which llmrep could not read.
func TestRunFlagBounds(t *testing.T) {
	srv, seen := countingServer(t, 10*time.Millisecond, 0)
	dir := t.TempDir()
	out := filepath.Join(dir, "run.parquet")
	run := []string{"run", "--target", srv.URL, "--model", "m", "-o", out}
	base := func(more ...string) []string { return slices.Concat(run, more) }
	open := func(more ...string) []string {
		return slices.Concat(run, []string{"--arrival", "poisson", "--rate", "20"}, more)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{base("--step-time", "1ns", "--step-users", "1", "--max-users", "3", "--duration", "3s"), "--step-time must be from 100ms"},
		{open("--step-time", "1ns", "--duration", "4s"), "--step-time must be from 100ms"},
		{base("--step-time", "100ms", "--duration", "3h"), "--step-time 100ms makes 108000 steps"},
		{base("--duration", "800h"), "--duration must be from 0"},
		{base("--step-time", "100h"), "lasting 1000h0m0s; at most 720h0m0s"},
		{base("--timeout", "0s"), "--timeout must be from 1ms to 24h0m0s"},
		{base("--timeout", "25h"), "--timeout must be from 1ms to 24h0m0s"},
		{base("--idle-timeout", "25h"), "--idle-timeout must be from 1ms"},
		{base("--grace", "25h"), "--grace must be from 0s to 24h0m0s"},
		{base("--wait-max", "25h"), "--wait-min/--wait-max must satisfy"},
		{base("--max-users", "2000000"), "--max-users must be from 1 to 1000000"},
		{base("--step-users", "0"), "--step-users must be from 1"},
		{base("--spawn-rate", "2e6"), "--spawn-rate must be a number from 0"},
		{base("--max-tokens", "2000000"), "--max-tokens must be from 1 to 1048576"},
		{open("--max-concurrency", "2000000"), "--max-concurrency must be from 0 to 1000000"},
		{base("--dashboard", "127.0.0.1:0", "--dashboard-linger", "-1s"), "--dashboard-linger must be from 0s"},
		{base("--dashboard", "127.0.0.1:0", "--dashboard-linger", "25h"), "--dashboard-linger must be from 0s to 24h0m0s"},
		{[]string{"sim", "--addr", "127.0.0.1:0", "--token-ms", "1e300"}, "token time must be from 0 to 60000"},
		{[]string{"sim", "--addr", "127.0.0.1:0", "--prefill-ms", "Inf"}, "prefill time must be from 0 to 60000"},
		{[]string{"sim", "--addr", "127.0.0.1:0", "--swap", "1e9"}, "swap must be from 0 to 100"},
		{[]string{"sim", "--addr", "127.0.0.1:0", "--slots", "2000000"}, "slots must be from 1 to 1000000"},
	} {
		t.Run(strings.Join(tt.args[len(tt.args)-2:], " "), func(t *testing.T) {
			// A flag wrongly accepted starts a run: stop it soon.
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			var stdout, errOut bytes.Buffer
			code := Main(ctx, tt.args, nil, &stdout, &errOut)
			stderr := errOut.String()
			if code != exitUsage || !strings.Contains(stderr, tt.want) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("%v: exit %d, stderr %q; want %d and %q", tt.args, code, stderr, exitUsage, tt.want)
			}
		})
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a run file was written: %v", err)
	}
	if n := seen.Load(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}
