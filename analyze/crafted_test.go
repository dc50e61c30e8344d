package analyze

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/llmrec/llmrec/schemas"
)

// craftedRow has every version-1 column, but latency_ms, start and users
// may be NULL: what a hand-made file can hold and the recorder never writes.
type craftedRow struct {
	RunID        string     `parquet:"run_id"`
	Shard        int32      `parquet:"shard"`
	Seq          int64      `parquet:"seq"`
	User         int32      `parquet:"user"`
	Step         int32      `parquet:"step"`
	Users        *int32     `parquet:"users,optional"`
	ScheduledAt  time.Time  `parquet:"scheduled_at,timestamp(microsecond:utc)"`
	Start        *time.Time `parquet:"start,optional,timestamp(microsecond:utc)"`
	LatencyMS    *float64   `parquet:"latency_ms,optional"`
	TTFTMS       *float64   `parquet:"ttft_ms,optional"`
	Status       int32      `parquet:"status"`
	OK           bool       `parquet:"ok"`
	ErrorClass   *string    `parquet:"error_class,optional"`
	Error        *string    `parquet:"error,optional"`
	PromptTokens *int32     `parquet:"prompt_tokens,optional"`
	OutputTokens *int32     `parquet:"output_tokens,optional"`
	Chunks       int32      `parquet:"chunks"`
	BytesIn      int64      `parquet:"bytes_in"`
}

// writeCrafted writes rows with the given metadata strings as they are.
func writeCrafted(t *testing.T, path, version, run string, rows []craftedRow) string {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[craftedRow](f)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	w.SetKeyValueMetadata(schemas.KeySchemaVersion, version)
	w.SetKeyValueMetadata(schemas.KeyRun, run)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path
}

func ref[T any](v T) *T { return &v }

// goodCrafted is n valid rows of step 1, 10 users, latencies 100..100+n ms.
func goodCrafted(n int) []craftedRow {
	rows := make([]craftedRow, n)
	for i := range rows {
		start := t0.Add(time.Duration(i) * 10 * time.Millisecond)
		rows[i] = craftedRow{RunID: "run-c", Seq: int64(i), User: 1, Step: 1, Users: ref(int32(10)),
			ScheduledAt: start, Start: ref(start), LatencyMS: ref(100 + float64(i)), Status: 200, OK: true,
			TTFTMS: ref(20.0), OutputTokens: ref(int32(5)), PromptTokens: ref(int32(5))}
	}
	return rows
}

// TestCraftedRowsExcludedWithCounts: rows that break the format's promises
// (NULL where none is allowed, a negative, NaN, infinite or absurd latency)
// are left out and counted in a warning; a negative TTFT or token count is
// read as absent. No figure goes negative.
func TestCraftedRowsExcludedWithCounts(t *testing.T) {
	meta, _ := testMeta("run-c", 10, 10).Marshal()
	rows := goodCrafted(200)
	rows[0].LatencyMS = nil
	rows[1].Start = nil
	rows[2].Users = nil
	rows[3].LatencyMS = ref(-5000.0)
	rows[4].LatencyMS = ref(math.NaN())
	rows[5].LatencyMS = ref(math.Inf(1))
	rows[6].LatencyMS = ref(1e15)
	rows[7].TTFTMS = ref(-30.0)
	rows[8].TTFTMS = ref(math.NaN())
	rows[9].OutputTokens = ref(int32(-7))
	path := writeCrafted(t, filepath.Join(t.TempDir(), "crafted.parquet"), "1", meta, rows)
	a, err := Analyze(context.Background(), testOptions(0, 5*time.Second), path)
	if err != nil {
		t.Fatal(err)
	}
	want := RowCounts{Nulls: 3, BadLatency: 4, BadTTFT: 2, BadTokens: 1}
	got := facts[RowsFact](a.Warnings)
	if len(got) != 2 || got[0].Kind != RowsLeftOut || got[1].Kind != RowsReadAsNone {
		t.Fatalf("rows facts %+v; want one of rows left out, one of rows read as none", got)
	}
	for _, f := range got {
		if f.File != "crafted.parquet" || f.Rows != 200 || f.RowCounts != want || f.LeftOut() != 7 {
			t.Errorf("%s: %+v; want 7 of 200 rows of crafted.parquet left out, counts %+v", f.Kind, f, want)
		}
	}
	if a.Overall.Requests != 193 {
		t.Errorf("requests = %d, want 193", a.Overall.Requests)
	}
	for name, v := range map[string]*float64{"p50": a.Overall.P50MS, "p99": a.Overall.P99MS, "max": a.Overall.MaxMS} {
		if v == nil || *v < 100 || *v > 300 {
			t.Errorf("%s = %v, want within the valid latencies", name, v)
		}
	}
}

// TestFooterBounds: a huge schema version is not echoed whole, and run
// metadata over MaxMetaBytes is refused before it is decoded.
func TestFooterBounds(t *testing.T) {
	dir := t.TempDir()
	meta, _ := testMeta("run-c", 10, 10).Marshal()
	huge := writeCrafted(t, filepath.Join(dir, "version.parquet"), strings.Repeat("9x", 1<<20), meta, goodCrafted(5))
	_, err := Analyze(context.Background(), testOptions(0, 5*time.Second), huge)
	var ie *InputError
	if !errors.As(err, &ie) || len(err.Error()) > 300 || !strings.Contains(err.Error(), "bad schema version") {
		t.Errorf("huge version: err (%d bytes) = %.300s", len(err.Error()), err)
	}
	big := `{"run_id":"run-c","labels":{"x":"` + strings.Repeat("y", schemas.MaxMetaBytes) + `"}}`
	over := writeCrafted(t, filepath.Join(dir, "meta.parquet"), "1", big, goodCrafted(5))
	_, err = Analyze(context.Background(), testOptions(0, 5*time.Second), over)
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "over the "+strconv.Itoa(schemas.MaxMetaBytes>>20)+" MiB") || len(err.Error()) > 300 {
		t.Errorf("big metadata: err = %.300s", err)
	}
}
