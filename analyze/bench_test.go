package analyze

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/llmrec/llmrec/schemas"
	"github.com/llmrec/llmrec/schemas/runfile"
)

// synthRun writes n synthetic rows: ten 60 s steps of 10..100 users, a
// knee-shaped latency with noise, 1% failures, TTFT and tokens.
func synthRun(b *testing.B, path string, n int) string {
	b.Helper()
	if _, err := os.Stat(path); err == nil {
		return path
	}
	const steps, stepS = 10, 60.0
	m := testMeta("bench", stepS, steps*stepS)
	rng := rand.New(rand.NewPCG(1, 2))
	f, err := os.Create(path + ".tmp")
	if err != nil {
		b.Fatal(err)
	}
	w := runfile.NewParquetWriter(f)
	cls, msg := schemas.ErrHTTP5xx, "503"
	recs := make([]schemas.Record, 0, 100_000)
	for i := range n {
		sendS := float64(i) / float64(n) * steps * stepS
		step := int(sendS/stepS) + 1
		start := t0.Add(time.Duration(sendS * float64(time.Second)))
		base := 400.0 * (1 + float64(step*step)/20)
		lat := base * (0.7 + 0.6*rng.Float64())
		ttft := lat / 8
		tok := int32(64 + rng.IntN(64))
		r := schemas.Record{RunID: m.RunID, Seq: int64(i), User: int32(i % (step * 10)), Step: int32(step),
			Users: int32(step * 10), ScheduledAt: start.Add(-time.Millisecond), Start: start, LatencyMS: lat,
			TTFTMS: &ttft, Status: 200, OK: true, OutputTokens: &tok, Chunks: tok, BytesIn: 4096}
		if rng.IntN(100) == 0 {
			r.OK, r.Status, r.ErrorClass, r.Error, r.TTFTMS = false, 503, &cls, &msg, nil
		}
		recs = append(recs, r)
		if len(recs) == cap(recs) || i == n-1 {
			if err := w.Write(recs); err != nil {
				b.Fatal(err)
			}
			recs = recs[:0]
		}
	}
	if err := w.Close(m); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		b.Fatal(err)
	}
	return path
}

// benchDir keeps generated inputs between runs (they take a while to
// write); LLMREP_BENCH_DIR overrides it.
func benchDir(b *testing.B) string {
	if d := os.Getenv("LLMREP_BENCH_DIR"); d != "" {
		return d
	}
	d := filepath.Join(os.TempDir(), "llmrep-bench")
	if err := os.MkdirAll(d, 0o755); err != nil {
		b.Fatal(err)
	}
	return d
}

// BenchmarkAnalyze measures a whole analysis. The 10M-row case runs with
// LLMREP_BENCH_LONG=1. Goals on a 2-core machine: 1M rows < 3 s, 10M <
// 30 s, peak memory < 2 GB (reported as peak-RSS-MB).
func BenchmarkAnalyze(b *testing.B) {
	sizes := []int{100_000, 1_000_000}
	if os.Getenv("LLMREP_BENCH_LONG") != "" {
		sizes = append(sizes, 10_000_000)
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			path := synthRun(b, filepath.Join(benchDir(b), fmt.Sprintf("synth-%d.parquet", n)), n)
			opts := DefaultOptions()
			if testing.Verbose() {
				opts.Trace = os.Stderr
			}
			b.ResetTimer()
			for b.Loop() {
				a, err := Analyze(context.Background(), opts, path)
				if err != nil {
					b.Fatal(err)
				}
				if a.Run.Rows != int64(n) {
					b.Fatalf("rows %d", a.Run.Rows)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(peakRSS())/1e6, "peak-RSS-MB")
			runtime.GC()
		})
	}
}
