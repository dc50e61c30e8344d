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
		if i%4 == 1 {
			c, e := schemas.ErrHTTP5xx, "server said 503 ✓"
			r.ErrorClass, r.Error, r.OK, r.Status = &c, &e, false, 503
		}
		if i%5 != 4 {
			cl := []string{"chat", "summarize ✓", ""}[i%3]
			r.Class = &cl
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

// TestJournalVersion1StillReads: a journal written before chunk times
// (magic LLMRECJ1, payloads without the chunk tail) reads, its rows
// without chunk times.
func TestJournalVersion1StillReads(t *testing.T) {
	recs := testRecords(20)
	js, err := (&schemas.RunMeta{RunID: "run-x", Labels: map[string]string{}}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var b []byte
	b = append(b, journalMagicV1...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(js)))
	b = append(b, js...)
	for i := range recs {
		recs[i].ChunkUS, recs[i].Class = nil, nil
		payload := encodeRecord(nil, &recs[i])
		payload = payload[:len(payload)-1] // version 1 had no chunk tail
		b = binary.LittleEndian.AppendUint32(b, uint32(len(payload)))
		b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(payload, castagnoli))
		b = append(b, payload...)
	}
	var got []schemas.Record
	meta, tail, err := ReadJournal(bytes.NewReader(b), func(r *schemas.Record) error {
		got = append(got, *r)
		return nil
	})
	if err != nil || tail != 0 || meta.RunID != "run-x" || meta.SchemaVersion != 1 {
		t.Fatalf("ReadJournal: meta %+v, tail %d, err %v", meta, tail, err)
	}
	if !reflect.DeepEqual(got, recs) {
		t.Fatalf("version-1 rows differ:\n got %+v\nwant %+v", got[0], recs[0])
	}
}

// TestJournalVersion2StillReads: a journal written before classes (magic
// LLMRECJ2) reads, its rows without a class; a class flag in it is a
// corrupt frame, where the reading stops.
func TestJournalVersion2StillReads(t *testing.T) {
	recs := testRecords(20)
	js, err := (&schemas.RunMeta{RunID: "run-x", Labels: map[string]string{}}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var b []byte
	b = append(b, journalMagicV2...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(js)))
	b = append(b, js...)
	frame := func(r *schemas.Record) {
		payload := encodeRecord(nil, r)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(payload)))
		b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(payload, castagnoli))
		b = append(b, payload...)
	}
	for i := range recs {
		recs[i].Class = nil
		frame(&recs[i])
	}
	cl := "chat"
	frame(&schemas.Record{RunID: "run-x", Class: &cl})
	var got []schemas.Record
	meta, tail, err := ReadJournal(bytes.NewReader(b), func(r *schemas.Record) error {
		got = append(got, *r)
		return nil
	})
	if err != nil || tail == 0 || meta.SchemaVersion != 2 {
		t.Fatalf("ReadJournal: meta %+v, tail %d, err %v", meta, tail, err)
	}
	if !reflect.DeepEqual(got, recs) {
		t.Fatalf("version-2 rows differ:\n got %+v\nwant %+v", got[0], recs[0])
	}
}
