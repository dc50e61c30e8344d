package analyze_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/export"
)

// BenchmarkExport measures `llmrep export` of a synthetic run to a file,
// CSV and JSONL.
func BenchmarkExport(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		path := analyze.SynthRun(b, filepath.Join(analyze.BenchDir(b), fmt.Sprintf("synth-%d.parquet", n)), n)
		for _, format := range []string{export.ExportCSV, export.ExportJSONL} {
			b.Run(fmt.Sprintf("rows=%d/%s", n, format), func(b *testing.B) {
				out := filepath.Join(b.TempDir(), "rows."+format)
				for b.Loop() {
					os.Remove(out) // Export writes only a new file
					got, err := export.Export(context.Background(), analyze.DefaultOptions(), format, out, path)
					if err != nil {
						b.Fatal(err)
					}
					if got != int64(n) {
						b.Fatalf("%d rows exported, want %d", got, n)
					}
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
				b.ReportMetric(float64(analyze.PeakRSS())/1e6, "peak-RSS-MB")
			})
		}
	}
}
