package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSameRunTwiceExit3: in every command, a run file given twice within
// one run (or a copy of it: the same shard of the same run) is bad input,
// exit 3, one line; comparing a run with itself stays allowed.
func TestSameRunTwiceExit3(t *testing.T) {
	dir := t.TempDir()
	good := goodRun(t, dir)
	b, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	copies := filepath.Join(dir, "copies")
	os.MkdirAll(copies, 0o755)
	for _, n := range []string{"c1.parquet", "c2.parquet"} {
		if err := os.WriteFile(filepath.Join(copies, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	glob := filepath.Join(copies, "c*.parquet")
	for _, args := range [][]string{
		{"analyze", good, good, "--format", "text"},
		{"analyze", glob, "--format", "text"},
		{"check", good, good, "--max", "p95=10s"},
		{"check", glob, "--max", "p95=10s"},
		{"check", good, "--baseline", glob, "--max-regression", "p95=10%"},
		{"compare", good, glob},
	} {
		out, errOut, code := run(t, args...)
		if code != 3 || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "twice") || out != "" {
			t.Errorf("%v: status %d, stdout %.100q, stderr %q; want 3 and one line", args, code, out, errOut)
		}
	}
	if _, errOut, code := run(t, "compare", good, good, "--format", "text"); code != 0 {
		t.Errorf("compare a run with itself: status %d, stderr %q", code, errOut)
	}
}

// TestInterruptedExit130: a canceled context (what SIGINT or SIGTERM does
// through signal.NotifyContext in main) ends every command with exit 130
// and one line, and no report.
func TestInterruptedExit130(t *testing.T) {
	dir := t.TempDir()
	good := goodRun(t, dir)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, args := range [][]string{
		{"analyze", good},
		{"check", good, "--max", "p95=10s"},
		{"compare", good, good},
	} {
		var out, errOut bytes.Buffer
		code := Main(ctx, args, &out, &errOut)
		if code != 130 || errOut.String() != "llmrep: interrupted\n" || out.Len() != 0 {
			t.Errorf("%v: status %d, stdout %.80q, stderr %q; want 130", args, code, out.String(), errOut.String())
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "run.html")); !os.IsNotExist(err) {
		t.Errorf("a report was written: %v", err)
	}
}
