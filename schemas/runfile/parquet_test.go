package runfile

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/llmrec/llmrec/schemas"
)

func TestParquetRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	w := NewParquetWriter(&buf)
	ttft := 12.5
	cls := schemas.ErrHTTP5xx
	start := time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC)
	rows := []schemas.Record{
		{RunID: "r1", Seq: 0, User: 1, Step: 1, Users: 10, ScheduledAt: start, Start: start, LatencyMS: 100, TTFTMS: &ttft, Status: 200, OK: true, Chunks: 3, BytesIn: 99,
			ChunkUS: []int32{12500, 40000, 99000}},
		{RunID: "r1", Seq: 1, User: 2, Step: 1, Users: 10, ScheduledAt: start, Start: start.Add(time.Second), LatencyMS: 5, Status: 503, ErrorClass: &cls},
		{RunID: "r1", Seq: 2, User: 3, Step: 1, Users: 10, ScheduledAt: start, Start: start.Add(time.Second), LatencyMS: 5, Status: 200, OK: true, Chunks: 1,
			ChunkUS: []int32{}},
	}
	if err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	meta := &schemas.RunMeta{RunID: "r1", EndReason: schemas.EndCompleted, Labels: map[string]string{"model": "v1"}}
	if err := w.Close(meta); err != nil {
		t.Fatal(err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := f.Lookup(schemas.KeySchemaVersion); v != "2" {
		t.Fatalf("schema version = %q", v)
	}
	js, _ := f.Lookup(schemas.KeyRun)
	got, err := schemas.DecodeMeta("2", js)
	if err != nil || got.RunID != "r1" || got.Labels["model"] != "v1" {
		t.Fatalf("meta = %+v, %v", got, err)
	}
	for i, c := range append(schemas.Columns, schemas.ChunkColumn) {
		if name := f.Schema().Fields()[i].Name(); name != c {
			t.Errorf("column %d = %q, want %q", i, name, c)
		}
	}
	back, err := parquet.Read[schemas.Record](bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != 3 || !back[0].Start.Equal(start) || *back[0].TTFTMS != 12.5 || back[1].TTFTMS != nil || *back[1].ErrorClass != cls {
		t.Fatalf("round trip = %+v", back)
	}
	// Chunk times: a list, a null (not recorded) and an empty list.
	if !slices.Equal(back[0].ChunkUS, rows[0].ChunkUS) || back[1].ChunkUS != nil || back[2].ChunkUS == nil || len(back[2].ChunkUS) != 0 {
		t.Fatalf("chunk times = %v, %v, %v", back[0].ChunkUS, back[1].ChunkUS, back[2].ChunkUS)
	}
}
