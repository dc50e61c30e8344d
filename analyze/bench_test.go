package analyze

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/llmrec/llmrec/analyze/analyzetest"
)

// synthRun writes n synthetic rows (analyzetest.WriteSynth) to path
// unless it is there.
func synthRun(b *testing.B, path string, n int) string {
	b.Helper()
	files, err := analyzetest.WriteSynth(path, n, 1)
	if err != nil {
		b.Fatal(err)
	}
	return files[0]
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
