package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/compare"
	"github.com/llmrec/llmrec/report/htmlreport"
	"github.com/llmrec/llmrec/schemas"
)

// openRun writes a deterministic open-loop run: constant arrivals at 10/s
// for 10 s, then 20/s for 10 s; the server sent no usage, so every output
// token count is the recorder's estimate. In step 2 every fourth arrival
// was sent 50 ms late (it waited for a slot).
func openRun(t *testing.T, dir string) string {
	t.Helper()
	m := &schemas.RunMeta{
		RunID: "open-loop", ToolVersion: "test", StartedAt: t0, EndedAt: t0.Add(20 * time.Second),
		EndReason: schemas.EndCompleted, Target: "http://127.0.0.1:8000", API: "openai-chat", Model: "m", Stream: true,
		MaxTokens: 64, Labels: map[string]string{}, Hostname: "host", Shards: 1,
		Shape: schemas.Shape{Arrival: schemas.ArrivalConstant, Rate: 10, StepRate: 10, MaxRate: 20, StepTimeS: 10, DurationS: 20,
			Burstiness: 1, Seed: 1},
		Workload: &schemas.Workload{OutputTokens: "30", IgnoreEOS: true, Prompts: "builtin", Seed: 1},
	}
	var recs []schemas.Record
	add := func(step int, at time.Duration, late time.Duration) {
		tok := int32(30)
		ttft := 40.0
		r := schemas.Record{RunID: m.RunID, Seq: int64(len(recs)), User: int32(len(recs)), Step: int32(step), Users: 3,
			ScheduledAt: t0.Add(at), Start: t0.Add(at + late), LatencyMS: 200, TTFTMS: &ttft, Status: 200, OK: true,
			OutputTokens: &tok, Chunks: tok}
		recs = append(recs, r)
	}
	for i := range 100 {
		add(1, time.Duration(i)*100*time.Millisecond, 0)
	}
	for i := range 200 {
		late := time.Duration(0)
		if i%4 == 0 {
			late = 50 * time.Millisecond
		}
		add(2, 10*time.Second+time.Duration(i)*50*time.Millisecond, late)
	}
	m.EstimatedOutputRows = int64(len(recs))
	return writeRun(t, filepath.Join(dir, "open.parquet"), m, recs)
}

// TestOpenLoopReports: text, Markdown and HTML show the open-loop step
// columns (offered, achieved, completed, waited; users are requests in
// flight) and say "estimated" beside the output-token figures.
func TestOpenLoopReports(t *testing.T) {
	o := analyze.DefaultOptions()
	o.Warmup, o.Window, o.Threads = 0, 5*time.Second, 2
	a, err := analyze.Analyze(t.Context(), o, openRun(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	if s := a.Steps; len(s) != 2 || s[1].Waited == nil || *s[1].Waited != 50 {
		t.Fatalf("analysis steps %+v: want 2 with 50 waits in step 2", s)
	}
	var txt, md, html bytes.Buffer
	if err := Text(&txt, a); err != nil {
		t.Fatal(err)
	}
	if err := Markdown(&md, a); err != nil {
		t.Fatal(err)
	}
	if err := htmlreport.Render(&html, a); err != nil {
		t.Fatal(err)
	}
	// Step 2: offered 20/s, 200 sent in its 10 s; completed within its
	// span: 196 of its own (the last four end after 20 s) and 2 of step 1's
	// (ending at 10.0 and 10.1 s), 198 in 10 s; 50 waited.
	stepRow := func(s string) string {
		for _, l := range strings.Split(s, "\n") {
			f := strings.Fields(strings.ReplaceAll(l, "|", " "))
			if len(f) > 6 && f[0] == "2" {
				return strings.Join(f[:6], " ")
			}
		}
		return ""
	}
	for name, out := range map[string]string{"text": txt.String(), "markdown": md.String()} {
		if !strings.Contains(out, "in-flight") || !strings.Contains(out, "offered") || !strings.Contains(out, "achieved") ||
			!strings.Contains(out, "completed") || !strings.Contains(out, "waited") {
			t.Errorf("%s: the open-loop columns are missing:\n%s", name, out)
		}
		if got, want := stepRow(out), "2 3 20.00 20.00 19.80 50"; got != want {
			t.Errorf("%s: step 2 row starts %q, want %q (step, in flight, offered, achieved, completed, waited)", name, got, want)
		}
		if !strings.Contains(out, "tokens/s per request (estimated)") || !strings.Contains(out, "utput tokens estimated") {
			t.Errorf("%s: output-token figures not marked estimated:\n%s", name, out)
		}
		// The Markdown report has no LLM step table; the text report's
		// gains the received tokens.
		if name == "text" && (!strings.Contains(out, "output p50/p95 (estimated)") || !strings.Contains(out, "30/30")) {
			t.Errorf("text: the received tokens per step are missing:\n%s", out)
		}
		for _, want := range []string{"constant arrivals at 10 req/s, +10 every 10s up to 20, seed 1", "at 10 req/s offered (step 1)",
			"prompts builtin, output 30 tokens, ignore_eos (seed 1)"} {
			if !strings.Contains(strings.ReplaceAll(out, `\_`, "_"), want) { // Markdown escapes _
				t.Errorf("%s: header lacks %q", name, want)
			}
		}
	}
	h := html.String()
	for _, want := range []string{"<th>offered req/s</th><th>achieved req/s</th><th>completed req/s</th><th>waited</th>",
		"<td>20.00</td><td>20.00</td><td>19.80</td><td>50</td>", "(estimated: the server sent no usage", "<dt>Workload</dt>", "constant arrivals at 10 req/s", "<th>tokens/s p50 (estimated)</th>", "Latency p95 and p99 against the offered rate", "Saturated at 20 req/s offered (throughput)", "Offered, achieved and completed rates"} {
		if !strings.Contains(h, want) {
			t.Errorf("html lacks %q", want)
		}
	}
}

// TestClosedReportsUnchanged: a closed run's reports have none of the
// open-loop columns or estimate marks.
func TestClosedReportsUnchanged(t *testing.T) {
	a := analyzeFile(t, kneeRun(t, t.TempDir()))
	var txt bytes.Buffer
	if err := Text(&txt, a); err != nil {
		t.Fatal(err)
	}
	s := txt.String()
	steps := strings.SplitN(s[strings.Index(s, "STEPS"):], "\n", 3)[1]
	body := s[:strings.Index(s, "DEFINITIONS")] // the definitions name both loops
	if strings.Contains(body, "offered") || strings.Contains(steps, "in-flight") || !strings.Contains(steps, "users") || strings.Contains(s, "estimated") {
		t.Errorf("a closed run's report has open-loop columns or estimate marks:\n%s", s)
	}
}

// TestOpenLoopCompareText: two open-loop runs compared are matched by
// offered rate, and the text says rates where a closed comparison says
// users.
func TestOpenLoopCompareText(t *testing.T) {
	dir := t.TempDir()
	o := analyze.DefaultOptions()
	o.Warmup, o.Window, o.Threads = 0, 5*time.Second, 2
	var runs []*analyze.RunData
	for _, name := range []string{"a", "b"} {
		sub := filepath.Join(dir, name)
		if err := os.Mkdir(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		path := openRun(t, sub)
		r, err := analyze.LoadRun(t.Context(), o, name, path)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, r)
	}
	c, err := compare.Compare(runs, compare.DefaultAlpha, compare.DefaultMinEffect)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := CompareText(&b, c); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	flat := strings.Join(strings.Fields(out), " ") // the text wraps long lines
	for _, want := range []string{"b saturates at 20 req/s offered vs 20 req/s offered for a", "no p95 change beyond ±5% at any matched offered rate",
		"by offered rate, post-warmup", "run offered requests", "10/s-20/s", "200ms at 10 req/s offered", "10/s 200.0 200.0"} {
		if !strings.Contains(flat, want) {
			t.Errorf("compare text lacks %q:\n%s", want, out)
		}
	}
	// The analyzer's settings and definitions are its own; the tables and
	// verdicts must not speak of users.
	body := out[strings.Index(out, "VERDICTS"):]
	if i := strings.Index(body, "WARNINGS"); i >= 0 {
		body = body[:i]
	}
	if i := strings.Index(body, "DEFINITIONS"); i >= 0 {
		body = body[:i]
	}
	if strings.Contains(body, "users") {
		t.Errorf("an open-loop comparison's tables speak of users:\n%s", body)
	}
	var h bytes.Buffer
	if err := htmlreport.RenderComparison(&h, c); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<th>offered rate</th>", "p95 against the offered rate", "<td>20/s</td>"} {
		if !strings.Contains(h.String(), want) {
			t.Errorf("compare html lacks %q", want)
		}
	}
}
