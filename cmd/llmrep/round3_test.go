package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTempDirMistakesAreUsageErrors: a --temp-dir that does not exist, or
// that is a file or a device, is the user's mistake: exit status 2 and one
// line naming it and what is wrong, never "out of disk space" (exit 4),
// in every command that takes the flag.
func TestTempDirMistakesAreUsageErrors(t *testing.T) {
	dir := t.TempDir()
	good := goodRun(t, dir)
	file := filepath.Join(dir, "a-file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, temp, want string }{
		{"missing", filepath.Join(dir, "nonexist"), "no such directory"},
		{"a file", file, "not a directory (it is a file)"},
		{"a device", os.DevNull, "not a directory (it is a device)"},
	} {
		for _, cmd := range [][]string{
			{"analyze", good, "--format", "json"},
			{"compare", good, good, "--format", "json"},
			{"check", good, "--max", "p95=10s"},
		} {
			t.Run(tt.name+"/"+cmd[0], func(t *testing.T) {
				out, errOut, code := run(t, append(cmd, "--temp-dir", tt.temp)...)
				if code != exitUsage || out != "" || strings.Count(errOut, "\n") != 1 ||
					!strings.Contains(errOut, tt.temp) || !strings.Contains(errOut, tt.want) || strings.Contains(errOut, "disk space") {
					t.Errorf("status %d, stderr %q; want %d and one line naming %s: %s", code, errOut, exitUsage, tt.temp, tt.want)
				}
			})
		}
	}
}
