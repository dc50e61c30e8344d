package report

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/compare"
	"github.com/llmrec/llmrec/report/htmlreport"
	"github.com/llmrec/llmrec/schemas"
	"github.com/llmrec/llmrec/schemas/runfile"
)

// withTelemetry rewrites the run file at path with server telemetry: a
// scrape a second, waiting 0 then 12 from 41 s, KV cache 40% then 98%.
func withTelemetry(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	ft, err := runfile.ReadFooter(f, st.Size(), path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := parquet.Read[schemas.Record](f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	tel := &schemas.Telemetry{Source: "http://127.0.0.1:8000/metrics", IntervalS: 1, Scrapes: 59, Every: 1}
	w := schemas.TelemetrySeries{Name: "vllm:num_requests_waiting", Type: "gauge"}
	kv := schemas.TelemetrySeries{Name: "vllm:kv_cache_usage_perc", Type: "gauge"}
	for s := 0; s <= 58; s++ {
		wv, kvv := 0.0, 0.4
		if s > 40 {
			wv, kvv = 12, 0.98
		}
		tel.T = append(tel.T, float64(s))
		w.V, kv.V = append(w.V, &wv), append(kv.V, &kvv)
	}
	tel.Series = []schemas.TelemetrySeries{w, kv}
	ft.Meta.Telemetry = tel
	return writeRun(t, filepath.Join(t.TempDir(), "tel.parquet"), ft.Meta, recs)
}

// TestTelemetryInEveryFormat: a run with server telemetry reports it in
// text, Markdown, HTML (a section and two charts) and JSON, with the
// sentence naming the signals that moved at the saturation point; the
// same run without telemetry reports none.
func TestTelemetryInEveryFormat(t *testing.T) {
	dir := t.TempDir()
	plain := kneeRun(t, dir)
	a := analyzeFile(t, withTelemetry(t, plain))
	if a.Telemetry == nil || !a.Saturation.Reached {
		t.Fatalf("fixture: telemetry %v, saturation %+v", a.Telemetry, a.Saturation)
	}
	sentence := "At the saturation point (50 users) the server's waiting queue grew from 0 to 12 and its KV cache was 98% full."
	render := map[string]func(*bytes.Buffer, *analyze.Analysis) error{
		"text":     func(b *bytes.Buffer, a *analyze.Analysis) error { return Text(b, a) },
		"markdown": func(b *bytes.Buffer, a *analyze.Analysis) error { return Markdown(b, a) },
		"html":     func(b *bytes.Buffer, a *analyze.Analysis) error { return htmlreport.Render(b, a) },
	}
	want := map[string][]string{
		"text":     {"SERVER  its own metrics: http://127.0.0.1:8000/metrics every 1s, 59 of 59 scrapes read", "wait max", "98%"},
		"markdown": {"### Server telemetry", "| wait max |", "98%"},
		"html":     {"<h2>Server telemetry</h2>", "Server: running and waiting requests, with p95", "Server: KV cache and preemptions", "<th>wait max</th>"},
	}
	for name, r := range render {
		var b bytes.Buffer
		if err := r(&b, a); err != nil {
			t.Fatal(err)
		}
		out := strings.Join(strings.Fields(b.String()), " ")
		if name == "html" {
			out = strings.ReplaceAll(out, "&#39;", "'")
		}
		for _, w := range append(want[name], sentence) {
			if !strings.Contains(out, strings.Join(strings.Fields(w), " ")) {
				t.Errorf("%s report lacks %q", name, w)
			}
		}
		var pb bytes.Buffer
		if err := r(&pb, analyzeFile(t, plain)); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(pb.String(), "Server telemetry") || strings.Contains(pb.String(), "SERVER ") {
			t.Errorf("%s report of a run without telemetry has a telemetry section", name)
		}
	}
	var jb bytes.Buffer
	if err := JSON(&jb, a); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Telemetry *struct {
			Summary string `json:"summary"`
			Steps   []struct {
				Step       int      `json:"step"`
				WaitingMax *float64 `json:"waiting_max"`
			} `json:"steps"`
		} `json:"telemetry"`
	}
	if err := json.Unmarshal(jb.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Telemetry == nil || !strings.Contains(doc.Telemetry.Summary, sentence) {
		t.Fatalf("JSON telemetry %+v", doc.Telemetry)
	}
	for _, s := range doc.Telemetry.Steps {
		wantMax := 0.0
		if s.Step >= 5 {
			wantMax = 12
		}
		if s.WaitingMax == nil || *s.WaitingMax != wantMax {
			t.Errorf("step %d waiting_max %v, want %v", s.Step, s.WaitingMax, wantMax)
		}
	}
}

// TestTelemetryInCompare: compare gives each run's own server sentence in
// text, Markdown, HTML and JSON, and nothing for a run without telemetry.
func TestTelemetryInCompare(t *testing.T) {
	dir := t.TempDir()
	plain := kneeRun(t, dir)
	o := analyze.DefaultOptions()
	o.Warmup, o.Window, o.Threads = 5*time.Second, 5*time.Second, 2
	var runs []*analyze.RunData
	for _, p := range []struct{ name, path string }{{"before", plain}, {"after", withTelemetry(t, plain)}} {
		r, err := analyze.LoadRun(context.Background(), o, p.name, p.path)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, r)
	}
	c, err := compare.Compare(runs, 0.05, compare.DefaultMinEffect)
	if err != nil {
		t.Fatal(err)
	}
	sentence := "At the saturation point (50 users) the server's waiting queue grew from 0 to 12"
	var text, md, js, page bytes.Buffer
	if err := htmlreport.RenderComparison(&page, c); err != nil {
		t.Fatal(err)
	}
	if err := CompareText(&text, c); err != nil {
		t.Fatal(err)
	}
	if err := CompareMarkdown(&md, c); err != nil {
		t.Fatal(err)
	}
	if err := CompareJSON(&js, c); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"text": text.String(), "markdown": md.String(), "json": js.String(), "html": page.String()} {
		flat := strings.ReplaceAll(strings.Join(strings.Fields(out), " "), "&#39;", "'")
		if !strings.Contains(flat, sentence) || strings.Count(flat, "At the saturation point") != 1 {
			t.Errorf("%s comparison: want the one run's server sentence once:\n%s", name, out)
		}
	}
}
