package runfile

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/llmrec/llmrec/schemas"
)

func testRecords(n int) []schemas.Record {
	t0 := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	recs := make([]schemas.Record, n)
	for i := range recs {
		r := schemas.Record{
			RunID: "run-x", Shard: 0, Seq: int64(i), User: int32(i % 7), Step: int32(i/10 + 1), Users: int32(10 * (i/10 + 1)),
			ScheduledAt: t0.Add(time.Duration(i) * time.Millisecond), Start: t0.Add(time.Duration(i)*time.Millisecond + 3*time.Microsecond),
			LatencyMS: float64(i) * 1.5, Status: 200, OK: true, Chunks: int32(i), BytesIn: int64(i * 100),
		}
		if i%3 == 0 {
			v := float64(i) / 2
			r.TTFTMS = &v
			p, o := int32(i), int32(2*i)
			r.PromptTokens, r.OutputTokens = &p, &o
			r.ChunkUS = []int32{int32(i) * 500}
			for k := range i % 5 {
				r.ChunkUS = append(r.ChunkUS, r.ChunkUS[k]+int32(k*k*1000+7))
			}
		}
		if i%6 == 1 {
			r.ChunkUS = []int32{} // a stream without content
		}
		if i%2 == 0 {
			turn := int32(i%3 + 1)
			r.Turn = &turn
		}
		if i%5 != 0 {
			prefix := int32(i % 4)
			r.Prefix = &prefix
		}
		if i%3 != 2 {
			class, maxTok, idx := []string{"chat", "summarize ✓"}[i%2], int32(64+i), int32(i*7)
			r.Class, r.MaxTokens, r.PromptIndex = &class, &maxTok, &idx
		}
		if i%4 == 1 {
			c, e := schemas.ErrHTTP5xx, "server said 503 ✓"
			r.ErrorClass, r.Error, r.OK, r.Status = &c, &e, false, 503
		}
		recs[i] = r
	}
	return recs
}

func writeJournal(t testing.TB, path string, recs []schemas.Record) []int {
	t.Helper()
	meta := &schemas.RunMeta{RunID: "run-x", StartedAt: recs[0].Start, EndReason: schemas.EndCompleted, Labels: map[string]string{"a": "b"}}
	j, err := createJournal(path, meta)
	if err != nil {
		t.Fatal(err)
	}
	var ends []int // byte offset at which each record's frame ends
	for i := range recs {
		if err := j.append(&recs[i]); err != nil {
			t.Fatal(err)
		}
		if err := j.flush(); err != nil {
			t.Fatal(err)
		}
		st, _ := j.f.Stat()
		ends = append(ends, int(st.Size()))
	}
	if err := j.close(); err != nil {
		t.Fatal(err)
	}
	return ends
}

func TestJournalRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	recs := testRecords(50)
	writeJournal(t, path, recs)
	f, _ := os.Open(path)
	defer f.Close()
	var got []schemas.Record
	meta, torn, err := ReadJournal(f, func(r *schemas.Record) error { got = append(got, *r); return nil })
	if err != nil || torn != 0 || meta.RunID != "run-x" {
		t.Fatalf("ReadJournal: meta=%v torn=%d err=%v", meta, torn, err)
	}
	if !reflect.DeepEqual(got, recs) {
		t.Fatalf("records differ after the round trip:\n got %+v\nwant %+v", got[1], recs[1])
	}
}

// TestRecoverEveryTruncation cuts the journal at every byte offset and
// checks that Recover returns exactly the records whose frames are whole.
func TestRecoverEveryTruncation(t *testing.T) {
	dir := t.TempDir()
	recs := testRecords(12)
	full := filepath.Join(dir, "full")
	ends := writeJournal(t, full, recs)
	data, _ := os.ReadFile(full)
	headerLen := ends[0] - 8 - len(encodeRecord(nil, &recs[0]))
	for cut := 0; cut <= len(data); cut++ {
		run := filepath.Join(dir, "run.parquet")
		if err := os.WriteFile(JournalPath(run), data[:cut], 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := Recover(run)
		want := 0
		for _, e := range ends {
			if e <= cut {
				want++
			}
		}
		if cut < headerLen {
			if err == nil {
				t.Fatalf("cut %d: header is not whole but Recover succeeded", cut)
			}
			os.Remove(JournalPath(run))
			continue
		}
		if err != nil {
			t.Fatalf("cut %d: %v", cut, err)
		}
		if res.Rows != int64(want) {
			t.Fatalf("cut %d: recovered %d rows, want %d", cut, res.Rows, want)
		}
		got, err := parquet.ReadFile[schemas.Record](run)
		if err != nil {
			t.Fatalf("cut %d: recovered file unreadable: %v", cut, err)
		}
		if len(got) != want || (want > 0 && !reflect.DeepEqual(got[want-1], recs[want-1])) {
			t.Fatalf("cut %d: file rows differ", cut)
		}
		if _, err := os.Stat(JournalPath(run)); !os.IsNotExist(err) {
			t.Fatalf("cut %d: journal left behind", cut)
		}
	}
}

func TestRecoverMetadata(t *testing.T) {
	run := filepath.Join(t.TempDir(), "run.parquet")
	recs := testRecords(5)
	writeJournal(t, JournalPath(run), recs)
	if _, err := Recover(run); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(run)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	v, _ := pf.Lookup(schemas.KeySchemaVersion)
	js, _ := pf.Lookup(schemas.KeyRun)
	meta, err := schemas.DecodeMeta(v, js)
	if err != nil {
		t.Fatal(err)
	}
	last := recs[4]
	wantEnd := last.Start.Add(time.Duration(last.LatencyMS * float64(time.Millisecond)))
	if meta.EndReason != schemas.EndInterrupted || meta.Requests != 5 || !meta.EndedAt.Equal(wantEnd) || meta.Labels["a"] != "b" {
		t.Fatalf("meta = %+v", meta)
	}
	if _, err := Recover(run); err == nil {
		t.Fatal("second Recover found a journal that should be gone")
	}
}

func FuzzReadJournal(f *testing.F) {
	path := filepath.Join(f.TempDir(), "seed")
	writeJournal(f, path, testRecords(4))
	data, _ := os.ReadFile(path)
	f.Add(data)
	f.Add(data[:len(data)-3])
	f.Add([]byte(journalMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		n := 0
		meta, torn, err := ReadJournal(bytes.NewReader(b), func(*schemas.Record) error { n++; return nil })
		if err == nil && meta == nil {
			t.Fatal("no error and no metadata")
		}
		if torn < 0 || torn > int64(len(b)) {
			t.Fatalf("torn = %d of %d bytes", torn, len(b))
		}
	})
}

// TestJournalOlderVersionsStillRead: a journal written before chunk times
// (magic LLMRECJ1, payloads without the chunk tail) or before version 3
// (LLMRECJ2, without the version-3 tail) reads, its rows without the
// columns their version lacked.
func TestJournalOlderVersionsStillRead(t *testing.T) {
	for version, magic := range map[int]string{1: "LLMRECJ1", 2: "LLMRECJ2"} {
		recs := testRecords(20)
		js, err := (&schemas.RunMeta{RunID: "run-x", Labels: map[string]string{}}).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		var b []byte
		b = append(b, magic...)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(js)))
		b = append(b, js...)
		for i := range recs {
			recs[i].Turn, recs[i].Prefix, recs[i].Class, recs[i].MaxTokens, recs[i].PromptIndex = nil, nil, nil, nil, nil
			if version == 1 {
				recs[i].ChunkUS = nil
			}
			payload := encodeRecord(nil, &recs[i])
			payload = payload[:len(payload)-1] // no version-3 tail (an empty one is one byte)
			if version == 1 {
				payload = payload[:len(payload)-1] // nor a chunk tail
			}
			b = binary.LittleEndian.AppendUint32(b, uint32(len(payload)))
			b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(payload, castagnoli))
			b = append(b, payload...)
		}
		var got []schemas.Record
		meta, tail, err := ReadJournal(bytes.NewReader(b), func(r *schemas.Record) error {
			got = append(got, *r)
			return nil
		})
		if err != nil || tail != 0 || meta.RunID != "run-x" || meta.SchemaVersion != version {
			t.Fatalf("version %d: ReadJournal: meta %+v, tail %d, err %v", version, meta, tail, err)
		}
		if !reflect.DeepEqual(got, recs) {
			t.Fatalf("version-%d rows differ:\n got %+v\nwant %+v", version, got[0], recs[0])
		}
	}
}
