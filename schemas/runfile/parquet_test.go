package runfile

import (
	"bytes"
	"errors"
	"slices"
	"strconv"
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
	if v, _ := f.Lookup(schemas.KeySchemaVersion); v != "3" {
		t.Fatalf("schema version = %q", v)
	}
	js, _ := f.Lookup(schemas.KeyRun)
	got, err := schemas.DecodeMeta("3", js)
	if err != nil || got.RunID != "r1" || got.Labels["model"] != "v1" {
		t.Fatalf("meta = %+v, %v", got, err)
	}
	for i, c := range schemas.ColumnsOf(schemas.Version) {
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

// v2Record is the row of a version-2 run file: the version-1 columns and
// chunk_us, without the columns of version 3.
type v2Record struct {
	v1Record
	ChunkUS []int32 `parquet:"chunk_us,optional,list,zstd"`
}

// TestFooterVersionColumns: a file of each older version reads when it
// has that version's columns (version 1: a run without chunk times); the
// same columns under a later version are refused, naming what is missing.
func TestFooterVersionColumns(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	v1 := v1Record{RunID: "r", Step: 1, Users: 1, ScheduledAt: start, Start: start, LatencyMS: 5, OK: true}
	for _, tc := range []struct {
		version string
		write   func(*bytes.Buffer) footerWriter
		want    string // "" reads
	}{
		{"1", func(b *bytes.Buffer) footerWriter { return writeRows(b, []v1Record{v1}) }, ""},
		{"2", func(b *bytes.Buffer) footerWriter { return writeRows(b, []v1Record{v1}) }, "missing column(s) chunk_us: not a version-2 run file"},
		{"2", func(b *bytes.Buffer) footerWriter { return writeRows(b, []v2Record{{v1Record: v1}}) }, ""},
		{"3", func(b *bytes.Buffer) footerWriter { return writeRows(b, []v2Record{{v1Record: v1}}) }, "missing column(s) turn, prefix, class, max_tokens, prompt_index: not a version-3 run file"},
	} {
		var buf bytes.Buffer
		w := tc.write(&buf)
		js, _ := (&schemas.RunMeta{RunID: "r", Shards: 1, ChunkTimes: true}).Marshal()
		w.SetKeyValueMetadata(schemas.KeySchemaVersion, tc.version)
		w.SetKeyValueMetadata(schemas.KeyRun, js)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		ft, err := ReadFooter(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "run.parquet")
		switch {
		case tc.want == "" && (err != nil || strconv.Itoa(ft.Meta.SchemaVersion) != tc.version || ft.Meta.ChunkTimes != (tc.version != "1")):
			t.Errorf("version %s: %v, meta %+v", tc.version, err, ft)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("version %s: %v, want %q", tc.version, err, tc.want)
		}
	}
}

// footerWriter is a Parquet writer whose footer a test sets.
type footerWriter interface {
	SetKeyValueMetadata(key, value string)
	Close() error
}

// writeRows writes rows of any row type to b, leaving the footer open.
func writeRows[T any](b *bytes.Buffer, rows []T) footerWriter {
	w := parquet.NewGenericWriter[T](b)
	if _, err := w.Write(rows); err != nil {
		panic(err)
	}
	return w
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
