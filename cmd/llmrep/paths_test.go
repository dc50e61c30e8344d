package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHostilePathsOnTheCommandLine: llmrep analyze given a file whose name
// holds a quote, spaces, Unicode or glob characters reads that file (not
// its pattern siblings) and writes the HTML report beside it under the
// same name.
func TestHostilePathsOnTheCommandLine(t *testing.T) {
	for _, name := range []string{"it's a [run] *.parquet", "ünï ? cødé.parquet"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "d'ir [x]")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			p := writeRun(t, filepath.Join(dir, name), meta("run-1"), records("run-1", func(i int) bool { return true }))
			// A sibling the name matches as a glob, from another run: reading
			// it too would be refused as a different run (exit 3).
			sibling := strings.NewReplacer("[run]", "r", "*", "x", "?", "y").Replace(name)
			writeRun(t, filepath.Join(dir, sibling), meta("run-2"), records("run-2", func(i int) bool { return true }))
			stdout, stderr, code := run(t, "analyze", p, "--warmup", "0s")
			if code != 0 {
				t.Fatalf("status %d: %s", code, stderr)
			}
			if !strings.Contains(stdout, "run-1") || strings.Contains(stdout, "run-2") {
				t.Errorf("the report is not of %q alone:\n%.300s", name, stdout)
			}
			html := strings.TrimSuffix(p, ".parquet") + ".html"
			if _, err := os.Stat(html); err != nil || !strings.Contains(stderr, html) {
				t.Errorf("HTML report not at %q: %v (stderr %q)", html, err, stderr)
			}
		})
	}
}

// TestBackslashGlobNameIsBadInput: a name with a backslash and a glob
// character cannot be read through DuckDB (docs/RELIABILITY.md);
// llmrep says so as bad input naming the file and the way out, exit 3, one line.
func TestBackslashGlobNameIsBadInput(t *testing.T) {
	p := writeRun(t, filepath.Join(t.TempDir(), `a\?.parquet`), meta("run-1"), records("run-1", func(i int) bool { return true }))
	stdout, stderr, code := run(t, "analyze", p, "--warmup", "0s")
	if code != 3 || !strings.HasPrefix(stderr, "llmrep: "+p+": ") || !strings.Contains(stderr, "rename the file") || strings.Count(stderr, "\n") != 1 || stdout != "" {
		t.Fatalf("status %d, stdout %.100q, stderr %q; want exit 3 and one line naming the file", code, stdout, stderr)
	}
}
