package htmlreport

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/schemas"
	"github.com/llmrec/llmrec/schemas/runfile"
)

// TestBigRun measures the page of a real run of HTMLREPORT_ROWS rows (e.g.
// 10000000): written with the recorder's Parquet writer at 500 requests a
// second over 10 steps, analysed by the analyzer, rendered. It is opt-in
// because writing and analysing ten million rows takes minutes.
func TestBigRun(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("HTMLREPORT_ROWS"))
	if n <= 0 {
		t.Skip("set HTMLREPORT_ROWS=10000000 to measure the page of a run that large")
	}
	const rate = 500.0 // rows per second of run time
	dur := float64(n) / rate
	stepS := dur / 10
	start := time.Date(2026, 11, 27, 20, 0, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), "big.parquet")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := runfile.NewParquetWriter(f)
	rng := rand.New(rand.NewPCG(3, 4))
	batch := make([]schemas.Record, 0, 100_000)
	t0 := time.Now()
	for i := range n {
		at := time.Duration(float64(i) / rate * float64(time.Second))
		step := min(10, int(at.Seconds()/stepS)+1)
		users := 10 * step
		lat := knee(float64(users)) * (0.7 + 0.6*rng.Float64())
		ttft := lat / 8
		out := int32(128)
		r := schemas.Record{RunID: "big", Seq: int64(i), User: int32(i % users), Step: int32(step), Users: int32(users),
			ScheduledAt: start.Add(at), Start: start.Add(at), LatencyMS: lat, TTFTMS: &ttft, Status: 200, OK: true,
			OutputTokens: &out, Chunks: 128, BytesIn: 4096}
		if users > 80 && rng.IntN(50) == 0 {
			class, msg := schemas.ErrTimeout, "request exceeded --timeout"
			r.OK, r.Status, r.ErrorClass, r.Error, r.TTFTMS, r.OutputTokens = false, 0, &class, &msg, nil, nil
		}
		batch = append(batch, r)
		if len(batch) == cap(batch) {
			if err := w.Write(batch); err != nil {
				t.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	if err := w.Write(batch); err != nil {
		t.Fatal(err)
	}
	meta := &schemas.RunMeta{RunID: "big", ToolVersion: "test", StartedAt: start, EndedAt: start.Add(time.Duration(dur * float64(time.Second))),
		EndReason: schemas.EndCompleted, Target: "http://127.0.0.1:8000", API: "openai-chat", Stream: true, Model: "big", Labels: map[string]string{}, Shards: 1,
		Shape: schemas.Shape{StepUsers: 10, StepTimeS: stepS, MaxUsers: 100, SpawnRate: 10}, Requests: int64(n)}
	if err := w.Close(meta); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %d rows in %v", n, time.Since(t0).Round(time.Second))
	t0 = time.Now()
	opts := analyze.DefaultOptions()
	opts.MemoryLimit = os.Getenv("HTMLREPORT_MEMORY") // empty: the analyzer default
	a, err := analyze.Analyze(context.Background(), opts, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("analysed in %v: %d series points", time.Since(t0).Round(time.Second), len(a.Series.T))
	t0 = time.Now()
	page := render(t, a)
	t.Logf("rendered in %v: page of %d bytes (%.2f MB)", time.Since(t0).Round(time.Millisecond), len(page), float64(len(page))/(1<<20))
	if len(page) > maxPageBytes {
		t.Errorf("page is %d bytes, over the %d bound", len(page), maxPageBytes)
	}
	if out := os.Getenv("HTMLREPORT_EXAMPLES"); out != "" {
		if err := os.WriteFile(filepath.Join(out, "big.html"), page, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
