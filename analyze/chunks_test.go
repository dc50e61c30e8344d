package analyze

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/llmrec/llmrec/analyze/analyzetest"
	"github.com/llmrec/llmrec/schemas"
)

// chunkRow is a request of the chunk fixture: its step (of 10 s), whether
// it succeeded, its latency and chunk times in ms (nil: none recorded).
type chunkRow struct {
	step   int
	ok     bool
	latMS  float64
	chunks []float64
}

// chunkFixture are requests whose gaps are worked out by hand below.
var chunkFixture = []chunkRow{
	// Step 1: gaps 10, 20 | 5, 5, 30 | none (one chunk) | not recorded.
	{1, true, 100, []float64{40, 50, 70}},
	{1, true, 120, []float64{50, 55, 60, 90}},
	{1, true, 80, []float64{60}},
	{1, true, 90, nil},
	// A failure's gaps are not figures (success only).
	{1, false, 900, []float64{10, 800}},
	// Step 2: gaps 15, 1500 (a stall) | 8, 12 | not ascending: absent.
	{2, true, 1700, []float64{100, 115, 1615}},
	{2, true, 150, []float64{110, 118, 130}},
	{2, true, 150, []float64{110, 90, 130}},
}

// writeChunkFixture writes chunkFixture as a version-2 run with chunk
// times: every success has 4 output tokens and a TTFT at its first chunk
// (or at 50 ms without chunk times).
func writeChunkFixture(t *testing.T) string {
	t.Helper()
	m := testMeta("chunks", 10, 20)
	m.Stream, m.ChunkTimes = true, true
	var recs []schemas.Record
	for i, c := range chunkFixture {
		start := t0.Add(time.Duration(c.step-1)*10*time.Second + time.Duration(i)*time.Second)
		r := schemas.Record{RunID: "chunks", Seq: int64(i), User: int32(i), Step: int32(c.step), Users: int32(10 * c.step),
			ScheduledAt: start, Start: start, LatencyMS: c.latMS, OK: c.ok, Status: 200, Chunks: int32(len(c.chunks))}
		if c.ok {
			ttft, tok := 50.0, int32(4)
			if len(c.chunks) > 0 {
				ttft = c.chunks[0]
			}
			r.TTFTMS, r.OutputTokens = &ttft, &tok
		} else {
			cls := schemas.ErrHTTP5xx
			r.Status, r.ErrorClass = 500, &cls
		}
		if c.chunks != nil {
			r.ChunkUS = []int32{}
			for _, ms := range c.chunks {
				r.ChunkUS = append(r.ChunkUS, int32(ms*1000))
			}
		}
		recs = append(recs, r)
	}
	path := filepath.Join(t.TempDir(), "chunks.parquet")
	if err := analyzetest.WriteRecords(path, m, recs); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestChunkFiguresKnownAnswers: the ITL is every gap between consecutive
// content chunks of the successes, pooled, with exact percentiles
// overall and by step; TPOT stays the per-request (latency −
// TTFT)/(tokens − 1); the stalls are each success's longest gap against
// --stall; an ITL SLO bounds a request's every gap.
func TestChunkFiguresKnownAnswers(t *testing.T) {
	path := writeChunkFixture(t)
	opts := testOptions(0, 5*time.Second)
	a, err := Analyze(context.Background(), opts, path)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Run.ChunkTimes || a.LLM == nil || a.LLM.ITL == nil || a.LLM.Stalls == nil {
		t.Fatalf("chunk times %v, LLM %+v", a.Run.ChunkTimes, a.LLM)
	}
	step1 := []float64{10, 20, 5, 5, 30}
	step2 := []float64{15, 1500, 8, 12}
	all := append(append([]float64{}, step1...), step2...)
	itl := a.LLM.ITL
	if itl.Samples != int64(len(all)) {
		t.Errorf("ITL samples %d, want %d", itl.Samples, len(all))
	}
	checkQ(t, "itl p50", itl.P50, wantQuantile(all, 0.5))
	checkQ(t, "itl p90", itl.P90, wantQuantile(all, 0.9))
	checkQ(t, "itl p99", itl.P99, wantQuantile(all, 0.99))
	checkQ(t, "itl max", itl.Max, ptr(1500))
	for i, want := range [][]float64{step1, step2} {
		s := a.Steps[i].LLM
		checkQ(t, "step itl p50", s.ITLP50MS, wantQuantile(want, 0.5))
		checkQ(t, "step itl p95", s.ITLP95MS, wantQuantile(want, 0.95))
		checkQ(t, "step itl p99", s.ITLP99MS, wantQuantile(want, 0.99))
	}
	// TPOT: (latency − ttft)/3 of every success (4 tokens).
	tpot := []float64{(100 - 40) / 3.0, (120 - 50) / 3.0, (80 - 60) / 3.0, (90 - 50) / 3.0, (1700 - 100) / 3.0, (150 - 110) / 3.0, (150 - 110) / 3.0}
	checkQ(t, "tpot p50", a.LLM.TPOT.P50, wantQuantile(tpot, 0.5))
	checkQ(t, "tpot p99", a.LLM.TPOT.P99, wantQuantile(tpot, 0.99))
	// Stalls: longest gaps 20, 30 (step 1), 1500, 12 (step 2).
	st := a.LLM.Stalls
	if st.Requests != 4 || st.Stalled != 1 || st.ThresholdMS != 1000 {
		t.Errorf("stalls %+v, want 1 of 4 over 1000 ms", st)
	}
	checkQ(t, "stall share", st.Share, ptr(0.25))
	checkQ(t, "longest gap p50", st.LongestGap.P50, wantQuantile([]float64{20, 30, 1500, 12}, 0.5))
	checkQ(t, "step 1 stall share", a.Steps[0].LLM.StallShare, ptr(0))
	checkQ(t, "step 2 stall share", a.Steps[1].LLM.StallShare, ptr(0.5))
	checkQ(t, "step 1 max gap", a.Steps[0].LLM.MaxGapMS, ptr(30))
	checkQ(t, "step 2 max gap", a.Steps[1].LLM.MaxGapMS, ptr(1500))

	// --stall 25ms: step 1's 30 ms gap stalls too.
	opts.Stall = 25 * time.Millisecond
	b, err := Analyze(context.Background(), opts, path)
	if err != nil {
		t.Fatal(err)
	}
	checkQ(t, "stall share at 25 ms", b.LLM.Stalls.Share, ptr(0.5))

	// --slo itl=25ms: good are the successes whose every gap is within
	// it: the first (10, 20) and step 2's second (8, 12); those without
	// two chunk times are not.
	opts.Stall = 0
	opts.SLO = SLO{ITL: 25 * time.Millisecond}
	c, err := Analyze(context.Background(), opts, path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Overall.Good != 2 || c.Steps[0].Good != 1 || c.Steps[1].Good != 1 {
		t.Errorf("good with itl=25ms: %d (steps %d, %d), want 2 (1, 1)", c.Overall.Good, c.Steps[0].Good, c.Steps[1].Good)
	}
	// --slo tpot=15ms: the per-request figure (20, 23.3, 6.7, 13.3, 533,
	// 13.3, 13.3): four within, the one-chunk request among them.
	opts.SLO = SLO{TPOT: 15 * time.Millisecond}
	d, err := Analyze(context.Background(), opts, path)
	if err != nil {
		t.Fatal(err)
	}
	if d.Overall.Good != 4 {
		t.Errorf("good with tpot=15ms: %d, want 4", d.Overall.Good)
	}
}

// TestVersion1RunHasNoChunkFigures: a run without chunk times (a file
// of version 1, or one recorded with --chunk-times=false) has no ITL and
// no stalls: null, never zero.
func TestVersion1RunHasNoChunkFigures(t *testing.T) {
	o := testOptions(0, 10*time.Second)
	for _, path := range []string{"testdata/v1-closed.parquet", writeSpec(t, analyzetest.A)} {
		a, err := Analyze(context.Background(), o, path)
		if err != nil {
			t.Fatal(err)
		}
		if a.Run.ChunkTimes || a.LLM == nil || a.LLM.ITL != nil || a.LLM.Stalls != nil || a.LLM.TPOT.Samples == 0 {
			t.Errorf("%s: chunk times %v, LLM %+v", path, a.Run.ChunkTimes, a.LLM)
		}
		for _, s := range a.Steps {
			if s.LLM != nil && (s.LLM.ITLP50MS != nil || s.LLM.StallShare != nil || s.LLM.MaxGapMS != nil) {
				t.Errorf("%s: step %d has chunk figures %+v", path, s.Step, s.LLM)
			}
		}
	}
}

// writeSpec writes the run of s in a temporary directory.
func writeSpec(t *testing.T, s analyzetest.Spec) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), s.RunID+".parquet")
	if err := analyzetest.Write(path, s); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestITLBoundWithoutChunkTimesWarns: an ITL bound on a run without
// chunk times holds for no request, and the report says why.
func TestITLBoundWithoutChunkTimesWarns(t *testing.T) {
	o := testOptions(0, 10*time.Second)
	o.SLO = SLO{ITL: time.Second}
	a, err := Analyze(context.Background(), o, "testdata/v1-closed.parquet")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, w := range a.Warnings {
		found = found || w.Fact == RunFact{Kind: RunNoChunkTimes}
	}
	if a.Overall.Good != 0 || !found {
		t.Errorf("good %d, warnings %q", a.Overall.Good, texts(a.Warnings))
	}
}
