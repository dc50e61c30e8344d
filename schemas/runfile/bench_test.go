package runfile

import (
	"io"
	"path/filepath"
	"testing"

	"github.com/llmrec/llmrec/schemas"
)

// BenchmarkParquetWriter measures the rows per second the run-file writer
// sustains (zstd, the version-1 schema, batches of 1024 rows as the writer
// goroutine hands them over).
func BenchmarkParquetWriter(b *testing.B) {
	recs := testRecords(1024)
	b.ReportAllocs()
	pw := NewParquetWriter(io.Discard)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := pw.Write(recs); err != nil {
			b.Fatal(err)
		}
	}
	if err := pw.Close(&schemas.RunMeta{}); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N*len(recs))/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkJournal measures the crash journal's append rate.
func BenchmarkJournal(b *testing.B) {
	recs := testRecords(1024)
	j, err := createJournal(filepath.Join(b.TempDir(), "j"), &schemas.RunMeta{})
	if err != nil {
		b.Fatal(err)
	}
	defer j.close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for k := range recs {
			j.append(&recs[k])
		}
		j.flush()
	}
	b.ReportMetric(float64(b.N*len(recs))/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(0, "ns/op")
}
