package report

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/report/htmlreport"
	"github.com/llmrec/llmrec/schemas"
)

// TestChangedLiveInEveryFormat: a run whose level was changed live from
// the dashboard says so in every format: the header line "changed live"
// (text, Markdown; "Changed live" in HTML) and the warning, and in JSON
// run.shape.changes and the warning.
func TestChangedLiveInEveryFormat(t *testing.T) {
	m := &schemas.RunMeta{
		RunID: "changed", ToolVersion: "test", StartedAt: t0, EndedAt: t0.Add(30 * time.Second),
		EndReason: schemas.EndCompleted, Target: "http://127.0.0.1:8000", API: "openai-chat", Model: "m",
		Labels: map[string]string{}, Hostname: "host", Shards: 1,
		Shape: schemas.Shape{StepUsers: 10, StepTimeS: 10, MaxUsers: 30, SpawnRate: 10, DurationS: 30,
			Changes: []schemas.ShapeChange{{At: t0.Add(12500 * time.Millisecond), AtS: 12.5, Step: 3, Level: 5, By: schemas.ChangedByDashboard}}},
	}
	var recs []schemas.Record
	for k, users := range []int32{10, 20, 5} {
		for i := range 40 {
			at := time.Duration(k)*10*time.Second + time.Duration(i)*250*time.Millisecond
			recs = append(recs, schemas.Record{RunID: m.RunID, Seq: int64(len(recs)), User: int32(i % int(users)), Step: int32(k + 1),
				Users: users, ScheduledAt: t0.Add(at), Start: t0.Add(at), LatencyMS: 100, Status: 200, OK: true, Chunks: 1})
		}
	}
	o := analyze.DefaultOptions()
	o.Warmup, o.Window, o.Threads = 0, 5*time.Second, 2
	a, err := analyze.Analyze(t.Context(), o, writeRun(t, filepath.Join(t.TempDir(), "run.parquet"), m, recs))
	if err != nil {
		t.Fatal(err)
	}
	var txt, md, html, js bytes.Buffer
	for _, err := range []error{Text(&txt, a), Markdown(&md, a), htmlreport.Render(&html, a), JSON(&js, a)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	line := "from step 3 on 5 users (at 12.5s, from the dashboard)"
	warning := "the shape was changed live, once: at 12.5s (from the dashboard): from step 3 on, 5 users"
	for name, out := range map[string]string{"text": txt.String(), "markdown": md.String(), "html": html.String()} {
		if !strings.Contains(out, line) || !strings.Contains(out, warning) {
			t.Errorf("%s lacks the change (%q) or its warning (%q)", name, line, warning)
		}
	}
	if !strings.Contains(html.String(), "<dt>Changed live</dt>") {
		t.Error("html: no Changed live field")
	}
	var doc struct {
		Run struct {
			Shape struct {
				Changes []schemas.ShapeChange `json:"changes"`
			} `json:"shape"`
		} `json:"run"`
		Steps []struct {
			Level float64 `json:"level"`
		} `json:"steps"`
		Warnings []string `json:"warnings"`
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if c := doc.Run.Shape.Changes; len(c) != 1 || c[0].Step != 3 || c[0].Level != 5 || c[0].By != "dashboard" || !c[0].At.Equal(t0.Add(12500*time.Millisecond)) {
		t.Errorf("json run.shape.changes %+v", c)
	}
	if len(doc.Steps) != 3 || doc.Steps[2].Level != 5 || !strings.Contains(strings.Join(doc.Warnings, "\n"), warning) {
		t.Errorf("json steps %+v, warnings %q", doc.Steps, doc.Warnings)
	}
}
