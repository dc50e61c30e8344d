package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/llmrec/llmrec/analyze/export"
)

// TestExportCommand runs `llmrep export` on a fixture run: to a file and to
// stdout, CSV and JSONL, and checks the rows, columns and a few values.
func TestExportCommand(t *testing.T) {
	dir := t.TempDir()
	in := goodRun(t, dir)
	recs := records("run-1", func(i int) bool { return i%20 != 7 })

	out := filepath.Join(dir, "rows.csv")
	stdout, stderr, code := run(t, "export", in, "-o", out, "--warmup", "10s")
	if code != 0 || stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if want := "llmrep: wrote 120 rows to " + out + "\n"; stderr != want {
		t.Errorf("stderr %q, want %q", stderr, want)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(recs)+1 || strings.Join(rows[0], ",") != strings.Join(export.ExportColumns, ",") {
		t.Fatalf("%d lines, header %v", len(rows), rows[0])
	}
	col := map[string]int{}
	for i, c := range rows[0] {
		col[c] = i
	}
	for i, r := range rows[1:] {
		rec := recs[i]
		// Requests are 250 ms apart: the first 40 (10 s) are warmup.
		wantWarm := i < 40
		if got := r[col["warmup"]]; got != map[bool]string{true: "true", false: "false"}[wantWarm] {
			t.Errorf("row %d warmup %s, want %v", i, got, wantWarm)
		}
		if got, want := r[col["start"]], rec.Start.UTC().Format("2006-01-02T15:04:05.000000Z"); got != want {
			t.Errorf("row %d start %s, want %s", i, got, want)
		}
		if got, want := r[col["error_class"]], map[bool]string{true: "", false: "http_5xx"}[rec.OK]; got != want {
			t.Errorf("row %d error_class %q, want %q", i, got, want)
		}
	}

	stdout, stderr, code = run(t, "export", in, "--format", "jsonl")
	if code != 0 || stderr != "" {
		t.Fatalf("jsonl: exit %d, stderr %q", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(lines) != len(recs) {
		t.Fatalf("jsonl: %d lines, want %d", len(lines), len(recs))
	}
	var row7 map[string]any
	if err := json.Unmarshal([]byte(lines[7]), &row7); err != nil {
		t.Fatal(err)
	}
	if row7["ok"] != false || row7["ttft_ms"] != nil || row7["error"] != "503 Service Unavailable" || row7["start_ms"] != 1750.0 {
		t.Errorf("jsonl row 7: %v", row7)
	}
}

// TestExportCommandErrors checks the exit statuses and the one-line
// messages of bad usage, bad input and an output that must not be written
// (exit 2, as every command's output the rule refuses).
func TestExportCommandErrors(t *testing.T) {
	dir := t.TempDir()
	in := goodRun(t, dir)
	orig, _ := os.ReadFile(in)
	link := filepath.Join(dir, "link.csv")
	if err := os.Symlink(filepath.Join(dir, "elsewhere.txt"), link); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"export"}, 2, "at least one run file"},
		{[]string{"export", in, "--format", "xlsx"}, 2, `--format "xlsx" must be csv or jsonl`},
		{[]string{"export", in, "--warmup", "-1s"}, 2, "must not be negative"},
		{[]string{"export", filepath.Join(dir, "missing.parquet")}, 3, "no such file"},
		// The output rule: refused, exit 2 (round 2 said 1).
		{[]string{"export", in, "-o", in}, 2, "it is the input"},
		{[]string{"export", in, "-o", link}, 2, "a symbolic link to nothing"},
		{[]string{"export", in, "-o", dir}, 2, "it is a directory"},
	} {
		stdout, stderr, code := run(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.msg) || strings.Count(stderr, "\n") != 1 || stdout != "" {
			t.Errorf("%v: exit %d, stderr %q, stdout %d bytes; want exit %d and one line with %q", tc.args, code, stderr, len(stdout), tc.code, tc.msg)
		}
	}
	if b, _ := os.ReadFile(in); string(b) != string(orig) {
		t.Error("the input changed")
	}
	if _, err := os.Stat(filepath.Join(dir, "elsewhere.txt")); err == nil {
		t.Error("the export was written through the symbolic link")
	}
}
