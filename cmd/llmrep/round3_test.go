package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/report/view"
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
	if want := "with a latency_ms that is negative, under 1e-06 ms (1 ns) but not 0"; !strings.Contains(strings.Join(view.WarningTexts(a.Warnings), "\n"), "12 with a latency_ms") ||
		!strings.Contains(strings.Join(view.WarningTexts(a.Warnings), "\n"), want) {
		t.Errorf("warnings %q; want the 12 subnormal rows counted", a.Warnings)
	}
	if a.Overall.Requests != 120-12 || a.Overall.P50MS == nil || *a.Overall.P50MS < 100 {
		t.Errorf("requests %d, p50 %v; want the 108 others, p50 over 100 ms", a.Overall.Requests, a.Overall.P50MS)
	}
}

// TestFlagRanges: every numeric flag of llmrep is range-checked and a
// repeated --slo key is refused, each a usage error naming the flag or
// setting, before any file is read. --at-users -12 with --inconclusive
// pass used to pass every gate (no run has a step at -12 users), a
// p99_p50 bound below 1 always failed, --slo ttft=500ms,ttft=10ms kept
// the last silently, and --latency-threshold Inf made --format json fail.
func TestFlagRanges(t *testing.T) {
	good := goodRun(t, t.TempDir())
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"check", good, "--max", "p95=1ms", "--at-users", "-12", "--inconclusive", "pass"}, "--at-users -12 must be 0 (the whole run) or a user count"},
		{[]string{"check", good, "--max", "p99_p50=0.5"}, "p99_p50 is a ratio of a higher percentile to a lower one, at least 1"},
		{[]string{"check", good, "--min", "p99_p50=0.9"}, "at least 1"},
		{[]string{"analyze", good, "--format", "json", "--slo", "ttft=500ms,ttft=10ms"}, "ttft is given twice (500ms and 10ms)"},
		{[]string{"analyze", good, "--format", "json", "--slo", "ttft=500ms", "--slo", "itl=5ms,ttft=10ms"}, "ttft is given twice"},
		{[]string{"compare", good, good, "--format", "json", "--slo", "latency=1s,latency=2s"}, "latency is given twice"},
		{[]string{"check", good, "--max", "p95=10s", "--slo", "itl=1ms", "--slo", "itl=2ms"}, "itl is given twice"},
		{[]string{"analyze", good, "--format", "json", "--latency-threshold", "Inf"}, "latency threshold +Inf must be greater than 1 and at most 1000"},
		{[]string{"analyze", good, "--format", "json", "--latency-threshold", "1001"}, "at most 1000"},
		{[]string{"analyze", good, "--format", "json", "--window", "25h"}, "window 25h0m0s must be from 1s to 24h0m0s"},
		{[]string{"analyze", good, "--format", "json", "--window", "500ms"}, "must be from 1s"},
		{[]string{"analyze", good, "--format", "json", "--baseline-users", "3000000000"}, "baseline users 3000000000 must be from 1 to 2147483647"},
		{[]string{"compare", good, good, "--baseline-users", "0"}, "baseline users 0 must be from 1"},
	} {
		t.Run(strings.Join(tt.args[2:], " "), func(t *testing.T) {
			out, errOut, code := run(t, tt.args...)
			if code != exitUsage || out != "" || !strings.Contains(errOut, tt.want) || strings.Count(errOut, "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want %d and one line saying %q", code, errOut, exitUsage, tt.want)
			}
		})
	}
	// The edges are accepted (the gates are judged: pass or fail).
	if _, errOut, code := run(t, "check", good, "--max", "p99_p50=1", "--max", "p95=1h", "--latency-threshold", "1000", "--window", "24h", "--slo", "ttft=1s", "--slo", "itl=1s"); code == exitUsage {
		t.Errorf("edges refused: stderr %q", errOut)
	}
}

// TestEmptyAnswersInEveryFormat: answers without content are counted and
// said in every report. Failures of class empty (today's recorder) are in
// the errors by class and warned of; successes with 0 output tokens (files
// of a recorder before that class, where an empty stream was a fast
// success) are warned of too, since their latencies are in the figures.
func TestEmptyAnswersInEveryFormat(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name string
		tune func(i int, r *schemas.Record)
		want []string
	}{
		{"class empty", func(i int, r *schemas.Record) {
			if i%5 == 0 {
				c, m := schemas.ErrEmpty, "empty answer: the stream ended with [DONE] after 0 chunks, none with content"
				r.OK, r.ErrorClass, r.Error, r.OutputTokens = false, &c, &m, nil
			}
		}, []string{"24 requests got a complete 2xx answer with no content (class empty, counted as failures)", "empty"}},
		{"old successes with 0 tokens", func(i int, r *schemas.Record) {
			if i%5 == 0 {
				zero := int32(0)
				r.OutputTokens, r.LatencyMS = &zero, 0.4
			}
		}, []string{"24 successes carried 0 output tokens"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			recs := records("run-e", func(int) bool { return true })
			for i := range recs {
				n := int32(30)
				recs[i].OutputTokens = &n
				tt.tune(i, &recs[i])
			}
			p := writeRun(t, filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".parquet"), meta("run-e"), recs)
			for _, format := range []string{"text", "json", "md", "html"} {
				out := filepath.Join(dir, tt.name+"."+format)
				if _, stderr, code := run(t, "analyze", p, "--warmup", "0s", "--format", format, "-o", out); code != 0 {
					t.Fatalf("%s: status %d: %s", format, code, stderr)
				}
				b, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				for _, w := range tt.want {
					if !strings.Contains(string(b), w) {
						t.Errorf("the %s report does not say %q", format, w)
					}
				}
			}
			if tt.name == "class empty" {
				out, _, _ := run(t, "analyze", p, "--warmup", "0s", "--format", "json")
				var a analyze.Analysis
				if err := json.Unmarshal([]byte(out), &a); err != nil {
					t.Fatal(err)
				}
				if a.Overall.Failures != 24 || len(a.Errors) != 1 || a.Errors[0].Class != schemas.ErrEmpty {
					t.Errorf("failures %d by class %+v; want 24 of class empty", a.Overall.Failures, a.Errors)
				}
			}
		})
	}
}
