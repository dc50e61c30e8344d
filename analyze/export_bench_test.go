package analyze

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkExport measures `llmrep export` of a synthetic run to a file,
// CSV and JSONL.
func BenchmarkExport(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		path := synthRun(b, filepath.Join(benchDir(b), fmt.Sprintf("synth-%d.parquet", n)), n)
		for _, format := range []string{ExportCSV, ExportJSONL} {
			b.Run(fmt.Sprintf("rows=%d/%s", n, format), func(b *testing.B) {
				out := filepath.Join(b.TempDir(), "rows."+format)
				for b.Loop() {
					os.Remove(out) // Export writes only a new file
					got, err := Export(context.Background(), DefaultOptions(), format, out, path)
					if err != nil {
						b.Fatal(err)
					}
					if got != int64(n) {
						b.Fatalf("%d rows exported, want %d", got, n)
					}
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
				b.ReportMetric(float64(peakRSS())/1e6, "peak-RSS-MB")
			})
		}
	}
}
