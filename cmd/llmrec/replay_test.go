package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReplayCommand records a short open loop on the built-in simulator
// and replays it: the replay file has as many rows, its footer names the
// original, and the summary says it is a replay. Then the refusals: each
// one line, exit status 2, and no file written.
func TestReplayCommand(t *testing.T) {
	dir := t.TempDir()
	orig, rep := filepath.Join(dir, "orig.parquet"), filepath.Join(dir, "rep.parquet")
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{"run", "--arrival", "constant", "--rate", "10", "--step-time", "1s",
		"--input-tokens", "20-40", "--output-tokens", "4-8", "--sim-profile", "linear", "-o", orig}, nil, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr.String())
	}
	stdout.Reset()
	stderr.Reset()
	code = Main(context.Background(), []string{"replay", orig, "--sim-profile", "linear", "-o", rep}, nil, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("replay: exit %d: %s", code, stderr.String())
	}
	n, meta := countRows(t, orig)
	rn, rmeta := countRows(t, rep)
	if rn != n || n < 5 || rmeta.Replay == nil || rmeta.Replay.RunID != meta.RunID || rmeta.Replay.Files[0] != "orig.parquet" {
		t.Fatalf("replay: %d rows of %d, footer %+v", rn, n, rmeta.Replay)
	}
	if !strings.Contains(stderr.String(), "replaying ") || !strings.Contains(stdout.String(), "a replay of run "+meta.RunID) {
		t.Errorf("no word of the replay: stdout %q stderr %q", stdout.String(), stderr.String())
	}

	notRun := filepath.Join(dir, "text.parquet")
	if err := os.WriteFile(notRun, []byte("not parquet"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "never.parquet")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"replay"}, "requires at least 1 arg"},
		{[]string{"replay", notRun, "-o", out}, "text.parquet"},
		{[]string{"replay", orig, "--prompts", orig, "-o", out}, "--prompts"},
		{[]string{"replay", orig, orig, "-o", out}, "is shard 0 again"},
		{[]string{"replay", orig, "-o", orig, "--force"}, "orig.parquet"},
	} {
		stdout.Reset()
		stderr.Reset()
		code := Main(context.Background(), tc.args, nil, &stdout, &stderr)
		if code != 2 || strings.Count(stderr.String(), "\n") != 1 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("llmrec %v: exit %d, stderr %q; want 2 and one line with %q", tc.args, code, stderr.String(), tc.want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a refused replay wrote its file")
	}
	if _, m := countRows(t, orig); m.RunID != meta.RunID {
		t.Error("the original was overwritten")
	}
}
