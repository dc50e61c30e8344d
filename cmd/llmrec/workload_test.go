package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestRunWorkloadRefused: a bad --workload file, or one beside the flags
// it replaces, is one line naming the field or the flag, exit status 2,
// and nothing is sent or written.
func TestRunWorkloadRefused(t *testing.T) {
	srv, seen := countingServer(t, 10*time.Millisecond, 0)
	dir := t.TempDir()
	out := filepath.Join(dir, "run.parquet")
	file := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := file("good.json", `{"classes": [{"name": "a", "weight": 1}]}`)
	run := []string{"run", "--target", srv.URL, "--model", "m", "-o", out}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--workload", file("w1.json", `{"classes": [{"name": "a", "weight": 0}]}`)}, "classes[0].weight: 0 must be above 0"},
		{[]string{"--workload", file("w2.yaml", "classes:\n- name: a\n  weight: 1\n  colour: red\n")}, "classes[0].colour: unknown field"},
		{[]string{"--workload", file("w3.json", `{"classes": [{"name": "a", "weight": 1, "slo": "ttft=soon"}]}`)}, `classes[0].slo: "ttft=soon"`},
		{[]string{"--workload", file("w4.json", `{"classes": [{"name": "a", "weight": 1, "prompts": "none.jsonl"}]}`)}, "classes[0].prompts:"},
		{[]string{"--workload", filepath.Join(dir, "missing.json")}, "--workload " + filepath.Join(dir, "missing.json")},
		{[]string{"--workload", good, "--input-tokens", "100"}, "--input-tokens: cannot go with --workload"},
	} {
		t.Run(tt.want, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			var stdout, errOut bytes.Buffer
			code := Main(ctx, slices.Concat(run, tt.args), nil, &stdout, &errOut)
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
