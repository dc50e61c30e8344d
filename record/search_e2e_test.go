package record

import (
	"context"
	"math"
	"path/filepath"
	"slices"
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
	out := filepath.Join(t.TempDir(), "search.parquet")
	f, err := runfile.Create(out, false, false)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return searchInto(t, sc, simCfg, f), out
}

// searchInto runs a capacity search against the built-in simulator
// configured by sc on loopback, into sink.
func searchInto(t *testing.T, sc SearchConfig, simCfg sim.Config, sink Sink) *SearchSummary {
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
	sum, err := Search(ctx, sc, client, sink)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// kneeSearch is a search of offered rates against a knee simulator of 4
// slots serving 16-token answers (about 130 ms each: some 30 req/s),
// within latency ≤ 400 ms at 90%, from 16 req/s, probes of 2 s after 1 s
// of warmup, at most 16.
func kneeSearch() (SearchConfig, sim.Config) {
	run := DefaultConfig()
	run.MaxTokens, run.Stream, run.Seed = 16, true, 3
	sc := DefaultSearchConfig(run)
	sc.Run.OpenLoop.Kind = ArrivalConstant
	sc.Start, sc.Max = 16, 200
	sc.Probe, sc.Warmup = 2*time.Second, time.Second
	sc.SLO = level.SLO{Latency: 400 * time.Millisecond}
	// Each level's tests share alpha (five looks a probe, three probes:
	// 15 tests at 0.0033), so a level needs 55 good requests to show
	// 90%: a 2 s probe of 16 req/s needs a second probe.
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
		t.Fatalf("footer shape %+v: want the search, %d levels, warmup 1 s, steps of at most 3 s", sh, len(sr.Probes))
	}
	perStep := checkStepSpans(t, rows, meta)
	if sh.Search.MaxLooks != 15 {
		t.Errorf("max looks %d, want 15 (5 a probe, 3 probes a level)", sh.Search.MaxLooks)
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
	sum, out := searchE2E(t, sc, s)
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
	// No look could decide: every probe ran to its planned end.
	rows, meta := readRun(t, out)
	if ends := meta.Shape.StepEndsS; !slices.Equal(ends, []float64{2, 4, 6}) || meta.Shape.DurationS != 6 {
		t.Errorf("steps ended at %v s (duration %g s), want every step its full 2 s", ends, meta.Shape.DurationS)
	}
	checkStepSpans(t, rows, meta)
}

// checkStepSpans checks that every row of a search's file is sent within
// its step's span (StepEndsS; a late send up to 50 ms after it), steps
// laid end to end from the start and none longer than StepTimeS; it
// returns the rows of each step. Rows sent after the last step ended
// (those its probe sent while its deciding look settled, or late sends)
// are in the step after it, which the analyzer spans from the last end,
// and within half a warmup of it (and a little).
func checkStepSpans(t *testing.T, rows []schemas.Record, meta *schemas.RunMeta) map[int32]int {
	t.Helper()
	sh := meta.Shape
	ends := sh.StepEndsS
	if len(ends) != len(sh.Levels) || len(ends) == 0 || sh.DurationS != ends[len(ends)-1] {
		t.Fatalf("step ends %v for %d levels, duration %g s", ends, len(sh.Levels), sh.DurationS)
	}
	for k, prev := range append([]float64{0}, ends[:len(ends)-1]...) {
		if d := math.Round((ends[k] - prev) * 1e6); !(d > 0 && d <= math.Round(sh.StepTimeS*1e6)) {
			t.Errorf("step %d lasted %g µs (%g to %g s), want above 0 and at most %g s", k+1, d, prev, ends[k], sh.StepTimeS)
		}
	}
	at := func(s float64) time.Time {
		return meta.StartedAt.Add(time.Duration(math.Round(s*1e6)) * time.Microsecond)
	}
	perStep := map[int32]int{}
	for i, r := range rows {
		perStep[r.Step]++
		if r.RunID != meta.RunID {
			t.Fatalf("row %d has run id %q, the file %q", i, r.RunID, meta.RunID)
		}
		k := int(r.Step)
		if k < 1 || k > len(ends)+1 {
			t.Fatalf("row %d in step %d of %d", i, k, len(ends))
		}
		late := 50 * time.Millisecond
		var from, to time.Time
		switch {
		case k == len(ends)+1:
			from, to = at(ends[k-2]), at(ends[k-2])
			late += time.Duration(sh.ProbeWarmupS / 2 * float64(time.Second))
		case k == 1:
			from, to = at(0), at(ends[0])
		default:
			from, to = at(ends[k-2]), at(ends[k-1])
		}
		if r.Start.Before(from) || !r.Start.Before(to.Add(late)) {
			t.Errorf("row %d of step %d sent at +%v, outside its step's span [%v, %v)", i, k, r.Start.Sub(meta.StartedAt),
				from.Sub(meta.StartedAt), to.Sub(meta.StartedAt))
		}
	}
	return perStep
}

// TestSearchProbeEndsEarly: a probe ends at its first look that decides.
// Far above the knee simulator's capacity (some 30 req/s) the first look
// shows the level missed; well below it, the look after the sample holds
// the 55 good requests that show 90% shows it met. Either step ends at
// that look, clearly before its planned end; the footer's step ends and
// the rows agree, and the probe's counts are the requests sent in its
// measured part before that end, as llmrep reads them.
func TestSearchProbeEndsEarly(t *testing.T) {
	if testing.Short() {
		t.Skip("records two searches of about 10 s")
	}
	for _, c := range []struct {
		name    string
		rate    float64
		verdict string
		end     float64 // where the step ends: the warmup and the deciding look
		or      float64 // the next look, should a slow answer keep the first from deciding
	}{
		// 200 req/s: requests queue past 400 ms at once; the look at
		// 2 s settles on the latency bound.
		{"far above", 200, schemas.ProbeMisses, 1 + 2, 1 + 2},
		// 12 req/s: 55 requests take 4.6 s, so the look at 6 s decides.
		{"well below", 12, schemas.ProbeMeets, 1 + 6, 1 + 8},
	} {
		t.Run(c.name, func(t *testing.T) {
			sc, s := kneeSearch()
			sc.Start, sc.Max, sc.MaxProbes = c.rate, c.rate, 1
			sc.Probe, sc.Warmup = 10*time.Second, time.Second
			t0 := time.Now()
			sum, out := searchE2E(t, sc, s)
			wall := time.Since(t0)
			p := sum.Search.Probes[0]
			t.Logf("level %g: %d/%d good, %d failed, [%.3f, %.3f] %s; steps end %v; %v wall", p.Level, p.Good, p.Due, p.Failures,
				p.Lo, p.Hi, p.Verdict, sum.Meta.Shape.StepEndsS, wall.Round(time.Millisecond))
			if p.Verdict != c.verdict {
				t.Fatalf("verdict %s, want %s", p.Verdict, c.verdict)
			}
			rows, meta := readRun(t, out)
			ends := meta.Shape.StepEndsS
			if !slices.Equal(ends, []float64{c.end}) && !slices.Equal(ends, []float64{c.or}) || meta.Shape.StepTimeS != 11 {
				t.Fatalf("step ended at %v s of at most %g, want at the look at %g s", ends, meta.Shape.StepTimeS, c.end)
			}
			end := ends[0]
			if wall > time.Duration(end*float64(time.Second))+2*time.Second {
				t.Errorf("the search took %v: want it over soon after its step's end, %g s", wall, end)
			}
			checkStepSpans(t, rows, meta)
			var due, good int64
			for _, r := range rows {
				if s := r.Start.Sub(meta.StartedAt).Seconds(); s >= 1 && s < end {
					due++
					if sc.SLO.Good(sloRequest(&r)) {
						good++
					}
				}
			}
			if due != p.Due || good != p.Good {
				t.Errorf("rows sent in the measured part: %d good of %d; the probe counted %d of %d", good, due, p.Good, p.Due)
			}
		})
	}
}
