package report

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/analyzetest"
	"github.com/llmrec/llmrec/report/view"
	"github.com/llmrec/llmrec/schemas"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// kneeRun writes a deterministic run: six 10 s steps of 10..60 users whose
// latency is flat, then climbs; streaming with TTFT and tokens; failures
// from step 5; a label with Markdown and HTML in it.
func kneeRun(t *testing.T, dir string) string {
	t.Helper()
	m := &schemas.RunMeta{
		RunID: "golden-knee", ToolVersion: "test", StartedAt: t0, EndedAt: t0.Add(58 * time.Second),
		EndReason: schemas.EndInterrupted, Target: "http://127.0.0.1:8000", API: "openai-chat", Model: "sim-knee",
		Stream: true, MaxTokens: 64, Labels: map[string]string{"model": "v2", "note": "a|b <i>x</i> *y*"},
		Hostname: "host", Shards: 1,
		Shape: schemas.Shape{Profile: "default", StepUsers: 10, StepTimeS: 10, MaxUsers: 60, SpawnRate: 10},
	}
	var recs []schemas.Record
	seq := 0
	for step := 1; step <= 6; step++ {
		n := 50
		if step == 6 {
			n = 20
		}
		base := []float64{500, 510, 520, 900, 2500, 6000}[step-1]
		for i := range n {
			start := t0.Add(time.Duration(float64(step-1)*10e9 + float64(i)*8e9/float64(n)))
			if step == 6 && i >= 10 {
				continue // the run was interrupted at 58 s
			}
			lat := base + float64((i*37)%n)*base/float64(5*n)
			ttft := lat / 10
			tok := int32(32 + i%8)
			prompt := int32(12)
			r := schemas.Record{RunID: m.RunID, Seq: int64(seq), User: int32(i % (step * 10)), Step: int32(step),
				Users: int32(step * 10), ScheduledAt: start.Add(-2 * time.Millisecond), Start: start, LatencyMS: lat,
				TTFTMS: &ttft, Status: 200, OK: true, OutputTokens: &tok, PromptTokens: &prompt, Chunks: tok, BytesIn: 4000}
			if step >= 5 && i%7 == 3 {
				c, e := schemas.ErrHTTP5xx, "503 from upstream | overloaded"
				if i%2 == 0 {
					c, e = schemas.ErrTimeout, "request exceeded 120s"
				}
				r.OK, r.Status, r.ErrorClass, r.Error, r.TTFTMS, r.OutputTokens = false, 503, &c, &e, nil, nil
			}
			recs = append(recs, r)
			seq++
		}
	}
	return writeRun(t, filepath.Join(dir, "knee.parquet"), m, recs)
}

func writeRun(t *testing.T, path string, m *schemas.RunMeta, recs []schemas.Record) string {
	t.Helper()
	if err := analyzetest.WriteRecords(path, m, recs); err != nil {
		t.Fatal(err)
	}
	return path
}

// streamedRun is a run with chunk times (schema version 2): the ITL and
// stall figures; one success in ten pauses 1.5 s mid-answer.
func streamedRun(t *testing.T, dir string) string {
	t.Helper()
	s := analyzetest.Streamed
	s.Users, s.PerStep, s.StallEvery = []int{10, 20, 30}, 40, 10
	path := filepath.Join(dir, "streamed.parquet")
	if err := analyzetest.Write(path, s); err != nil {
		t.Fatal(err)
	}
	return path
}

func emptyRun(t *testing.T, dir string) string {
	m := &schemas.RunMeta{RunID: "golden-empty", ToolVersion: "test", StartedAt: t0, EndedAt: t0.Add(5 * time.Second),
		EndReason: schemas.EndCompleted, API: "http", Target: "http://127.0.0.1:9", Labels: map[string]string{}, Shards: 1,
		Shape: schemas.Shape{StepUsers: 10, StepTimeS: 60, MaxUsers: 100}}
	return writeRun(t, filepath.Join(dir, "empty.parquet"), m, nil)
}

func analyzeFile(t *testing.T, path string) *analyze.Analysis {
	t.Helper()
	return analyzeFileSLO(t, path, analyze.SLO{})
}

// analyzeFileSLO is analyzeFile with --slo.
func analyzeFileSLO(t *testing.T, path string, slo analyze.SLO) *analyze.Analysis {
	t.Helper()
	return analyzeFileWith(t, path, slo, goldenPercentiles[filepath.Base(path)])
}

// goldenPercentiles are the --percentiles of a golden run, by file.
var goldenPercentiles = map[string][]float64{"streamed.parquet": {50, 99, 99.9}}

// analyzeFileWith is analyzeFile with --slo and --percentiles.
func analyzeFileWith(t *testing.T, path string, slo analyze.SLO, ps []float64) *analyze.Analysis {
	t.Helper()
	o := analyze.DefaultOptions()
	o.Warmup, o.Window, o.Threads = 5*time.Second, 5*time.Second, 2
	o.SLO, o.Percentiles = slo, ps
	a, err := analyze.Analyze(context.Background(), o, path)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestGolden(t *testing.T) {
	dir := t.TempDir()
	runs := map[string]string{"knee": kneeRun(t, dir), "empty": emptyRun(t, dir), "streamed": streamedRun(t, dir)}
	renderers := map[string]func(*bytes.Buffer, *analyze.Analysis) error{
		"txt":  func(b *bytes.Buffer, a *analyze.Analysis) error { return Text(b, a) },
		"json": func(b *bytes.Buffer, a *analyze.Analysis) error { return JSON(b, a) },
		"md":   func(b *bytes.Buffer, a *analyze.Analysis) error { return Markdown(b, a) },
	}
	for name, path := range runs {
		a := analyzeFile(t, path)
		for ext, render := range renderers {
			t.Run(name+"."+ext, func(t *testing.T) {
				var got bytes.Buffer
				if err := render(&got, a); err != nil {
					t.Fatal(err)
				}
				// Deterministic: a second render is identical.
				var again bytes.Buffer
				render(&again, analyzeFile(t, path))
				if !bytes.Equal(got.Bytes(), again.Bytes()) {
					t.Error("two renders of the same run differ")
				}
				golden := filepath.Join("testdata", name+"."+ext)
				if *update {
					if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test -update)", err)
				}
				if !bytes.Equal(got.Bytes(), want) {
					t.Errorf("%s differs from the golden file (go test -update to accept):\n%s", golden, diff(string(want), got.String()))
				}
				if ext == "txt" {
					for i, l := range strings.Split(got.String(), "\n") {
						if n := utf8.RuneCountInString(l); n > Width {
							t.Errorf("line %d has %d columns: %q", i+1, n, l)
						}
					}
				}
			})
		}
	}
}

// diff shows the first differing lines.
func diff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(wl), len(gl)) && shown < 10; i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			fmt.Fprintf(&b, "line %d:\n  want %q\n  got  %q\n", i+1, w, g)
			shown++
		}
	}
	return b.String()
}

func TestMarkdownIsBounded(t *testing.T) {
	a := analyzeFile(t, kneeRun(t, t.TempDir()))
	many := make([]analyze.Step, 0, 5000)
	for i := range 5000 {
		s := a.Steps[i%len(a.Steps)]
		s.Step = i + 1
		many = append(many, s)
	}
	a.Steps = many
	for i := range 200 {
		a.Warnings = append(a.Warnings, analyze.Warning{Text: fmt.Sprintf("warning %d %s", i, strings.Repeat("x", 200))})
	}
	var b bytes.Buffer
	if err := Markdown(&b, a); err != nil {
		t.Fatal(err)
	}
	if b.Len() >= MaxMarkdown {
		t.Errorf("markdown is %d bytes, want < %d", b.Len(), MaxMarkdown)
	}
	if !strings.Contains(b.String(), "steps are left out") || !strings.Contains(b.String(), "| 5000 |") {
		t.Error("the cut is not said, or the last step is missing")
	}
}

func TestTextMarksNA(t *testing.T) {
	a := analyzeFile(t, emptyRun(t, t.TempDir()))
	var b bytes.Buffer
	if err := Text(&b, a); err != nil {
		t.Fatal(err)
	}
	totals := strings.Split(b.String(), "TOTALS")[1]
	row := strings.Split(totals, "\n")[2]
	if !strings.Contains(row, "n/a") || strings.Contains(row, " 0.0 ") {
		t.Errorf("empty totals row %q: want n/a, never 0", row)
	}
}

func TestTextWidthWithLargeNumbers(t *testing.T) {
	a := analyzeFile(t, kneeRun(t, t.TempDir()))
	big := 123456.7
	for i := range a.Steps {
		s := &a.Steps[i]
		s.Requests, s.OK, s.Failures = 1234567, 1234567, 1234567
		s.P50MS, s.P90MS, s.P95MS, s.P99MS, s.MaxMS = &big, &big, &big, &big, &big
		s.Users = 12345
	}
	var b bytes.Buffer
	if err := Text(&b, a); err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(b.String(), "\n") {
		if n := utf8.RuneCountInString(l); n > Width {
			t.Errorf("line %d has %d columns: %q", i+1, n, l)
		}
	}
}

// A run without a successful request says so as its verdict, in every
// format, and in a warning.
func TestNoFiguresVerdict(t *testing.T) {
	path := filepath.Join(t.TempDir(), "broken.parquet")
	if err := analyzetest.Write(path, analyzetest.Broken); err != nil {
		t.Fatal(err)
	}
	a := analyzeFile(t, path)
	for name, f := range map[string]func(*bytes.Buffer) error{
		"text":     func(w *bytes.Buffer) error { return Text(w, a) },
		"markdown": func(w *bytes.Buffer) error { return Markdown(w, a) },
	} {
		var buf bytes.Buffer
		if err := f(&buf); err != nil {
			t.Fatal(err)
		}
		out := strings.Join(strings.Fields(buf.String()), " ")
		verdict := out[:min(len(out), 600)]
		if !strings.Contains(verdict, "no verdict: every figure is n/a") {
			t.Errorf("%s: the verdict does not say every figure is n/a:\n%s", name, buf.String())
		}
		if !strings.Contains(out, "every request failed") {
			t.Errorf("%s: no warning", name)
		}
	}
}

// A warmup that removes a whole step is said in the verdict of every
// format (the HTML page: htmlreport's TestHeavyWarmupNotice).
func TestHeavyWarmupInVerdict(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.parquet")
	spec := analyzetest.A
	spec.StepS = 10
	if err := analyzetest.Write(path, spec); err != nil {
		t.Fatal(err)
	}
	o := analyze.DefaultOptions()
	o.Warmup, o.Threads = 25*time.Second, 2
	a, err := analyze.Analyze(context.Background(), o, path)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Warmup.Heavy || a.Warmup.WholeSteps != 2 {
		t.Fatalf("warmup %+v", a.Warmup)
	}
	const want = "the warmup (25s) removed"
	for name, f := range map[string]func(*bytes.Buffer) error{
		"text":     func(w *bytes.Buffer) error { return Text(w, a) },
		"markdown": func(w *bytes.Buffer) error { return Markdown(w, a) },
	} {
		var buf bytes.Buffer
		if err := f(&buf); err != nil {
			t.Fatal(err)
		}
		out := strings.Join(strings.Fields(buf.String()), " ")
		if i := strings.Index(out, want); i < 0 || i > 200 || !strings.Contains(out, "and 2 whole steps") {
			t.Errorf("%s: the verdict does not lead with %q:\n%s", name, want, buf.String())
		}
	}
}

// The terminal report leads with the verdict, then the run and the
// tables; the definitions come once, whole (wrapped, never cut mid-word),
// at the end. Its words
// are a reader's: no "step(s)", no "1 steps", no slopes in the verdict.
func TestTextVerdictFirstInPlainWords(t *testing.T) {
	var buf bytes.Buffer
	a := analyzeFile(t, kneeRun(t, t.TempDir()))
	if err := Text(&buf, a); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	lines := strings.Split(out, "\n")
	if len(lines) < 3 || lines[2] != "VERDICT" {
		t.Errorf("the report does not lead with its verdict:\n%s", strings.Join(lines[:min(len(lines), 6)], "\n"))
	}
	order := []string{"\nVERDICT\n", "\nRUN\n", "\nTOTALS", "\nHEALTH", "\nSTEPS", "\nWARNINGS", "\nDEFINITIONS"}
	at := -1
	for _, s := range order {
		i := strings.Index(out, s)
		if i <= at {
			t.Errorf("%q is not after the previous section (at %d, previous at %d)", s, i, at)
		}
		at = i
	}
	defs := strings.Join(strings.Fields(out[strings.Index(out, "\nDEFINITIONS"):]), " ")
	for _, d := range view.AnalysisDefinitions(a) {
		if !strings.Contains(defs, strings.Join(strings.Fields(d.Definition), " ")) {
			t.Errorf("definition %q is not whole in the text report", d.Figure)
		}
	}
	if strings.Contains(defs, "…") {
		t.Error("a definition is cut")
	}
	verdict := out[:strings.Index(out, "\nRUN\n")]
	for _, jargon := range []string{"(s)", "1 steps", "slope", "max/min", "ms/user"} {
		if strings.Contains(verdict, jargon) {
			t.Errorf("the verdict says %q:\n%s", jargon, verdict)
		}
	}
	if !strings.Contains(verdict, "p95 rose") {
		t.Errorf("the growth is not said in words:\n%s", verdict)
	}
	if strings.Contains(out, "(s)") || strings.Contains(out, " 1 steps") {
		t.Errorf("the report has a plural it did not choose:\n%s", out)
	}
}
