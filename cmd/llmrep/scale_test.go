package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/llmrec/llmrec/analyze/analyzetest"
)

// TestResourceExit: running out of memory or of temporary disk space is
// exit status 4 and one line naming the limit and the flag that raises
// it, never the database's message; a bad size is a usage error.
func TestResourceExit(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small.parquet")
	if err := analyzetest.Write(small, analyzetest.A); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		args  []string
		code  int
		wants []string
	}{
		{"out of memory", []string{"analyze", "--format", "json", "--memory-limit", "1MB", small}, exitResources,
			[]string{"out of memory", "--memory-limit 1MB", "raise --memory-limit"}},
		{"compare out of memory", []string{"compare", "--format", "json", "--memory-limit", "1MB", small, small}, exitResources,
			[]string{"out of memory", "--memory-limit 1MB"}},
		{"bad size", []string{"analyze", "--memory-limit", "lots", small}, exitUsage, []string{"memory limit", "lots"}},
		{"no unit", []string{"analyze", "--memory-limit", "512", small}, exitUsage, []string{"memory limit", "512"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := run(t, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %q", code, tt.code, errOut)
			}
			if strings.Count(errOut, "\n") != 1 || strings.Contains(errOut, "Error:") {
				t.Errorf("stderr %q is not one line of ours", errOut)
			}
			for _, w := range tt.wants {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr %q lacks %q", errOut, w)
				}
			}
		})
	}
}

// TestTempDirFullExit: a spill that fills --temp-dir (a 1 MB tmpfs,
// mounted when running as root) is exit status 4, one line naming the
// directory and --temp-dir, and nothing is left in it.
func TestTempDirFullExit(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and analyzes a run of 2M rows")
	}
	if os.Geteuid() != 0 {
		t.Skip("SKIPPED: mounting a tiny tmpfs needs root; the out-of-disk exit status is not tested here")
	}
	tiny := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", tiny).CombinedOutput(); err != nil {
		t.Skipf("SKIPPED: cannot mount a tmpfs (%v: %s); the out-of-disk exit status is not tested here", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", tiny).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", tiny, err, out)
		}
	})
	files, err := analyzetest.WriteSynth(filepath.Join(t.TempDir(), "big.parquet"), 2_000_000, 1)
	if err != nil {
		t.Fatal(err)
	}
	_, errOut, code := run(t, "analyze", "--format", "json", "--memory-limit", "64MB", "--temp-dir", tiny, files[0])
	if code != exitResources {
		t.Fatalf("exit %d, want %d; stderr %q", code, exitResources, errOut)
	}
	if strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "out of disk space") ||
		!strings.Contains(errOut, tiny) || !strings.Contains(errOut, "--temp-dir") {
		t.Errorf("stderr %q: want one line naming %s and --temp-dir", errOut, tiny)
	}
	if left, _ := os.ReadDir(tiny); len(left) != 0 {
		t.Errorf("left behind in %s: %v", tiny, left)
	}
}
