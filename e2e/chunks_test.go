package e2e

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/record"
	"github.com/llmrec/llmrec/record/sim"
	"github.com/llmrec/llmrec/schemas"
)

// TestSimulatorChunkTimes records a real run of the simulator and reads
// the chunk times back from the run file: every success has one per
// content chunk (one per output token: the simulator sends a token a
// chunk), the first is the TTFT, they ascend and end within the latency,
// and their median gap is the simulator's token time.
func TestSimulatorChunkTimes(t *testing.T) {
	cfg := sim.DefaultConfig()
	cfg.Profile, cfg.Slots, cfg.PrefillMS, cfg.TokenMS, cfg.Jitter = sim.ProfileLinear, 1000, 20, 8, 0
	sh := simShape{stepUsers: 2, maxUsers: 4, stepTime: time.Second, waitMin: 10 * time.Millisecond, waitMax: 20 * time.Millisecond, maxTokens: 12}
	path := recordSimRun(t, cfg, sh)
	rows, meta := readRunFile(t, path)
	if !meta.ChunkTimes || meta.SchemaVersion != schemas.Version {
		t.Fatalf("footer: chunk_times %v, version %d", meta.ChunkTimes, meta.SchemaVersion)
	}
	var gaps []float64
	ok := 0
	for _, r := range rows {
		if !r.OK {
			continue
		}
		ok++
		us := r.ChunkUS
		if r.OutputTokens == nil || len(us) != int(*r.OutputTokens) || r.TTFTMS == nil {
			t.Fatalf("row %d: %d chunk times, output tokens %v", r.Seq, len(us), r.OutputTokens)
		}
		if d := math.Abs(float64(us[0]) - *r.TTFTMS*1000); d > 1 {
			t.Errorf("row %d: first chunk at %d µs, TTFT %.3f ms", r.Seq, us[0], *r.TTFTMS)
		}
		if float64(us[len(us)-1]) > r.LatencyMS*1000 {
			t.Errorf("row %d: last chunk at %d µs, latency %.3f ms", r.Seq, us[len(us)-1], r.LatencyMS)
		}
		for k := 1; k < len(us); k++ {
			if us[k] < us[k-1] {
				t.Fatalf("row %d: chunk times not ascending: %v", r.Seq, us)
			}
			gaps = append(gaps, float64(us[k]-us[k-1])/1000)
		}
	}
	if ok < 10 {
		t.Fatalf("only %d successes", ok)
	}
	slices.Sort(gaps)
	if med := gaps[len(gaps)/2]; med < 0.75*cfg.TokenMS || med > 1.5*cfg.TokenMS {
		t.Errorf("median chunk gap %.2f ms, the simulator's token time is %v ms", med, cfg.TokenMS)
	}

	// The analyzer's pooled ITL is those gaps; one token a chunk makes
	// the TPOT about the same; nothing stalled.
	a, err := analyze.Analyze(context.Background(), testOptions(0, 5*time.Second), path)
	if err != nil {
		t.Fatal(err)
	}
	if a.LLM == nil || a.LLM.ITL == nil || a.LLM.Stalls == nil {
		t.Fatalf("no ITL or stalls: %+v", a.LLM)
	}
	if a.LLM.ITL.Samples != int64(len(gaps)) || a.LLM.Stalls.Stalled != 0 || a.LLM.Stalls.Requests != int64(ok) {
		t.Errorf("ITL samples %d (want %d), stalls %+v", a.LLM.ITL.Samples, len(gaps), a.LLM.Stalls)
	}
	if p50 := *a.LLM.ITL.P50; math.Abs(p50-gaps[len(gaps)/2]) > gaps[len(gaps)/2]*0.2 {
		t.Errorf("ITL p50 %.3f ms, the gaps' median %.3f ms", p50, gaps[len(gaps)/2])
	}
	if tpot := *a.LLM.TPOT.P50; tpot < 0.75*cfg.TokenMS || tpot > 1.5*cfg.TokenMS {
		t.Errorf("TPOT p50 %.2f ms, the simulator's token time is %v ms", tpot, cfg.TokenMS)
	}

	// --chunk-times=false: the column is there, null in every row.
	path = recordSimRunWith(t, cfg, sh, func(c *record.Config) { c.ChunkTimes = false })
	rows, meta = readRunFile(t, path)
	if meta.ChunkTimes || len(rows) == 0 {
		t.Fatalf("chunk times off: footer chunk_times %v, %d rows", meta.ChunkTimes, len(rows))
	}
	for _, r := range rows {
		if r.ChunkUS != nil {
			t.Fatalf("chunk times off: row %d has %v", r.Seq, r.ChunkUS)
		}
	}
}

// TestSimulatorBurstsITLIsTheChunkGap: a server that sends four tokens a
// chunk (the simulator's TokensPerChunk) has an ITL, the gap between
// chunks, of about four token times, while its TPOT, a request's time
// per token, stays about one: the two figures differ by the burst factor.
func TestSimulatorBurstsITLIsTheChunkGap(t *testing.T) {
	cfg := sim.DefaultConfig()
	cfg.Profile, cfg.Slots, cfg.PrefillMS, cfg.TokenMS, cfg.Jitter, cfg.TokensPerChunk = sim.ProfileLinear, 1000, 20, 6, 0, 4
	sh := simShape{stepUsers: 2, maxUsers: 4, stepTime: time.Second, waitMin: 10 * time.Millisecond, waitMax: 20 * time.Millisecond, maxTokens: 32}
	path := recordSimRun(t, cfg, sh)
	rows, _ := readRunFile(t, path)
	for _, r := range rows {
		if r.OK && (r.OutputTokens == nil || *r.OutputTokens != 32 || len(r.ChunkUS) != 8) {
			t.Fatalf("row %d: %v output tokens in %d chunk times, want 32 in 8", r.Seq, r.OutputTokens, len(r.ChunkUS))
		}
	}
	a, err := analyze.Analyze(context.Background(), testOptions(0, 5*time.Second), path)
	if err != nil {
		t.Fatal(err)
	}
	itl, tpot := *a.LLM.ITL.P50, *a.LLM.TPOT.P50
	if itl < 0.8*4*cfg.TokenMS || itl > 1.3*4*cfg.TokenMS {
		t.Errorf("ITL p50 %.2f ms, want about 4 token times (%v ms)", itl, 4*cfg.TokenMS)
	}
	if r := itl / tpot; r < 3 || r > 5.5 {
		t.Errorf("ITL p50 %.2f ms / TPOT p50 %.2f ms = %.2f, want about the burst factor 4", itl, tpot, r)
	}
}
