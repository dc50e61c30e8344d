package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/schemas"
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

// TestNoInfinityInJSON: a file whose rows pass every check but hold a
// subnormal latency (1e-310 ms: positive, finite, under 1e9) made
// tokens/s and the growth ratio infinite, and `--format json` of analyze
// and compare failed ("json: unsupported value: +Inf", exit 1). Now such
// rows are left out and counted (a latency under 1 ns but not 0 is not
// one the recorder writes), no figure of any output is ±Inf or NaN, and
// the JSON is the same as for the file without those rows.
func TestNoInfinityInJSON(t *testing.T) {
	dir := t.TempDir()
	clean := records("run-1", func(int) bool { return true })
	for i := range clean {
		n := int32(20)
		clean[i].OutputTokens = &n
	}
	tiny := append([]schemas.Record(nil), clean...)
	for i := 40; i < 120; i += 7 {
		tiny[i].LatencyMS = 1e-310
	}
	cleanPath := writeRun(t, filepath.Join(dir, "clean.parquet"), meta("run-1"), clean)
	tinyPath := writeRun(t, filepath.Join(dir, "tiny.parquet"), meta("run-1"), tiny)
	for _, args := range [][]string{
		{"analyze", tinyPath, "--format", "json"},
		{"compare", tinyPath, cleanPath, "--format", "json"},
		{"check", tinyPath, "--max", "p95=10s", "--format", "json"},
	} {
		out, errOut, code := run(t, args...)
		if code != 0 || !json.Valid([]byte(out)) {
			t.Fatalf("%v: exit %d, stderr %q; want valid JSON", args, code, errOut)
		}
		if strings.Contains(out, "Inf") || strings.Contains(out, "NaN") {
			t.Errorf("%v: the JSON holds Inf or NaN", args)
		}
	}
	out, _, _ := run(t, "analyze", tinyPath, "--format", "json", "--warmup", "0s")
	var a analyze.Analysis
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatal(err)
	}
	if want := "with a latency_ms that is negative, under 1e-06 ms (1 ns) but not 0"; !strings.Contains(strings.Join(a.Warnings, "\n"), "12 with a latency_ms") ||
		!strings.Contains(strings.Join(a.Warnings, "\n"), want) {
		t.Errorf("warnings %q; want the 12 subnormal rows counted", a.Warnings)
	}
	if a.Overall.Requests != 120-12 || a.Overall.P50MS == nil || *a.Overall.P50MS < 100 {
		t.Errorf("requests %d, p50 %v; want the 108 others, p50 over 100 ms", a.Overall.Requests, a.Overall.P50MS)
	}
}
