package record

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/llmrec/llmrec/record/target"
	"github.com/llmrec/llmrec/schemas"
)

// Open-loop runs through the real engine, client and built-in simulator
// on loopback, written to real run files.

// lagMS is a row's send lag: start − scheduled_at, in milliseconds.
func lagMS(r schemas.Record) float64 {
	return float64(r.Start.Sub(r.ScheduledAt)) / float64(time.Millisecond)
}

// quantile is the q-quantile (0-1) of v by linear interpolation; v is sorted.
func quantile(v []float64, q float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	pos := q * float64(len(v)-1)
	lo := int(pos)
	hi := min(lo+1, len(v)-1)
	return v[lo] + (pos-float64(lo))*(v[hi]-v[lo])
}

// TestOpenLoopKneeSimulator: the knee simulator with 4 slots serves about
// 30 requests/s of 16 tokens (130 ms each). Offered 10/s, every arrival is
// sent on time (achieved = offered); offered 50/s with at most 8 in
// flight, the server slows down (the queue beyond its slots swaps), the
// arrivals wait for a slot, fewer are sent than offered, and the latency
// from the schedule (wait + latency) rises through the step.
func TestOpenLoopKneeSimulator(t *testing.T) {
	if testing.Short() {
		t.Skip("records a 6 s open-loop run")
	}
	cfg := quickConfig(t, "")
	cfg.Stream = true
	cfg.Sim.Profile, cfg.Sim.Slots, cfg.Sim.Seed = "knee", 4, 1
	cfg.MaxTokens = 16
	const stepTime = 3 * time.Second
	cfg.OpenLoop = OpenLoop{Kind: ArrivalConstant, Rate: 10, StepRate: 40, MaxRate: 50, StepTime: stepTime, Burstiness: 1, MaxConcurrency: 8, Seed: 5}
	if _, err := runE2E(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	rows, meta := readRun(t, cfg.Out)
	if meta.Shape.Arrival != ArrivalConstant || meta.Shape.MaxConcurrency != 8 {
		t.Fatalf("footer shape %+v", meta.Shape)
	}
	type stepRows struct {
		sent, waited int
		fromSchedule []float64 // by send order
		latency      []float64
	}
	steps := map[int32]*stepRows{1: {}, 2: {}}
	slices.SortFunc(rows, func(a, b schemas.Record) int { return a.ScheduledAt.Compare(b.ScheduledAt) })
	for _, r := range rows {
		s := steps[r.Step]
		if s == nil {
			t.Fatalf("row in step %d of a 2-step run", r.Step)
		}
		s.sent++
		if lagMS(r) > 10 {
			s.waited++
		}
		if r.OK {
			s.fromSchedule = append(s.fromSchedule, lagMS(r)+r.LatencyMS)
			s.latency = append(s.latency, r.LatencyMS)
		}
	}
	s1, s2 := steps[1], steps[2]
	achieved1, achieved2 := float64(s1.sent)/stepTime.Seconds(), float64(s2.sent)/stepTime.Seconds()
	t.Logf("step 1: offered 10/s achieved %.1f/s, %d of %d waited; step 2: offered 50/s achieved %.1f/s, %d of %d waited",
		achieved1, s1.waited, s1.sent, achieved2, s2.waited, s2.sent)
	// Some late sends below capacity are the generator's lag on a busy
	// machine (seen: 6 of 30 with two builds running beside the tests);
	// waits for a slot would be most rows, as above capacity.
	if math.Abs(achieved1-10) > 0.5 || s1.waited > s1.sent/4 {
		t.Errorf("below capacity: achieved %.1f/s of 10/s offered, %d of %d arrivals waited; want every arrival sent on time", achieved1, s1.waited, s1.sent)
	}
	if achieved2 > 0.9*50 || s2.waited < s2.sent/2 {
		t.Errorf("above capacity: achieved %.1f/s of 50/s offered, %d of %d waited; want a shortfall and waits", achieved2, s2.waited, s2.sent)
	}
	fs := s2.fromSchedule
	if len(fs) < 12 {
		t.Fatalf("step 2 has %d successes", len(fs))
	}
	third := len(fs) / 3
	early, late := mean(fs[:third]), mean(fs[len(fs)-third:])
	base := slices.Clone(s1.fromSchedule)
	slices.Sort(base)
	t.Logf("latency_from_schedule: step 1 p50 %.0f ms; step 2 first third %.0f ms, last third %.0f ms", quantile(base, 0.5), early, late)
	if !(late > 1.5*early) || !(late > 3*quantile(base, 0.5)) {
		t.Errorf("latency from the schedule did not rise above capacity: step 1 p50 %.0f ms, step 2 %.0f → %.0f ms", quantile(base, 0.5), early, late)
	}
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// TestWorkloadAgainstSimulator: --input-tokens 512 --output-tokens 128
// --ignore-eos: every answer has exactly 128 tokens and every prompt about
// 512 (the simulator counts a quarter of the bytes), and the footer says
// what was asked.
func TestWorkloadAgainstSimulator(t *testing.T) {
	cfg := quickConfig(t, "")
	cfg.Stream = true
	cfg.Sim.Slots = 64
	cfg.Sim.TokenMS, cfg.Sim.PrefillMS = 0.5, 5
	cfg.OpenLoop = OpenLoop{Kind: ArrivalPoisson, Rate: 40, StepTime: time.Second, Burstiness: 1, Seed: 2}
	cfg.Workload = Workload{InputTokens: target.Range{Min: 512, Max: 512}, OutputTokens: target.Range{Min: 128, Max: 128}, IgnoreEOS: true}
	if _, err := runE2E(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	rows, meta := readRun(t, cfg.Out)
	if len(rows) < 10 {
		t.Fatalf("%d rows", len(rows))
	}
	for _, r := range rows {
		if !r.OK || r.OutputTokens == nil || r.PromptTokens == nil {
			t.Fatalf("row %+v: want a success with usage", r)
		}
		if *r.OutputTokens != 128 || math.Abs(float64(*r.PromptTokens)-512) > 51.2 {
			t.Fatalf("row %d: prompt %d output %d tokens; want about 512 and exactly 128", r.Seq, *r.PromptTokens, *r.OutputTokens)
		}
	}
	w := meta.Workload
	if w == nil || w.InputTokens != "512" || w.OutputTokens != "128" || !w.IgnoreEOS || w.Prompts != "synthetic" || meta.EstimatedOutputRows != 0 {
		t.Fatalf("footer workload %+v, estimated rows %d", w, meta.EstimatedOutputRows)
	}
}

// TestOpenLoopConstantPacing: a constant run at 200/s: the scheduled
// interarrival times are within 1 ms of 1/rate at p99 (the schedule is
// absolute, so this holds whatever the machine does), and the send lag
// the real sends had is reported in the footer (figures are logged, not
// asserted: pacing is measured by BenchmarkOpenLoopPacing).
func TestOpenLoopConstantPacing(t *testing.T) {
	cfg := quickConfig(t, "")
	cfg.Sim.Slots = 256
	cfg.Sim.TokenMS, cfg.Sim.PrefillMS = 0.1, 1
	cfg.MaxTokens = 4
	cfg.OpenLoop = OpenLoop{Kind: ArrivalConstant, Rate: 200, StepTime: 2 * time.Second, Burstiness: 1}
	if _, err := runE2E(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	rows, meta := readRun(t, cfg.Out)
	if len(rows) != 400 {
		t.Fatalf("%d rows; 2 s at 200/s is 400 arrivals", len(rows))
	}
	slices.SortFunc(rows, func(a, b schemas.Record) int { return a.ScheduledAt.Compare(b.ScheduledAt) })
	var gapErr, sendGaps, lags []float64
	for i, r := range rows {
		lags = append(lags, lagMS(r))
		if i > 0 {
			gap := float64(r.ScheduledAt.Sub(rows[i-1].ScheduledAt)) / float64(time.Millisecond)
			gapErr = append(gapErr, math.Abs(gap-5))
			sendGaps = append(sendGaps, float64(r.Start.Sub(rows[i-1].Start))/float64(time.Millisecond))
		}
	}
	slices.Sort(gapErr)
	slices.Sort(lags)
	slices.Sort(sendGaps)
	if p99 := quantile(gapErr, 0.99); p99 > 1 {
		t.Errorf("scheduled interarrival off 1/rate (5 ms) by %.3f ms at p99; want within 1 ms", p99)
	}
	t.Logf("send lag p50 %.3f ms p99 %.3f ms max %.3f ms; actual send gaps p1 %.3f p99 %.3f ms; footer p99 lag %.3f ms",
		quantile(lags, 0.5), quantile(lags, 0.99), lags[len(lags)-1], quantile(sendGaps, 0.01), quantile(sendGaps, 0.99), meta.Generator.P99LagMS)
	if meta.Generator.P99LagMS <= 0 || len(meta.Generator.Seconds) == 0 {
		t.Errorf("footer generator %+v: the send lag is not reported", meta.Generator)
	}
}
