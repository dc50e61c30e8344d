package record

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/llmrec/llmrec/analyze/level"
	"github.com/llmrec/llmrec/record/sim"
	"github.com/llmrec/llmrec/schemas"
	"github.com/llmrec/llmrec/schemas/runfile"
)

// searchE2E runs a capacity search against the built-in simulator
// configured by sc on loopback, into a real run file; it returns the
// summary and the file's path.
func searchE2E(t *testing.T, sc SearchConfig, simCfg sim.Config) (*SearchSummary, string) {
	t.Helper()
	ctx := context.Background()
	srv, err := sim.Listen(ctx, "127.0.0.1:0", simCfg)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	sc.Run.Target, sc.Run.Simulator = srv.URL, simCfg.Profile
	cc := sc.ConnConfig()
	client, err := Connect(ctx, &cc)
	if err != nil {
		t.Fatal(err)
	}
	sc.Run.Model = cc.Model
	out := filepath.Join(t.TempDir(), "search.parquet")
	f, err := runfile.Create(out, false, false)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sum, err := Search(ctx, sc, client, f)
	if err != nil {
		t.Fatal(err)
	}
	return sum, out
}

// kneeSearch is a search of offered rates against a knee simulator of 4
// slots serving 16-token answers (about 130 ms each: some 30 req/s),
// within latency ≤ 400 ms at 90%, probes of 2 s after 1 s of warmup, at
// most 16.
func kneeSearch() (SearchConfig, sim.Config) {
	run := DefaultConfig()
	run.MaxTokens, run.Stream, run.Seed = 16, true, 3
	sc := DefaultSearchConfig(run)
	sc.Run.OpenLoop.Kind = ArrivalConstant
	sc.Start, sc.Max = 8, 200
	sc.Probe, sc.Warmup = 2*time.Second, time.Second
	sc.SLO = level.SLO{Latency: 400 * time.Millisecond}
	// Each level's tests share alpha (three tests at 0.0167): 2 s probes
	// of 8 and 16 req/s need a third and a second to show 90%, so a
	// search takes 9 probes or more.
	sc.MaxProbes = 16
	s := sim.DefaultConfig()
	s.Slots, s.MaxTokens = 4, 16
	return sc, s
}

// TestSearchKneeSimulator: the search brackets the knee simulator's
// capacity within its resolution; every probe is a step of the file,
// each row carries its probe's step, and the footer lists the levels in
// probe order, each step's warmup and the search.
func TestSearchKneeSimulator(t *testing.T) {
	if testing.Short() {
		t.Skip("records a search of about 30 s")
	}
	sc, s := kneeSearch()
	var seen []schemas.Probe
	sc.OnProbe = func(p schemas.Probe) { seen = append(seen, p) }
	sum, out := searchE2E(t, sc, s)
	sr := sum.Search
	for _, p := range sr.Probes {
		t.Logf("step %d level %g: %d/%d good, [%.3f, %.3f] %s %s", p.Step, p.Level, p.Good, p.Due, p.Lo, p.Hi, p.Verdict, p.Reason)
	}
	if sr.End != schemas.SearchBracketed || sr.Met == nil || sr.Missed == nil {
		t.Fatalf("search ended %q with bracket %v–%v, want it bracketed", sr.End, sr.Met, sr.Missed)
	}
	// About 30 req/s: four slots of ~130 ms each. Queueing pushes the
	// latency bound's capacity below it; above it the queue grows.
	if *sr.Met < 12 || *sr.Missed > 40 || *sr.Missed-*sr.Met > 0.1**sr.Missed+1e-9 {
		t.Errorf("bracket %g–%g: want it within 10%% and between 12 and 40 req/s", *sr.Met, *sr.Missed)
	}
	if len(seen) != len(sr.Probes) {
		t.Errorf("OnProbe saw %d probes, the search has %d", len(seen), len(sr.Probes))
	}
	rows, meta := readRun(t, out)
	sh := meta.Shape
	if sh.Search == nil || len(sh.Levels) != len(sr.Probes) || sh.ProbeWarmupS != 1 || sh.StepTimeS != 3 {
		t.Fatalf("footer shape %+v: want the search, %d levels, warmup 1 s, steps of 3 s", sh, len(sr.Probes))
	}
	perStep := map[int32]int{}
	for i, r := range rows {
		perStep[r.Step]++
		if r.RunID != meta.RunID {
			t.Fatalf("row %d has run id %q, the file %q", i, r.RunID, meta.RunID)
		}
		k := int(r.Step)
		if k < 1 || k > len(sh.Levels) {
			t.Fatalf("row %d in step %d of %d", i, k, len(sh.Levels))
		}
		from := meta.StartedAt.Add(time.Duration(float64(k-1) * sh.StepTimeS * float64(time.Second)))
		if r.Start.Before(from) || !r.Start.Before(from.Add(3*time.Second+50*time.Millisecond)) {
			t.Errorf("row %d of step %d sent at +%v, outside its step's span", i, k, r.Start.Sub(meta.StartedAt))
		}
	}
	for i, p := range sr.Probes {
		if p.Step != i+1 || sh.Levels[i] != p.Level || perStep[int32(p.Step)] == 0 {
			t.Errorf("probe %d: step %d level %g (footer %g), %d rows", i, p.Step, p.Level, sh.Levels[i], perStep[int32(p.Step)])
		}
	}
	seqs := map[int64]bool{}
	for _, r := range rows {
		seqs[r.Seq] = true
	}
	if len(seqs) != len(rows) || meta.Requests != int64(len(rows)) {
		t.Errorf("%d rows, %d distinct seq, footer says %d requests", len(rows), len(seqs), meta.Requests)
	}
}

// TestSearchInconclusive: a level whose sample cannot tell its
// attainment from the target is probed again, its requests pooled, and
// after the last extension called inconclusive (and counted as a miss).
// Two requests a probe, all good, can never show 90% at alpha 0.05: six
// give a lower bound of 0.05^(1/6) ≈ 61%.
func TestSearchInconclusive(t *testing.T) {
	if testing.Short() {
		t.Skip("records a search of about 6 s")
	}
	sc, s := kneeSearch()
	sc.Start, sc.Probe, sc.Warmup, sc.MaxProbes = 2, time.Second, time.Second, 3
	sum, _ := searchE2E(t, sc, s)
	sr := sum.Search
	var verdicts []string
	var due []int64
	for _, p := range sr.Probes {
		verdicts = append(verdicts, p.Verdict)
		due = append(due, p.Due)
		if p.Level != 2 {
			t.Errorf("probe %d at level %g: want every probe at level 2", p.Step, p.Level)
		}
	}
	want := []string{schemas.ProbeExtend, schemas.ProbeExtend, schemas.ProbeInconclusive}
	if len(verdicts) != 3 || verdicts[0] != want[0] || verdicts[1] != want[1] || verdicts[2] != want[2] {
		t.Fatalf("verdicts %v, want %v", verdicts, want)
	}
	if !(due[0] < due[1] && due[1] < due[2]) {
		t.Errorf("requests due %v: want each extension pooled with the level's earlier probes", due)
	}
	if sr.End != schemas.SearchProbeLimit || sr.Met != nil || sr.Missed == nil || *sr.Missed != 2 {
		t.Errorf("end %q, bracket %v–%v: want the probe limit, the inconclusive level counted as missed", sr.End, sr.Met, sr.Missed)
	}
}
