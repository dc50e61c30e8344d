package runfile

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/llmrec/llmrec/schemas"
)

// FuzzRecoverTruncation: llmrec recover on a journal cut at any byte and
// followed by any bytes (a torn write, then garbage from a reused disk
// block). Recover never panics; when the header is whole it succeeds, the
// file it writes is valid Parquet holding every record whose frame was
// whole before the cut, unchanged and in order, and nothing it cannot
// decode, with the metadata of the last metadata frame whole before the
// cut. Seeds: testdata/fuzz/FuzzRecoverTruncation.
func FuzzRecoverTruncation(f *testing.F) {
	recs := testRecords(6)
	path := filepath.Join(f.TempDir(), "journal")
	ends, cps := writeJournalCheckpoints(f, path, recs, 2) // version 4, a metadata frame after every second record
	data, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	headerLen := ends[0] - 9 - len(encodeRecord(nil, &recs[0]))
	f.Add(uint16(len(data)), []byte(nil))
	f.Fuzz(func(t *testing.T, cut uint16, garbage []byte) {
		n := min(int(cut), len(data))
		journal := append(append([]byte(nil), data[:n]...), garbage...)
		run := filepath.Join(t.TempDir(), "run.parquet")
		if err := os.WriteFile(JournalPath(run), journal, 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := Recover(run)
		if n < headerLen {
			return // the header is torn: an error (or, by chance, a header made of garbage)
		}
		if err != nil {
			t.Fatalf("cut %d + %d bytes: header whole but Recover failed: %v", n, len(garbage), err)
		}
		whole := 0
		for _, e := range ends {
			if e <= n {
				whole++
			}
		}
		got, err := parquet.ReadFile[schemas.Record](run)
		if err != nil {
			t.Fatalf("recovered file unreadable: %v", err)
		}
		if int64(len(got)) != res.Rows || len(got) < whole {
			t.Fatalf("cut %d: %d rows in the file, %d reported, %d frames whole", n, len(got), res.Rows, whole)
		}
		if whole > 0 && !reflect.DeepEqual(got[:whole], recs[:whole]) {
			t.Fatalf("cut %d: the whole records came back changed", n)
		}
		// Garbage may hold a frame copied from the seed; without it the
		// metadata is the last whole metadata frame's.
		meta := footerMeta(t, run)
		if want := journaledLevels(cps, n); len(garbage) == 0 && !slices.Equal(meta.Shape.Levels, want) || meta.RunID != "run-x" {
			t.Fatalf("cut %d: recovered levels %v of run %s, want %v", n, meta.Shape.Levels, meta.RunID, want)
		}
		if res.TornBytes < 0 || res.TornBytes > int64(len(journal)) {
			t.Fatalf("torn bytes %d of %d", res.TornBytes, len(journal))
		}
	})
}
