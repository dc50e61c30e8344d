package runfile

import (
	"io"
	"math"
	"math/rand/v2"
	"path/filepath"
	"runtime"
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

// chunkRecords are n successes of a stream of chunks content chunks each:
// a TTFT near 200 ms, then gaps near 20 ms (log-normal, σ 0.3), in µs, as
// a server streaming token by token sends them.
func chunkRecords(n, chunks int, withTimes bool) []schemas.Record {
	recs := testRecords(n)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range recs {
		recs[i].OK, recs[i].ErrorClass, recs[i].Error, recs[i].Status = true, nil, nil, 200
		recs[i].Chunks = int32(chunks)
		if !withTimes {
			continue
		}
		us := make([]int32, chunks)
		at := 200_000 * math.Exp(0.3*r.NormFloat64())
		for k := range us {
			us[k] = int32(at)
			at += 20_000 * math.Exp(0.3*r.NormFloat64())
		}
		recs[i].ChunkUS = us
	}
	return recs
}

// BenchmarkChunkTimesCost measures what chunk times cost: bytes on disk per
// chunk (the file with chunk times less the file without, over the
// chunks) and the most live heap the Parquet writer held while 64k rows
// of 128 chunks went through it (the open row group is buffered; it is
// written out at rowGroupChunks chunk times). Run: go test ./schemas/runfile -run '^$' -bench ChunkTimesCost.
func BenchmarkChunkTimesCost(b *testing.B) {
	const rows, chunks, batch = 1 << 16, 128, 1024
	// size writes the rows a batch at a time (one batch alive, as the
	// persister hands them over) and takes the live heap after each.
	size := func(withTimes bool) (bytes int64, peak uint64) {
		var cw countWriter
		runtime.GC()
		runtime.GC() // the second empties the pools' victim caches
		var base, m runtime.MemStats
		runtime.ReadMemStats(&base)
		pw := NewParquetWriter(&cw)
		for range rows / batch {
			recs := chunkRecords(batch, chunks, withTimes)
			if err := pw.Write(recs); err != nil {
				b.Fatal(err)
			}
			recs = nil
			runtime.GC()
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapAlloc-min(m.HeapAlloc, base.HeapAlloc))
		}
		if err := pw.Close(&schemas.RunMeta{}); err != nil {
			b.Fatal(err)
		}
		return cw.n, peak
	}
	var on, off int64
	var heapOn, heapOff uint64
	for b.Loop() {
		off, heapOff = size(false)
		on, heapOn = size(true)
	}
	n := float64(rows * chunks)
	b.ReportMetric(float64(on-off)/n, "disk-B/chunk")
	b.ReportMetric(float64(off)/rows, "disk-B/row-without")
	b.ReportMetric(float64(heapOn)/(1<<20), "writer-heap-MB-with")
	b.ReportMetric(float64(heapOff)/(1<<20), "writer-heap-MB-without")
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}
