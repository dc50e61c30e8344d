package analyze

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/llmrec/llmrec/schemas"
)

// quantileCont is DuckDB's quantile_cont of xs: linear interpolation
// between the order statistics around q·(n−1).
func quantileCont(xs []float64, q float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	h := q * float64(len(s)-1)
	lo, hi := int(math.Floor(h)), int(math.Ceil(h))
	return s[lo] + (s[hi]-s[lo])*(h-float64(lo))
}

// TestTurnFigures: a run of 3-turn conversations gets, for each turn, its
// post-warmup requests and successes, the exact TTFT p50 and p95 over the
// successes (quantile_cont computed here on the rows) and the mean prompt
// tokens; warmup rows and failures stay out of the TTFT and the mean.
func TestTurnFigures(t *testing.T) {
	meta := testMeta("turns", 10, 30)
	meta.Workload = &schemas.Workload{Prompts: "builtin", Seed: 1, Turns: 3}
	var reqs []req
	for i := range 900 {
		reqs = append(reqs, req{sendS: float64(i) / 31, latMS: 2000, step: i/300 + 1, users: 10, ok: i%11 != 5,
			ttftMS: float64(1 + (i*7919)%997/(i%3+1)), tokens: 20})
	}
	recs := make([]schemas.Record, len(reqs))
	type want struct {
		requests, ok int64
		ttft, prompt []float64
	}
	wants := map[int]*want{1: {}, 2: {}, 3: {}}
	for i, r := range reqs {
		recs[i] = r.record(meta.RunID, i)
		turn, prompt := int32(i%3+1), int32(100*(i%3+1)+i%7)
		recs[i].Turn, recs[i].PromptTokens = &turn, &prompt
		if r.sendS < 2 { // the warmup
			continue
		}
		w := wants[int(turn)]
		w.requests++
		if r.ok {
			w.ok++
			w.ttft = append(w.ttft, r.ttftMS)
			w.prompt = append(w.prompt, float64(prompt))
		}
	}
	path := writeRecords(t, filepath.Join(t.TempDir(), "run.parquet"), meta, recs)
	opts := testOptions(2e9, 5e9)
	a, err := Analyze(context.Background(), opts, path)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Turns) != 3 {
		t.Fatalf("turns %+v: want 3", a.Turns)
	}
	for _, got := range a.Turns {
		w := wants[got.Turn]
		var sum float64
		for _, p := range w.prompt {
			sum += p
		}
		if got.Requests != w.requests || got.OK != w.ok || got.TTFTSamples != int64(len(w.ttft)) ||
			*got.TTFTP50MS != quantileCont(w.ttft, 0.5) || *got.TTFTP95MS != quantileCont(w.ttft, 0.95) ||
			got.PromptTokensN != int64(len(w.prompt)) || math.Abs(*got.PromptTokensMean-sum/float64(len(w.prompt))) > 1e-9 {
			t.Errorf("turn %d: %+v (p50 %v p95 %v mean %v); want requests %d ok %d ttft p50 %v p95 %v mean prompt %v",
				got.Turn, got, *got.TTFTP50MS, *got.TTFTP95MS, *got.PromptTokensMean, w.requests, w.ok,
				quantileCont(w.ttft, 0.5), quantileCont(w.ttft, 0.95), sum/float64(len(w.prompt)))
		}
	}
}

// v2Row is a row of a version-2 file: no turn or prefix column.
type v2Row struct {
	RunID        string    `parquet:"run_id"`
	Shard        int32     `parquet:"shard"`
	Seq          int64     `parquet:"seq"`
	User         int32     `parquet:"user"`
	Step         int32     `parquet:"step"`
	Users        int32     `parquet:"users"`
	ScheduledAt  time.Time `parquet:"scheduled_at,timestamp(microsecond:utc)"`
	Start        time.Time `parquet:"start,timestamp(microsecond:utc)"`
	LatencyMS    float64   `parquet:"latency_ms"`
	TTFTMS       *float64  `parquet:"ttft_ms,optional"`
	Status       int32     `parquet:"status"`
	OK           bool      `parquet:"ok"`
	ErrorClass   *string   `parquet:"error_class,optional"`
	Error        *string   `parquet:"error,optional"`
	PromptTokens *int32    `parquet:"prompt_tokens,optional"`
	OutputTokens *int32    `parquet:"output_tokens,optional"`
	Chunks       int32     `parquet:"chunks"`
	BytesIn      int64     `parquet:"bytes_in"`
	ChunkUS      []int32   `parquet:"chunk_us,optional,list"`
}

// TestVersion2FileReadsWithoutTurns: a version-2 file (no turn column)
// analyzes, its turn read as null: a footer that claims conversations
// gets a turn table with nothing in it, never an error; the same rows as
// a version-3 file give the same figures.
func TestVersion2FileReadsWithoutTurns(t *testing.T) {
	meta := testMeta("v2", 10, 20)
	meta.Workload = &schemas.Workload{Prompts: "builtin", Seed: 1, Turns: 2}
	var rows []v2Row
	var recs []schemas.Record
	for i := range 200 {
		r := req{sendS: float64(i) / 10, latMS: 100 + float64(i%13), step: i/100 + 1, users: 10, ok: true, ttftMS: 10 + float64(i%5), tokens: 9}.record("v2", i)
		r.ChunkUS = []int32{1000, 2000}
		recs = append(recs, r)
		rows = append(rows, v2Row{r.RunID, r.Shard, r.Seq, r.User, r.Step, r.Users, r.ScheduledAt, r.Start, r.LatencyMS, r.TTFTMS,
			r.Status, r.OK, r.ErrorClass, r.Error, r.PromptTokens, r.OutputTokens, r.Chunks, r.BytesIn, r.ChunkUS})
	}
	dir := t.TempDir()
	v2 := filepath.Join(dir, "v2.parquet")
	f, err := os.Create(v2)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[v2Row](f)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	js, _ := meta.Marshal()
	w.SetKeyValueMetadata(schemas.KeySchemaVersion, "2")
	w.SetKeyValueMetadata(schemas.KeyRun, js)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	v3 := writeRecords(t, filepath.Join(dir, "v3.parquet"), meta, recs)
	opts := testOptions(0, 5e9)
	a2, err := Analyze(context.Background(), opts, v2)
	if err != nil {
		t.Fatal(err)
	}
	a3, err := Analyze(context.Background(), opts, v3)
	if err != nil {
		t.Fatal(err)
	}
	if a2.Turns == nil || len(a2.Turns) != 0 || a2.Overall.Requests != 200 || *a2.Overall.P99MS != *a3.Overall.P99MS || *a2.LLM.TTFT.P95 != *a3.LLM.TTFT.P95 {
		t.Errorf("version 2: turns %+v, %d requests, p99 %v (version 3: %v)", a2.Turns, a2.Overall.Requests, *a2.Overall.P99MS, *a3.Overall.P99MS)
	}
}
