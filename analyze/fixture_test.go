package analyze

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/llmrec/llmrec/analyze/analyzetest"
	"github.com/llmrec/llmrec/schemas"
)

// t0 is the started_at of every fixture run.
var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// testMeta is the run metadata of a fixture: steps of stepS seconds, a run
// of durS seconds.
func testMeta(runID string, stepS, durS float64) *schemas.RunMeta {
	return &schemas.RunMeta{
		RunID:       runID,
		ToolVersion: "test",
		StartedAt:   t0,
		EndedAt:     t0.Add(time.Duration(durS * float64(time.Second))),
		EndReason:   schemas.EndCompleted,
		Target:      "http://127.0.0.1:8000",
		API:         "openai-chat",
		Model:       "fixture",
		Labels:      map[string]string{"model": "fixture"},
		Hostname:    "host",
		Shards:      1,
		Shape:       schemas.Shape{StepUsers: 10, StepTimeS: stepS, MaxUsers: 100, SpawnRate: 10},
	}
}

// req is one fixture row: sent at sendS seconds after t0, lasting latMS.
type req struct {
	sendS  float64
	latMS  float64
	step   int
	users  int
	ok     bool
	class  string
	ttftMS float64 // 0: none
	tokens int     // 0: none
	lagMS  float64 // start - scheduled_at
}

func (r req) record(runID string, seq int) schemas.Record {
	start := t0.Add(time.Duration(r.sendS * float64(time.Second)))
	rec := schemas.Record{
		RunID:       runID,
		Seq:         int64(seq),
		User:        int32(seq % 7),
		Step:        int32(r.step),
		Users:       int32(r.users),
		ScheduledAt: start.Add(-time.Duration(r.lagMS * float64(time.Millisecond))),
		Start:       start,
		LatencyMS:   r.latMS,
		Status:      200,
		OK:          r.ok,
		Chunks:      1,
		BytesIn:     100,
	}
	if !r.ok {
		rec.Status = 503
		c := r.class
		if c == "" {
			c = schemas.ErrHTTP5xx
		}
		msg := "failure " + c
		rec.ErrorClass, rec.Error = &c, &msg
	}
	if r.ttftMS > 0 {
		v := r.ttftMS
		rec.TTFTMS = &v
	}
	if r.tokens > 0 {
		n := int32(r.tokens)
		rec.OutputTokens = &n
		p := int32(10)
		rec.PromptTokens = &p
	}
	return rec
}

// writeRun writes a run file through the recorder's writer.
func writeRun(t testing.TB, path string, meta *schemas.RunMeta, reqs []req) string {
	t.Helper()
	recs := make([]schemas.Record, len(reqs))
	for i, r := range reqs {
		recs[i] = r.record(meta.RunID, i)
		recs[i].Shard = int32(meta.Shard)
	}
	return writeRecords(t, path, meta, recs)
}

func writeRecords(t testing.TB, path string, meta *schemas.RunMeta, recs []schemas.Record) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := analyzetest.WriteRecords(path, meta, recs); err != nil {
		t.Fatal(err)
	}
	return path
}

// testOptions are DefaultOptions with a given warmup and window.
func testOptions(warmup, window time.Duration) Options {
	o := DefaultOptions()
	o.Warmup, o.Window = warmup, window
	o.Threads = 2
	return o
}

// handCompleted counts, from the fixture's own values, the successes
// completed in [from, to) seconds and their output tokens: a step's
// throughput by completion, worked out without the analyzer's SQL.
func handCompleted(reqs []req, from, to float64) (n, tokens int) {
	for _, r := range reqs {
		c := r.sendS + r.latMS/1000
		if r.ok && c >= from && c < to {
			n++
			tokens += r.tokens
		}
	}
	return n, tokens
}
