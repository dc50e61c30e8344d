package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/llmrec/llmrec/internal/testbin"
)

// TestDiskFullDuringRun runs llmrec on a real 192 KiB tmpfs, which fills
// up mid-run: the run must stop with a non-zero status and a message naming
// the path, and the journal must hold intact rows that recover rebuilds.
func TestDiskFullDuringRun(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	os.Mkdir(small, 0o755)
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=192k", "tmpfs", small).CombinedOutput(); err != nil {
		t.Skipf("SKIPPED: cannot mount a small tmpfs to fill (needs root): %v %s", err, out)
	}
	defer exec.Command("umount", "-l", small).Run()

	srv := newSlowServer(t, 0)
	out := filepath.Join(small, "run.parquet")
	cmd := exec.Command(testbin.Llmrec(t), "run", "--target", srv.URL, "--stream=false", "--step-users", "16", "--step-time", "30s",
		"--max-users", "16", "--wait-min", "0s", "--wait-max", "1ms", "-o", out)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err == nil || cmd.ProcessState.ExitCode() != 1 {
		t.Fatalf("exit %v; want status 1 on a full disk. stderr: %s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	msg := lines[len(lines)-1] // status lines come first
	if !strings.HasPrefix(msg, "llmrec: ") || !strings.Contains(msg, out) || !strings.Contains(msg, "no space left on device") || !strings.Contains(msg, "llmrec recover") {
		t.Fatalf("want one line naming %s, the cause and the way back; got %q", out, msg)
	}
	// Move what is left to a disk with room and rebuild the file.
	big := filepath.Join(dir, "big")
	os.Mkdir(big, 0o755)
	j, err := os.ReadFile(out + ".journal")
	if err != nil {
		t.Fatal(err)
	}
	moved := filepath.Join(big, "run.parquet")
	os.WriteFile(moved+".journal", j, 0o644)
	var rout, rerr bytes.Buffer
	if code := Main(context.Background(), []string{"recover", moved}, nil, &rout, &rerr); code != 0 {
		t.Fatalf("recover: %s", rerr.String())
	}
	n, _ := countRows(t, moved)
	if n < 100 {
		t.Fatalf("recovered only %d rows from a journal of %d bytes", n, len(j))
	}
	t.Logf("disk full: %s; recovered %d rows", strings.TrimSpace(msg), n)
}
