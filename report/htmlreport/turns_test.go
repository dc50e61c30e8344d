package htmlreport

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/analyzetest"
	"github.com/llmrec/llmrec/schemas"
)

// TestTurnsPage renders a run of 3-turn conversations behind shared
// prefixes: the header's workload line names both, the page has the TTFT
// by turn table with a row per turn, and it draws in the browser.
func TestTurnsPage(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
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
	run := filepath.Join(dir, "turns.parquet")
	if err := analyzetest.WriteRecords(run, m, recs); err != nil {
		t.Fatal(err)
	}
	opts := analyze.DefaultOptions()
	opts.Warmup = 5 * time.Second
	a, err := analyze.Analyze(context.Background(), opts, run)
	if err != nil {
		t.Fatal(err)
	}
	page := string(stripLibrary(t, render(t, a)))
	if !strings.Contains(page, "conversations of 3 turns, 4 shared prefixes of 200 tokens") {
		t.Error("the header's workload line does not name the conversations and the prefixes")
	}
	table := page[max(0, strings.Index(page, "<h2>TTFT by turn</h2>")):]
	table, _, _ = strings.Cut(table, "</table>")
	if !strings.HasPrefix(table, "<h2>TTFT by turn</h2>") {
		t.Fatal("the page has no TTFT by turn table")
	}
	if rows := strings.Count(table, "<tr>") - 1; rows != 3 || !strings.Contains(table, "<td>650.0</td>") {
		t.Errorf("the turn table has %d rows, want 3 (turn 3's mean prompt 650.0 present: %v)", rows, strings.Contains(table, "<td>650.0</td>"))
	}
	path := findChromium()
	if path == "" || testing.Short() {
		t.Log("no browser check: chromium missing or -short (TestBrowser reports it)")
		return
	}
	checkInBrowser(t, startBrowser(t, path), dir, "turns", a)
}
