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
	"github.com/llmrec/llmrec/report/view"
	"github.com/llmrec/llmrec/schemas"
)

// turnsRun writes a run of 3-turn conversations behind 4 shared prefixes:
// each turn's prompt is longer and, as on a server that caches prefixes,
// its TTFT shorter.
func turnsRun(t *testing.T, dir string) string {
	t.Helper()
	m := &schemas.RunMeta{
		RunID: "turns", ToolVersion: "test", StartedAt: t0, EndedAt: t0.Add(30 * time.Second),
		EndReason: schemas.EndCompleted, Target: "http://127.0.0.1:8000", API: "openai-chat", Model: "m",
		Stream: true, MaxTokens: 64, Labels: map[string]string{}, Hostname: "host", Shards: 1,
		Shape:    schemas.Shape{Profile: "default", StepUsers: 10, StepTimeS: 10, MaxUsers: 30, SpawnRate: 10},
		Workload: &schemas.Workload{Prompts: "builtin", Seed: 5, Turns: 3, PrefixTokens: 200, Prefixes: 4},
	}
	var recs []schemas.Record
	for i := range 300 {
		turn, prefix := int32(i%3+1), int32(i%4)
		start := t0.Add(time.Duration(i) * 100 * time.Millisecond)
		ttft := 300/float64(turn) + float64(i%10)
		prompt, out := 250+200*(turn-1), int32(64)
		recs = append(recs, schemas.Record{RunID: m.RunID, Seq: int64(i), User: int32(i % 10), Step: int32(i/100 + 1),
			Users: int32(10 * (i/100 + 1)), ScheduledAt: start, Start: start, LatencyMS: 900, TTFTMS: &ttft, Status: 200,
			OK: true, PromptTokens: &prompt, OutputTokens: &out, Chunks: 64, BytesIn: 4000, Turn: &turn, Prefix: &prefix})
	}
	return writeRun(t, filepath.Join(dir, "turns.parquet"), m, recs)
}

// TestTurnsInEveryFormat: the TTFT by turn table (requests, TTFT p50/p95,
// mean prompt tokens) and the workload line naming the conversations and
// the prefixes are in the JSON, text, Markdown and HTML reports.
func TestTurnsInEveryFormat(t *testing.T) {
	a := analyzeFile(t, turnsRun(t, t.TempDir()))
	if len(a.Turns) != 3 || a.Turns[0].PromptTokensMean == nil || *a.Turns[2].PromptTokensMean != 650 || *a.Turns[0].TTFTP50MS <= *a.Turns[2].TTFTP50MS {
		t.Fatalf("turns %+v", a.Turns)
	}
	var js bytes.Buffer
	if err := JSON(&js, a); err != nil {
		t.Fatal(err)
	}
	var back struct {
		Run   struct{ Workload analyze.Workload } `json:"run"`
		Turns []analyze.Turn                      `json:"turns"`
	}
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || len(back.Turns) != 3 || back.Turns[1].Turn != 2 ||
		back.Run.Workload.Turns != 3 || back.Run.Workload.PrefixTokens != 200 || back.Run.Workload.Prefixes != 4 {
		t.Fatalf("JSON turns %+v workload %+v: %v", back.Turns, back.Run.Workload, err)
	}
	row := func(turn int) []string {
		x := a.Turns[turn-1]
		return []string{view.Int(x.Turn), view.Int(x.Requests), view.Num(x.TTFTP50MS, 1), view.Num(x.TTFTP95MS, 1), view.Num(x.PromptTokensMean, 1)}
	}
	for name, render := range map[string]func(*bytes.Buffer) error{
		"text":     func(b *bytes.Buffer) error { return Text(b, a) },
		"markdown": func(b *bytes.Buffer) error { return Markdown(b, a) },
		"html":     func(b *bytes.Buffer) error { return htmlreport.Render(b, a) },
	} {
		var b bytes.Buffer
		if err := render(&b); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		for _, want := range []string{"conversations of 3 turns", "4 shared prefixes of 200 tokens", "ttft p50 ms", "prompt tokens mean"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: no %q", name, want)
			}
		}
		for turn := 1; turn <= 3; turn++ {
			if !containsInOrder(out, row(turn)) {
				t.Errorf("%s: no row %v", name, row(turn))
			}
		}
	}
}

// containsInOrder reports whether s has a line holding every cell, in order.
func containsInOrder(s string, cells []string) bool {
	for _, line := range strings.Split(s, "\n") {
		rest, ok := line, true
		for _, c := range cells {
			i := strings.Index(rest, c)
			if i < 0 {
				ok = false
				break
			}
			rest = rest[i+len(c):]
		}
		if ok {
			return true
		}
	}
	return false
}
