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

	"github.com/llmrec/llmrec/analyze/analyzetest"
	"github.com/llmrec/llmrec/internal/testbin"
)

// TestSIGHUPCleansUp: a hang-up (the terminal or SSH session closed) in
// the middle of an analysis that spills, or of an export, stops the real
// binary as SIGTERM does: exit status 130, one line, no report, and
// neither the private spill directory nor the export's temporary
// directory is left behind.
func TestSIGHUPCleansUp(t *testing.T) {
	if testing.Short() {
		t.Skip("builds llmrep and analyzes a run of 1M rows")
	}
	bin := testbin.Llmrep(t)
	files, err := analyzetest.WriteSynth(filepath.Join(t.TempDir(), "big.parquet"), 1_000_000, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		// args run in dir; work is the directory whose temporary entry
		// (named with prefix) shows the command is under way.
		args   func(dir string) []string
		work   func(dir string) string
		prefix string
		output string
	}{
		{"analyze spilling", func(dir string) []string {
			return []string{"analyze", files[0], "--format", "json", "-o", filepath.Join(dir, "out.json"), "--memory-limit", "64MB", "--temp-dir", filepath.Join(dir, "spill")}
		}, func(dir string) string { return filepath.Join(dir, "spill") }, "llmrep-", "out.json"},
		{"export", func(dir string) []string {
			return []string{"export", files[0], "-o", filepath.Join(dir, "rows.csv")}
		}, func(dir string) string { return dir }, ".output-", "rows.csv"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			work := tt.work(dir)
			if err := os.MkdirAll(work, 0o755); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bin, tt.args(dir)...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			if !waitForEntry(work, tt.prefix, exited, 30*time.Second) {
				cmd.Process.Kill()
				t.Fatalf("no %s* appeared in %s before the command ended (%v): the test proves nothing; stderr %s", tt.prefix, work, cmd.ProcessState, &stderr)
			}
			time.Sleep(300 * time.Millisecond) // well under way
			cmd.Process.Signal(syscall.SIGHUP)
			select {
			case <-exited:
			case <-time.After(30 * time.Second):
				cmd.Process.Kill()
				<-exited
				t.Fatalf("still running 30 s after SIGHUP; stderr %s", &stderr)
			}
			if code := cmd.ProcessState.ExitCode(); code != exitInterrupted || stderr.String() != "llmrep: interrupted\n" {
				t.Errorf("process %v, stderr %q; want exit %d and one line, as for SIGTERM", cmd.ProcessState, &stderr, exitInterrupted)
			}
			entries, _ := os.ReadDir(work)
			for _, e := range entries {
				if strings.HasPrefix(e.Name(), tt.prefix) || e.Name() == tt.output {
					t.Errorf("left behind after SIGHUP: %s", filepath.Join(work, e.Name()))
				}
			}
		})
	}
}

// waitForEntry polls dir for an entry whose name starts with prefix, until
// d passes or the process exits.
func waitForEntry(dir, prefix string, exited <-chan error, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), prefix) {
				return true
			}
		}
		select {
		case err := <-exited:
			_ = err
			return false
		case <-time.After(20 * time.Millisecond):
		}
	}
	return false
}
