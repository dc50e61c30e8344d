package runfile

import (
	"bytes"
	"errors"
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
		{RunID: "r1", Seq: 0, User: 1, Step: 1, Users: 10, ScheduledAt: start, Start: start, LatencyMS: 100, TTFTMS: &ttft, Status: 200, OK: true, Chunks: 3, BytesIn: 99},
		{RunID: "r1", Seq: 1, User: 2, Step: 1, Users: 10, ScheduledAt: start, Start: start.Add(time.Second), LatencyMS: 5, Status: 503, ErrorClass: &cls},
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
	if v, _ := f.Lookup(schemas.KeySchemaVersion); v != "1" {
		t.Fatalf("schema version = %q", v)
	}
	js, _ := f.Lookup(schemas.KeyRun)
	got, err := schemas.DecodeMeta("1", js)
	if err != nil || got.RunID != "r1" || got.Labels["model"] != "v1" {
		t.Fatalf("meta = %+v, %v", got, err)
	}
	for i, c := range schemas.Columns {
		if name := f.Schema().Fields()[i].Name(); name != c {
			t.Errorf("column %d = %q, want %q", i, name, c)
		}
	}
	back, err := parquet.Read[schemas.Record](bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != 2 || !back[0].Start.Equal(start) || *back[0].TTFTMS != 12.5 || back[1].TTFTMS != nil || *back[1].ErrorClass != cls {
		t.Fatalf("round trip = %+v", back)
	}
}

// TestReadFooterChecksShards: a footer whose shard fields are out of range
// (a hand-made file: llmrec never writes one) is refused by the one footer
// reader, so no reader loops or allocates per claimed shard.
func TestReadFooterChecksShards(t *testing.T) {
	for _, tc := range []struct {
		shard, shards int
		ok            bool
	}{
		{0, 1, true}, {1, 2, true}, {0, 2000000000, false}, {3, 3, false}, {-1, 3, false}, {0, 0, false},
	} {
		var buf bytes.Buffer
		w := NewParquetWriter(&buf)
		meta := &schemas.RunMeta{RunID: "r1", Shard: tc.shard, Shards: tc.shards}
		if err := w.Close(meta); err != nil {
			t.Fatal(err)
		}
		_, err := ReadFooter(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "run.parquet")
		var fe *FooterError
		if tc.ok != (err == nil) || (err != nil && !errors.As(err, &fe)) {
			t.Errorf("shard %d of %d: %v; want accepted %t (a FooterError otherwise)", tc.shard, tc.shards, err, tc.ok)
		}
	}
}
