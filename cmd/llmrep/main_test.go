package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/analyzetest"
	"github.com/llmrec/llmrec/schemas"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func meta(runID string) *schemas.RunMeta {
	return &schemas.RunMeta{
		RunID: runID, ToolVersion: "test", StartedAt: t0, EndedAt: t0.Add(30 * time.Second),
		EndReason: schemas.EndCompleted, Target: "http://127.0.0.1:8000", API: "openai-chat", Model: "m",
		Labels: map[string]string{"model": "m"}, Shards: 1,
		Shape: schemas.Shape{StepUsers: 10, StepTimeS: 10, MaxUsers: 30, SpawnRate: 10},
	}
}

// records are three 10 s steps of 40 requests; ok says which succeed.
func records(runID string, ok func(i int) bool) []schemas.Record {
	var recs []schemas.Record
	for i := range 120 {
		step := i/40 + 1
		start := t0.Add(time.Duration(i) * 250 * time.Millisecond)
		r := schemas.Record{RunID: runID, Seq: int64(i), Step: int32(step), Users: int32(10 * step),
			ScheduledAt: start, Start: start, LatencyMS: 100 + float64((i*7)%40)*float64(step), Status: 200, OK: true}
		if !ok(i) {
			c, m := schemas.ErrHTTP5xx, "503 Service Unavailable"
			r.OK, r.Status, r.ErrorClass, r.Error = false, 503, &c, &m
		}
		recs = append(recs, r)
	}
	return recs
}

func writeRun(t *testing.T, path string, m *schemas.RunMeta, recs []schemas.Record) string {
	t.Helper()
	if err := analyzetest.WriteRecords(path, m, recs); err != nil {
		t.Fatal(err)
	}
	return path
}

func goodRun(t *testing.T, dir string) string {
	return writeRun(t, filepath.Join(dir, "run.parquet"), meta("run-1"), records("run-1", func(i int) bool { return i%20 != 7 }))
}

// run runs llmrep in-process and returns stdout, stderr and the status.
func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), code
}

func TestAnalyzeFormats(t *testing.T) {
	dir := t.TempDir()
	p := goodRun(t, dir)
	common := []string{"analyze", p, "--warmup", "0s", "--window", "5s"}

	out, errOut, code := run(t, common...)
	html := filepath.Join(dir, "run.html")
	if code != 0 || errOut != "llmrep: wrote "+html+"\n" {
		t.Fatalf("text: status %d, stderr %q", code, errOut)
	}
	if b, err := os.ReadFile(html); err != nil || !strings.HasPrefix(string(b), "<!DOCTYPE html>") {
		t.Fatalf("default HTML report beside the input: %v", err)
	}
	for _, want := range []string{"TOTALS", "HEALTH", "STEPS", "VERDICT", "WARNINGS", "DEFINITIONS", "run-1"} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	for _, l := range strings.Split(out, "\n") {
		if n := len([]rune(l)); n > 100 {
			t.Errorf("line of %d columns: %q", n, l)
		}
	}

	out, _, code = run(t, append(common, "--format", "json")...)
	var doc map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &doc) != nil {
		t.Fatalf("json: status %d, output %.200q", code, out)
	}
	for _, k := range []string{"format_version", "run", "settings", "overall", "steps", "baseline", "saturation", "growth", "health", "warnings"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("json lacks key %q", k)
		}
	}

	md := filepath.Join(dir, "report.md")
	_, errOut, code = run(t, append(common, "--format", "md", "-o", md)...)
	b, err := os.ReadFile(md)
	if code != 0 || err != nil || !strings.Contains(string(b), "### Steps") || !strings.Contains(errOut, "wrote") {
		t.Fatalf("md: status %d, err %v, stderr %q", code, err, errOut)
	}

	page := filepath.Join(dir, "page.html")
	_, errOut, code = run(t, append(common, "--format", "html", "-o", page)...)
	b, err = os.ReadFile(page)
	if code != 0 || err != nil || !strings.Contains(string(b), "Content-Security-Policy") || !strings.Contains(string(b), "run-1") {
		t.Fatalf("html: status %d, err %v, stderr %q", code, err, errOut)
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	good := goodRun(t, dir)
	body, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// A newer schema version, and a file lacking columns, written with
	// parquet-go directly.
	newer := filepath.Join(dir, "newer.parquet")
	{
		f, _ := os.Create(newer)
		w := parquet.NewGenericWriter[schemas.Record](f)
		w.Write(records("run-1", func(int) bool { return true }))
		w.SetKeyValueMetadata(schemas.KeySchemaVersion, strconv.Itoa(schemas.Version+1))
		js, _ := meta("run-1").Marshal()
		w.SetKeyValueMetadata(schemas.KeyRun, js)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	type thin struct {
		RunID     string  `parquet:"run_id"`
		LatencyMS float64 `parquet:"latency_ms"`
	}
	missing := filepath.Join(dir, "thin.parquet")
	{
		f, _ := os.Create(missing)
		w := parquet.NewGenericWriter[thin](f)
		w.Write([]thin{{"run-1", 10}})
		w.SetKeyValueMetadata(schemas.KeySchemaVersion, "1")
		js, _ := meta("run-1").Marshal()
		w.SetKeyValueMetadata(schemas.KeyRun, js)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	noMeta := filepath.Join(dir, "plain.parquet")
	{
		f, _ := os.Create(noMeta)
		w := parquet.NewGenericWriter[thin](f)
		w.Write([]thin{{"run-1", 10}})
		w.Close()
		f.Close()
	}
	other := writeRun(t, filepath.Join(dir, "other.parquet"), meta("run-2"), records("run-2", func(int) bool { return true }))

	corrupt := append([]byte(nil), body...)
	for i := 200; i < len(corrupt)/2; i += 37 {
		corrupt[i] ^= 0x5a
	}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"corrupt pages", []string{write("corrupt.parquet", corrupt)}, 3, "corrupt.parquet: cannot read rows"},
		{"missing file", []string{filepath.Join(dir, "nope.parquet")}, 3, "nope.parquet: no such file"},
		{"not parquet", []string{write("notes.parquet", []byte("hello, this is not parquet at all\n"))}, 3, "notes.parquet: not a Parquet file"},
		{"truncated", []string{write("cut.parquet", body[:len(body)/2])}, 3, "cut.parquet: footer missing, the file is truncated (was the run killed?): run `llmrec recover"},
		{"zero bytes", []string{write("empty.parquet", nil)}, 3, "empty.parquet: empty file (0 bytes)"},
		{"newer schema", []string{newer}, 3, "newer.parquet: schema version " + strconv.Itoa(schemas.Version+1) + " is newer than this tool understands"},
		{"missing columns", []string{missing}, 3, "thin.parquet: missing column(s) shard, seq"},
		{"not a run file", []string{noMeta}, 3, "plain.parquet: not an llmrec run file"},
		{"different runs", []string{good, other}, 3, "use `llmrep compare`"},
		{"glob without match", []string{filepath.Join(dir, "zz*.parquet")}, 3, "no file matches"},
		{"no argument", nil, 2, "at least one run file"},
		{"bad flag", []string{good, "--nope"}, 2, "unknown flag"},
		{"bad duration", []string{good, "--warmup", "abc"}, 2, "invalid argument"},
		{"bad metric", []string{good, "--metric", "speed"}, 2, `metric "speed"`},
		{"bad format", []string{good, "--format", "pdf"}, 2, `--format "pdf"`},
		{"bad threshold", []string{good, "--latency-threshold", "0.5"}, 2, "latency threshold"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := run(t, append([]string{"analyze"}, tc.args...)...)
			if code != tc.code {
				t.Errorf("status %d, want %d (stderr %q)", code, tc.code, errOut)
			}
			if !strings.Contains(errOut, tc.want) {
				t.Errorf("stderr %q lacks %q", errOut, tc.want)
			}
			if strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "llmrep: ") {
				t.Errorf("stderr is not one line: %q", errOut)
			}
			for _, bad := range []string{"goroutine", "panic", "LINE 1", "Error:"} {
				if strings.Contains(errOut, bad) {
					t.Errorf("stderr has %q: %q", bad, errOut)
				}
			}
			if out != "" && tc.code != 0 {
				t.Errorf("stdout not empty: %.200q", out)
			}
		})
	}
}

func TestZeroRowsAndAllFailures(t *testing.T) {
	dir := t.TempDir()
	empty := writeRun(t, filepath.Join(dir, "empty.parquet"), meta("run-e"), nil)
	out, errOut, code := run(t, "analyze", empty, "--warmup", "0s")
	if code != 0 {
		t.Fatalf("zero rows: status %d, stderr %q", code, errOut)
	}
	if !strings.Contains(out, "the run has no requests") || !strings.Contains(out, "n/a") {
		t.Errorf("zero-row report does not say so:\n%s", out)
	}
	js, _, _ := run(t, "analyze", empty, "--warmup", "0s", "--format", "json")
	if !strings.Contains(js, `"p50_ms": null`) || strings.Contains(js, `"p50_ms": 0`) {
		t.Errorf("zero-row json percentiles are not null")
	}

	fail := writeRun(t, filepath.Join(dir, "fail.parquet"), meta("run-f"), records("run-f", func(int) bool { return false }))
	out, _, code = run(t, "analyze", fail, "--warmup", "0s")
	if code != 0 || !strings.Contains(out, "100.00%") || !strings.Contains(out, "every request failed") {
		t.Errorf("all failures: status %d\n%s", code, out)
	}
	js, _, _ = run(t, "analyze", fail, "--warmup", "0s", "--format", "json")
	var a struct {
		Overall struct {
			FailRate float64  `json:"fail_rate"`
			P95      *float64 `json:"p95_ms"`
		} `json:"overall"`
	}
	if err := json.Unmarshal([]byte(js), &a); err != nil || a.Overall.FailRate != 1 || a.Overall.P95 != nil {
		t.Errorf("all failures json: %+v %v", a, err)
	}
}

func TestAnalyzeFlags(t *testing.T) {
	tests := []struct {
		args  []string
		check func(*AnalyzeOptions) bool
	}{
		{[]string{"r.parquet"}, func(o *AnalyzeOptions) bool {
			return o.Options.Warmup == analyze.WarmupAuto && o.Options.Window == 10*time.Second && o.Options.BaselineUsers == 10 &&
				o.Options.LatencyThreshold == 2 && o.Options.ErrorThreshold == 0.01 && o.Options.Metric == "latency" &&
				o.Format == "" && o.Output == "" && len(o.Paths) == 1
		}},
		{[]string{"a.parquet", "b.parquet", "--warmup", "5s", "--window", "3s", "--baseline-users", "20", "--latency-threshold", "1.5",
			"--error-threshold", "2%", "--metric", "ttft", "--format", "json", "-o", "x.json"}, func(o *AnalyzeOptions) bool {
			return o.Options.Warmup == 5*time.Second && o.Options.Window == 3*time.Second && o.Options.BaselineUsers == 20 &&
				o.Options.LatencyThreshold == 1.5 && o.Options.ErrorThreshold == 0.02 && o.Options.Metric == "ttft" &&
				o.Format == "json" && o.Output == "x.json" && len(o.Paths) == 2
		}},
		{[]string{"r.parquet", "--error-threshold", "0.05"}, func(o *AnalyzeOptions) bool { return o.Options.ErrorThreshold == 0.05 }},
		{[]string{"r.parquet", "--warmup", "0"}, func(o *AnalyzeOptions) bool { return o.Options.Warmup == 0 }},
		{[]string{"r.parquet", "--warmup", "auto"}, func(o *AnalyzeOptions) bool { return o.Options.Warmup == analyze.WarmupAuto }},
		{[]string{"r.parquet", "--by", "class"}, func(o *AnalyzeOptions) bool { return o.Options.By == analyze.ByClass }},
		{[]string{"r.parquet"}, func(o *AnalyzeOptions) bool { return o.Options.By == "" }},
	}
	for _, tc := range tests {
		var got *AnalyzeOptions
		cmd := NewCmdAnalyze(&IO{Out: &bytes.Buffer{}, Err: &bytes.Buffer{}}, func(o *AnalyzeOptions) error { got = o; return nil })
		cmd.SetArgs(tc.args)
		if err := cmd.Execute(); err != nil {
			t.Errorf("%v: %v", tc.args, err)
			continue
		}
		if got == nil || !tc.check(got) {
			t.Errorf("%v: options %+v", tc.args, got)
		}
	}
}

// TestAnalyzeByBad: --by takes class only; anything else is one line and
// exit status 2, before any file is read.
func TestAnalyzeByBad(t *testing.T) {
	out, errOut, code := run(t, "analyze", "missing.parquet", "--by", "model")
	if code != exitUsage || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, `by "model"`) {
		t.Errorf("--by model: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestVersion(t *testing.T) {
	out, _, code := run(t, "version")
	if code != 0 || !strings.HasPrefix(out, "llmrep ") {
		t.Errorf("version: %d %q", code, out)
	}
}

func TestAnalyzeShardsByGlob(t *testing.T) {
	dir := t.TempDir()
	all := records("run-s", func(i int) bool { return i%20 != 7 })
	var even, odd []schemas.Record
	for i, r := range all {
		if i%2 == 0 {
			even = append(even, r)
		} else {
			r.Shard = 1
			odd = append(odd, r)
		}
	}
	m0, m1 := meta("run-s"), meta("run-s")
	m0.Shards, m1.Shards, m1.Shard = 2, 2, 1
	writeRun(t, filepath.Join(dir, "s0.parquet"), m0, even)
	writeRun(t, filepath.Join(dir, "s1.parquet"), m1, odd)
	whole := writeRun(t, filepath.Join(t.TempDir(), "whole.parquet"), meta("run-s"), all)

	glob, errOut, code := run(t, "analyze", filepath.Join(dir, "s*.parquet"), "--warmup", "0s", "--format", "json")
	if code != 0 {
		t.Fatalf("glob: status %d, stderr %q", code, errOut)
	}
	list, _, _ := run(t, "analyze", filepath.Join(dir, "s1.parquet"), filepath.Join(dir, "s0.parquet"), "--warmup", "0s", "--format", "json")
	one, _, _ := run(t, "analyze", whole, "--warmup", "0s", "--format", "json")
	type figures struct {
		Overall json.RawMessage `json:"overall"`
		Steps   json.RawMessage `json:"steps"`
	}
	var g, l, w figures
	for _, x := range []struct {
		s string
		f *figures
	}{{glob, &g}, {list, &l}, {one, &w}} {
		if err := json.Unmarshal([]byte(x.s), x.f); err != nil {
			t.Fatal(err)
		}
	}
	if string(g.Overall) != string(w.Overall) || string(l.Steps) != string(w.Steps) {
		t.Errorf("shards analyzed apart from the whole run:\nglob %s\nwhole %s", g.Overall, w.Overall)
	}
}
