package report

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/analyzetest"
	"github.com/llmrec/llmrec/report/htmlreport"
	"github.com/llmrec/llmrec/schemas"
)

// searchLevels are the probes of searchRun in time order (req/s), with
// each level's latency (ms) after its probe's warmup.
var searchLevels = []struct{ rate, ms float64 }{{8, 100}, {16, 3000}, {12, 600}, {10, 100}, {11, 100}}

// searchRun writes a deterministic capacity search as llmrec search
// writes one: steps of 4 s, each probe's first second its own warmup,
// levels in probe order (8, 16, 12, 10, 11 req/s), constant arrivals.
// Every request sent in a probe's warmup took 5 s (the previous probe's
// queue): none of them may count. After its warmup a probe's requests
// take 100 ms at 8, 10 and 11 req/s, 600 ms at 12 and 3 s at 16.
func searchRun(t *testing.T, dir string) (path string, measured []int64) {
	t.Helper()
	f := func(v float64) *float64 { return &v }
	sr := &schemas.Search{Kind: "rate", SLO: "latency=400ms", SLOWords: "latency ≤ 400 ms", SLOTarget: 0.9, Alpha: 0.05,
		ErrorThreshold: 0.01, Resolution: 0.1, Relative: true, ProbeS: 3, MaxLooks: 3, Met: f(11), Missed: f(12),
		End: schemas.SearchBracketed}
	var levels []float64
	for i, l := range searchLevels {
		levels = append(levels, l.rate)
		v := schemas.ProbeMeets
		if l.ms > 400 {
			v = schemas.ProbeMisses
		}
		sr.Probes = append(sr.Probes, schemas.Probe{Step: i + 1, Level: l.rate, Due: int64(3 * l.rate), Verdict: v, Reason: "slo"})
	}
	m := &schemas.RunMeta{
		RunID: "search", ToolVersion: "test", StartedAt: t0, EndedAt: t0.Add(20 * time.Second),
		EndReason: schemas.EndCompleted, Target: "http://127.0.0.1:8000", API: "openai-chat", Model: "m", Stream: false,
		MaxTokens: 16, Labels: map[string]string{}, Hostname: "host", Shards: 1,
		Shape: schemas.Shape{Profile: "search", Arrival: schemas.ArrivalConstant, Rate: 8, MaxRate: 16, StepTimeS: 4, DurationS: 20,
			Burstiness: 1, Seed: 1, ProbeWarmupS: 1, Levels: levels, Search: sr},
	}
	var recs []schemas.Record
	for k, l := range searchLevels {
		from := time.Duration(k) * 4 * time.Second
		n := int(4 * l.rate)
		for i := range n {
			at := from + time.Duration(i)*time.Second/time.Duration(l.rate)
			lat := l.ms
			if at-from < time.Second {
				lat = 5000
			}
			recs = append(recs, schemas.Record{RunID: m.RunID, Seq: int64(len(recs)), User: int32(len(recs)), Step: int32(k + 1),
				Users: 4, ScheduledAt: t0.Add(at), Start: t0.Add(at), LatencyMS: lat, Status: 200, OK: true})
		}
		measured = append(measured, int64(n)-int64(l.rate))
	}
	m.EstimatedOutputRows = int64(len(recs))
	return writeRun(t, filepath.Join(dir, "search.parquet"), m, recs), measured
}

// TestSearchReports: a capacity search's file read by llmrep. Each
// probe's own warmup is left out of its step (its requests, its
// percentiles); the baseline, the saturation and the steady state the
// health bands judge follow the levels, not the time order (the steady
// state is the steps below the saturation level, 12 req/s: not the
// earlier probe at 16); and every format says it was a search, with its
// bracket and its probe sequence.
func TestSearchReports(t *testing.T) {
	path, measured := searchRun(t, t.TempDir())
	o := analyze.DefaultOptions()
	o.Window, o.Threads = 2*time.Second, 2
	o.SLO = analyze.SLO{Latency: 400 * time.Millisecond}
	a, err := analyze.Analyze(t.Context(), o, path)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Steps) != len(searchLevels) {
		t.Fatalf("%d steps, want %d", len(a.Steps), len(searchLevels))
	}
	for i, s := range a.Steps {
		if s.Requests != measured[i] || s.Level != searchLevels[i].rate || s.P99MS == nil || *s.P99MS != searchLevels[i].ms {
			t.Errorf("step %d: level %g, %d requests, p99 %v: want level %g, %d requests (its warmup's left out), p99 %g",
				s.Step, s.Level, s.Requests, s.P99MS, searchLevels[i].rate, measured[i], searchLevels[i].ms)
		}
	}
	if a.Baseline == nil || a.Baseline.Step != 1 || !a.Saturation.Reached || a.Saturation.Step == nil || *a.Saturation.Step != 3 {
		t.Fatalf("baseline %+v, saturation %+v: want the baseline at 8 req/s (step 1), saturation at 12 req/s (step 3)", a.Baseline, a.Saturation)
	}
	st := a.Steady
	below := measured[0] + measured[3] + measured[4] // 8, 10 and 11 req/s
	if !st.BeforeSaturation || st.BelowLevel == nil || *st.BelowLevel != 12 || st.Requests != below || st.LastStep != 5 ||
		st.P99MS == nil || *st.P99MS != 100 {
		t.Errorf("steady %+v (p99 %v): want the %d requests of the steps below 12 req/s, p99 100 ms, the last step 5", st, st.P99MS, below)
	}
	if a.Peak.LastLevel == nil || *a.Peak.LastLevel != 16 {
		t.Errorf("peak %+v: the drop after the peak is to the highest level, 16 req/s (step 2), not to the last probe's", a.Peak)
	}
	if a.Capacity.Level == nil || *a.Capacity.Level != 11 {
		t.Errorf("capacity %+v, want 11 req/s", a.Capacity)
	}
	var txt, md, js, html bytes.Buffer
	for name, render := range map[string]func() error{
		"text": func() error { return Text(&txt, a) }, "markdown": func() error { return Markdown(&md, a) },
		"json": func() error { return JSON(&js, a) }, "html": func() error { return htmlreport.Render(&html, a) },
	} {
		if err := render(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	words := func(s string) string { return strings.Join(strings.Fields(s), " ") } // the text report wraps lines
	for name, out := range map[string]string{"text": words(txt.String()), "markdown": words(md.String()), "html": words(html.String())} {
		for _, want := range []string{"capacity search of constant arrivals: probes of 3s after 1s of warmup each",
			"apacity 11–12 req/s within latency ≤ 400 ms at 90", "A capacity search of 5 probes (bracketed to 10",
			"8 met, 16 missed, 12 missed, 10 met, 11 met", "before saturation (the steps below level 12"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s does not say %q", name, want)
			}
		}
	}
	// JSON gives the search as data: its kind, bracket and probes.
	var doc struct {
		Run struct {
			Shape struct {
				Profile string
				Search  schemas.Search
			}
		}
		Steady analyze.Steady
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	jsr := doc.Run.Shape.Search
	if doc.Run.Shape.Profile != "search" || jsr.Met == nil || *jsr.Met != 11 || jsr.Missed == nil || *jsr.Missed != 12 ||
		len(jsr.Probes) != 5 || jsr.Probes[1].Level != 16 || jsr.Probes[1].Verdict != schemas.ProbeMisses || jsr.MaxLooks != 3 {
		t.Errorf("json shape %q, search %+v: want the search, its bracket 11–12 and its 5 probes", doc.Run.Shape.Profile, jsr)
	}
	if doc.Steady.BelowLevel == nil || *doc.Steady.BelowLevel != 12 {
		t.Errorf("json steady %+v: want below_level 12", doc.Steady)
	}
}

// TestSearchReportsStepsOfTheirOwnLengths: a search whose probes ended on
// their own (analyzetest.SpanSearch: steps of 6, 13 and 7 s) says so in
// every format, and the JSON report gives the step ends and each step's
// true span.
func TestSearchReportsStepsOfTheirOwnLengths(t *testing.T) {
	m, recs := analyzetest.SpanSearch("run-spans", false)
	path := writeRun(t, filepath.Join(t.TempDir(), "spans.parquet"), m, recs)
	o := analyze.DefaultOptions()
	o.Threads, o.SLO = 2, analyze.SLO{Latency: 400 * time.Millisecond}
	a, err := analyze.Analyze(t.Context(), o, path)
	if err != nil {
		t.Fatal(err)
	}
	var txt, md, js, html bytes.Buffer
	for name, render := range map[string]func() error{
		"text": func() error { return Text(&txt, a) }, "markdown": func() error { return Markdown(&md, a) },
		"json": func() error { return JSON(&js, a) }, "html": func() error { return htmlreport.Render(&html, a) },
	} {
		if err := render(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	words := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	want := "probes of up to 11s after 2s of warmup each; a probe ends once its test decides"
	for name, out := range map[string]string{"text": words(txt.String()), "markdown": words(md.String()), "html": words(html.String())} {
		if !strings.Contains(out, want) {
			t.Errorf("%s report does not say %q", name, want)
		}
	}
	var j struct {
		Run struct {
			Shape struct {
				StepEndsS []float64 `json:"step_ends_s"`
			} `json:"shape"`
		} `json:"run"`
		Steps []struct {
			StartS float64 `json:"start_s"`
			EndS   float64 `json:"end_s"`
		} `json:"steps"`
	}
	if err := json.Unmarshal(js.Bytes(), &j); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(j.Run.Shape.StepEndsS, analyzetest.SpanEnds) {
		t.Errorf("JSON step_ends_s %v, want %v", j.Run.Shape.StepEndsS, analyzetest.SpanEnds)
	}
	spans := [][2]float64{{2, 6}, {8, 19}, {21, 26}} // each after its own 2 s warmup
	for i, s := range j.Steps {
		if i >= len(spans) || s.StartS != spans[i][0] || s.EndS != spans[i][1] {
			t.Errorf("JSON step %d spans [%g, %g), want %v", i+1, s.StartS, s.EndS, spans)
		}
	}
}
