package runfile

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/llmrec/llmrec/schemas"
)

func TestParquetRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	w := NewParquetWriter(&buf)
	ttft := 12.5
	cls, class := schemas.ErrHTTP5xx, "chat"
	start := time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC)
	rows := []schemas.Record{
		{RunID: "r1", Seq: 0, User: 1, Step: 1, Users: 10, ScheduledAt: start, Start: start, LatencyMS: 100, TTFTMS: &ttft, Status: 200, OK: true, Chunks: 3, BytesIn: 99,
			ChunkUS: []int32{12500, 40000, 99000}},
		{RunID: "r1", Seq: 1, User: 2, Step: 1, Users: 10, ScheduledAt: start, Start: start.Add(time.Second), LatencyMS: 5, Status: 503, ErrorClass: &cls,
			Class: &class},
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
	if v, _ := f.Lookup(schemas.KeySchemaVersion); v != "3" {
		t.Fatalf("schema version = %q", v)
	}
	js, _ := f.Lookup(schemas.KeyRun)
	got, err := schemas.DecodeMeta("3", js)
	if err != nil || got.RunID != "r1" || got.Labels["model"] != "v1" {
		t.Fatalf("meta = %+v, %v", got, err)
	}
	for i, c := range schemas.ColumnsOf(3) {
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
	if back[0].Class != nil || back[1].Class == nil || *back[1].Class != class {
		t.Fatalf("classes = %v, %v", back[0].Class, back[1].Class)
	}
}

// v1Record is the row of a version-1 run file: every column but chunk_us.
type v1Record struct {
	RunID        string    `parquet:"run_id,dict,zstd"`
	Shard        int32     `parquet:"shard,zstd"`
	Seq          int64     `parquet:"seq,zstd"`
	User         int32     `parquet:"user,zstd"`
	Step         int32     `parquet:"step,zstd"`
	Users        int32     `parquet:"users,zstd"`
	ScheduledAt  time.Time `parquet:"scheduled_at,timestamp(microsecond:utc),zstd"`
	Start        time.Time `parquet:"start,timestamp(microsecond:utc),zstd"`
	LatencyMS    float64   `parquet:"latency_ms,zstd"`
	TTFTMS       *float64  `parquet:"ttft_ms,optional,zstd"`
	Status       int32     `parquet:"status,zstd"`
	OK           bool      `parquet:"ok,zstd"`
	ErrorClass   *string   `parquet:"error_class,optional,dict,zstd"`
	Error        *string   `parquet:"error,optional,zstd"`
	PromptTokens *int32    `parquet:"prompt_tokens,optional,zstd"`
	OutputTokens *int32    `parquet:"output_tokens,optional,zstd"`
	Chunks       int32     `parquet:"chunks,zstd"`
	BytesIn      int64     `parquet:"bytes_in,zstd"`
}

// v2Record is the row of a version-2 run file: every column but class.
type v2Record struct {
	v1Record
	ChunkUS []int32 `parquet:"chunk_us,optional,list,zstd"`
}

// TestFooterVersion2Columns: a version-2 file without class reads (its
// rows have no class); the same columns under version 3 are refused,
// naming the missing column.
func TestFooterVersion2Columns(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, version := range []string{"2", "3"} {
		var buf bytes.Buffer
		w := parquet.NewGenericWriter[v2Record](&buf)
		row := v2Record{v1Record: v1Record{RunID: "r", Step: 1, Users: 1, ScheduledAt: start, Start: start, LatencyMS: 5, OK: true}}
		if _, err := w.Write([]v2Record{row}); err != nil {
			t.Fatal(err)
		}
		js, _ := (&schemas.RunMeta{RunID: "r", Shards: 1}).Marshal()
		w.SetKeyValueMetadata(schemas.KeySchemaVersion, version)
		w.SetKeyValueMetadata(schemas.KeyRun, js)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		ft, err := ReadFooter(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "run.parquet")
		switch version {
		case "2":
			if err != nil || ft.Meta.SchemaVersion != 2 {
				t.Errorf("version 2: %v, meta %+v", err, ft)
			}
		case "3":
			if err == nil || !strings.Contains(err.Error(), "missing column(s) class: not a version-3 run file") {
				t.Errorf("version 3 without class: %v", err)
			}
		}
	}
}

// TestFooterVersionColumns: a version-1 file without chunk_us reads (as a
// run without chunk times); the same columns under version 2 are refused,
// naming the missing column.
func TestFooterVersionColumns(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, version := range []string{"1", "2"} {
		var buf bytes.Buffer
		w := parquet.NewGenericWriter[v1Record](&buf)
		if _, err := w.Write([]v1Record{{RunID: "r", Step: 1, Users: 1, ScheduledAt: start, Start: start, LatencyMS: 5, OK: true}}); err != nil {
			t.Fatal(err)
		}
		js, _ := (&schemas.RunMeta{RunID: "r", Shards: 1, ChunkTimes: true}).Marshal()
		w.SetKeyValueMetadata(schemas.KeySchemaVersion, version)
		w.SetKeyValueMetadata(schemas.KeyRun, js)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		ft, err := ReadFooter(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "run.parquet")
		switch version {
		case "1":
			if err != nil || ft.Meta.SchemaVersion != 1 || ft.Meta.ChunkTimes {
				t.Errorf("version 1: %v, meta %+v", err, ft)
			}
		case "2":
			if err == nil || !strings.Contains(err.Error(), "missing column(s) chunk_us: not a version-2 run file") {
				t.Errorf("version 2 without chunk_us: %v", err)
			}
		}
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
