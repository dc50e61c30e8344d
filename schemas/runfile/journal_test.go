package runfile

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
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
	ends, _ := writeJournalCheckpoints(t, path, recs, 0)
	return ends
}

// checkpointAt is a metadata frame of a test journal: meta, written after
// the first rows records, its frame ending at byte end.
type checkpointAt struct {
	end, rows int
	meta      *schemas.RunMeta
}

// checkpointMeta is the i-th metadata frame of a test journal: a search's
// footer after i probes.
func checkpointMeta(start time.Time, i int) *schemas.RunMeta {
	m := &schemas.RunMeta{RunID: "run-x", StartedAt: start, EndReason: schemas.EndCompleted, Labels: map[string]string{"a": "b"}}
	m.Shape.Profile = "search"
	m.Shape.StepTimeS = 15
	for k := 1; k <= i; k++ {
		m.Shape.Levels = append(m.Shape.Levels, float64(10*k))
		m.Shape.StepEndsS = append(m.Shape.StepEndsS, float64(7*k)+0.25)
	}
	m.Shape.DurationS = float64(7*i) + 0.25
	m.Shape.Search = &schemas.Search{Kind: "rate", Probes: []schemas.Probe{{Step: i, Level: float64(10 * i), Due: int64(i)}}}
	return m
}

// writeJournalCheckpoints writes a journal of recs with, when every > 0,
// a metadata frame after every every-th record (checkpointMeta). It
// returns the byte offset at which each record's frame ends, and the
// metadata frames.
func writeJournalCheckpoints(t testing.TB, path string, recs []schemas.Record, every int) ([]int, []checkpointAt) {
	t.Helper()
	meta := &schemas.RunMeta{RunID: "run-x", StartedAt: recs[0].Start, EndReason: schemas.EndCompleted, Labels: map[string]string{"a": "b"}}
	j, err := createJournal(path, meta)
	if err != nil {
		t.Fatal(err)
	}
	size := func() int {
		if err := j.flush(); err != nil {
			t.Fatal(err)
		}
		st, _ := j.f.Stat()
		return int(st.Size())
	}
	var ends []int // byte offset at which each record's frame ends
	var cps []checkpointAt
	for i := range recs {
		if err := j.append(&recs[i]); err != nil {
			t.Fatal(err)
		}
		ends = append(ends, size())
		if every > 0 && (i+1)%every == 0 {
			m := checkpointMeta(recs[0].Start, len(cps)+1)
			if err := j.checkpoint(m); err != nil {
				t.Fatal(err)
			}
			cps = append(cps, checkpointAt{end: size(), rows: i + 1, meta: m})
		}
	}
	if err := j.close(); err != nil {
		t.Fatal(err)
	}
	return ends, cps
}

// journaledLevels are the levels of the metadata a journal cut at byte
// cut holds last: its last whole metadata frame's, or none.
func journaledLevels(cps []checkpointAt, cut int) []float64 {
	var levels []float64
	for _, c := range cps {
		if c.end <= cut {
			levels = c.meta.Shape.Levels
		}
	}
	return levels
}

// footerMeta reads the run metadata of the run file at path.
func footerMeta(t testing.TB, path string) *schemas.RunMeta {
	t.Helper()
	f, err := os.Open(path)
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
	return meta
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
	ends, cps := writeJournalCheckpoints(t, full, recs, 3)
	data, _ := os.ReadFile(full)
	headerLen := ends[0] - 9 - len(encodeRecord(nil, &recs[0]))
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
		meta := footerMeta(t, run)
		if want := journaledLevels(cps, cut); !slices.Equal(meta.Shape.Levels, want) || meta.Labels["a"] != "b" || meta.EndReason != schemas.EndInterrupted {
			t.Fatalf("cut %d: recovered levels %v, want %v (the last whole metadata frame's); meta %+v", cut, meta.Shape.Levels, want, meta)
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
	meta := footerMeta(t, run)
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
	// Version 4 with metadata frames, and a version-3 journal.
	writeJournalCheckpoints(f, path+"4", testRecords(4), 2)
	data, _ = os.ReadFile(path + "4")
	f.Add(data)
	f.Add(data[:len(data)-5])
	if data, err := os.ReadFile(filepath.Join("testdata", "journal-v3.bin")); err == nil {
		f.Add(data)
	} else {
		f.Fatal(err)
	}
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

// TestJournalMetadataFrames: ReadJournal returns every record and the
// metadata of the last metadata frame, whatever the records around it; a
// metadata frame larger than a record's bound reads too.
func TestJournalMetadataFrames(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	recs := testRecords(20)
	_, cps := writeJournalCheckpoints(t, path, recs, 6) // the last after record 18: two records follow it
	f, _ := os.Open(path)
	defer f.Close()
	var got []schemas.Record
	meta, torn, err := ReadJournal(f, func(r *schemas.Record) error { got = append(got, *r); return nil })
	if err != nil || torn != 0 {
		t.Fatalf("ReadJournal: torn=%d err=%v", torn, err)
	}
	if !reflect.DeepEqual(got, recs) {
		t.Fatal("records differ after the round trip")
	}
	want := cps[len(cps)-1].meta
	if len(cps) != 3 || !reflect.DeepEqual(meta.Shape, want.Shape) || meta.RunID != "run-x" || meta.Labels["a"] != "b" || meta.SchemaVersion != schemas.Version {
		t.Fatalf("metadata %+v, want the last frame's shape %+v", meta.Shape, want.Shape)
	}

	// A metadata frame over a record's bound (maxFrame).
	big := filepath.Join(t.TempDir(), "big")
	j, err := createJournal(big, &schemas.RunMeta{RunID: "run-x"})
	if err != nil {
		t.Fatal(err)
	}
	m := checkpointMeta(recs[0].Start, 2)
	m.Labels["big"] = strings.Repeat("x", 2*maxFrame)
	if err := j.checkpoint(m); err != nil {
		t.Fatal(err)
	}
	if err := j.append(&recs[0]); err != nil {
		t.Fatal(err)
	}
	if err := j.close(); err != nil {
		t.Fatal(err)
	}
	bf, _ := os.Open(big)
	defer bf.Close()
	n := 0
	meta, torn, err = ReadJournal(bf, func(*schemas.Record) error { n++; return nil })
	if err != nil || torn != 0 || n != 1 || len(meta.Labels["big"]) != 2*maxFrame || !slices.Equal(meta.Shape.Levels, m.Shape.Levels) {
		t.Fatalf("big metadata frame: n=%d torn=%d err=%v levels %v", n, torn, err, meta.Shape.Levels)
	}
}

// TestJournalBadMetadataFrame: a metadata frame that is whole (its
// checksum holds) but not the run's metadata ends the readable part like
// a torn record: the metadata before it stands, and nothing after it is
// read. So does a length over the metadata bound.
func TestJournalBadMetadataFrame(t *testing.T) {
	recs := testRecords(4)
	path := filepath.Join(t.TempDir(), "j")
	_, cps := writeJournalCheckpoints(t, path, recs, 2)
	good, _ := os.ReadFile(path)
	good = good[:cps[0].end] // two records and the first metadata frame
	frame := func(payload []byte) []byte {
		b := binary.LittleEndian.AppendUint32(nil, uint32(len(payload)))
		b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(payload, castagnoli))
		return append(b, payload...)
	}
	other := checkpointMeta(recs[0].Start, 5)
	other.RunID = "run-y"
	otherJS, _ := other.Marshal()
	tooBig := binary.LittleEndian.AppendUint32(nil, maxMetaFrame+1)
	tooBig = append(tooBig, 0, 0, 0, 0, frameMeta)
	rec := append([]byte{frameRecord}, encodeRecord(nil, &recs[2])...)
	for name, bad := range map[string][]byte{
		"not JSON":       frame(append([]byte{frameMeta}, `{"run_id":`...)),
		"another run":    frame(append([]byte{frameMeta}, otherJS...)),
		"unknown kind":   frame(append([]byte{7}, otherJS...)),
		"over the bound": tooBig,
	} {
		b := append(append(append([]byte(nil), good...), bad...), frame(rec)...)
		n := 0
		meta, torn, err := ReadJournal(bytes.NewReader(b), func(*schemas.Record) error { n++; return nil })
		if err != nil || n != 2 || torn != int64(len(b)-len(good)) || !slices.Equal(meta.Shape.Levels, cps[0].meta.Shape.Levels) {
			t.Errorf("%s: %d records, torn %d of %d, err %v, levels %v", name, n, torn, len(b)-len(good), err, meta.Shape.Levels)
		}
	}
}

// TestJournalVersion3StillReads: a journal an llmrec of version 3
// ("LLMRECJ3", no kind byte: every frame a record) wrote reads, and
// recovers, as it did: testdata/journal-v3.bin holds testRecords(8).
func TestJournalVersion3StillReads(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "journal-v3.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if string(data[:8]) != "LLMRECJ3" {
		t.Fatalf("fixture magic %q", data[:8])
	}
	var got []schemas.Record
	meta, torn, err := ReadJournal(bytes.NewReader(data), func(r *schemas.Record) error { got = append(got, *r); return nil })
	if err != nil || torn != 0 || meta.RunID != "run-x" || meta.Labels["a"] != "b" || meta.SchemaVersion != 3 {
		t.Fatalf("ReadJournal: meta %+v torn %d err %v", meta, torn, err)
	}
	if !reflect.DeepEqual(got, testRecords(8)) {
		t.Fatal("version-3 rows differ")
	}
	run := filepath.Join(t.TempDir(), "run.parquet")
	if err := os.WriteFile(JournalPath(run), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if res, err := Recover(run); err != nil || res.Rows != 8 || res.TornBytes != 0 {
		t.Fatalf("Recover: %+v, %v", res, err)
	}
	if m := footerMeta(t, run); m.Requests != 8 || m.EndReason != schemas.EndInterrupted || m.Labels["a"] != "b" {
		t.Fatalf("recovered metadata %+v", m)
	}
}
