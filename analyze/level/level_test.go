package level

import (
	"math"
	"math/rand/v2"
	"testing"
)

func f(v float64) *float64 { return &v }

var closedRules = Rules{Kind: Users, BaselineLevel: 10, LatencyThreshold: 2, ErrorThreshold: 0.01, SLOTarget: 0.9,
	SentRatio: 0.9, WaitFraction: 0.01}

// closed makes closed-loop steps at levels 10, 20, ... with the given
// p95s and failure counts out of 100 requests each (a negative p95: none).
func closed(p95 []float64, fails []int64) []Step {
	out := make([]Step, len(p95))
	for i := range p95 {
		s := Step{Step: i + 1, Level: float64(10 * (i + 1)), Sent: 100, Failures: fails[i], Good: 100 - fails[i]}
		if p95[i] >= 0 {
			s.P95 = f(p95[i])
		}
		out[i] = s
	}
	return out
}

func TestJudge(t *testing.T) {
	tests := []struct {
		name           string
		steps          []Step
		slo            bool
		sat, capacity  int
		bounded        bool
		signal         string
		baselineHeld   bool
		good           []int64 // overrides Good by step index (SLO cases)
		baselineLevel  float64
		wantNoBaseline bool
	}{
		{name: "never saturates", steps: closed([]float64{100, 110, 120}, []int64{0, 0, 0}), sat: -1, capacity: 2, baselineHeld: true},
		{name: "latency doubles at 30", steps: closed([]float64{100, 150, 250}, []int64{0, 0, 0}), sat: 2, capacity: 1, bounded: true, signal: SignalLatency, baselineHeld: true},
		{name: "first step fails: saturated at the baseline", steps: closed([]float64{100, 100}, []int64{50, 50}), sat: 0, capacity: -1, bounded: true, signal: SignalErrors},
		{name: "errors at 20", steps: closed([]float64{100, 100, 100}, []int64{0, 5, 0}), sat: 1, capacity: 0, bounded: true, signal: SignalErrors, baselineHeld: true},
		{name: "no success at the baseline: the latency rule is not judged", steps: closed([]float64{-1, 500}, []int64{0, 0}), sat: -1, capacity: 1},
		{name: "no baseline reached", steps: closed([]float64{100, 900}, []int64{0, 0}), baselineLevel: 50, sat: -1, capacity: -1, wantNoBaseline: true},
		// With an SLO the SLO decides: the 2x rule fires at 30, but 30
		// met the target, 40 did not.
		{name: "SLO past the knee", steps: closed([]float64{100, 150, 250, 900}, []int64{0, 0, 0, 0}), slo: true,
			good: []int64{100, 100, 95, 50}, sat: 2, capacity: 2, bounded: true, signal: SignalLatency, baselineHeld: true},
		// A level that meets the SLO only after one that missed is not held.
		{name: "SLO: a level after a miss", steps: closed([]float64{100, 100, 100}, []int64{0, 0, 0}), slo: true,
			good: []int64{100, 10, 100}, sat: -1, capacity: 0, bounded: true, baselineHeld: true},
		// The SLO does not hold a level that fails the error threshold.
		{name: "SLO: errors over the threshold", steps: closed([]float64{100, 100}, []int64{0, 5}), slo: true,
			good: []int64{100, 95}, sat: 1, capacity: 0, bounded: true, signal: SignalErrors, baselineHeld: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := closedRules
			r.SLO = tt.slo
			if tt.baselineLevel > 0 {
				r.BaselineLevel = tt.baselineLevel
			}
			for i, g := range tt.good {
				tt.steps[i].Good = g
			}
			v := Judge(tt.steps, r)
			if (v.Baseline < 0) != tt.wantNoBaseline {
				t.Fatalf("baseline %d", v.Baseline)
			}
			if v.Saturation != tt.sat || v.Capacity != tt.capacity || v.Bounded != tt.bounded || v.BaselineHeld != tt.baselineHeld {
				t.Errorf("saturation %d capacity %d bounded %v held %v, want %d %d %v %v",
					v.Saturation, v.Capacity, v.Bounded, v.BaselineHeld, tt.sat, tt.capacity, tt.bounded, tt.baselineHeld)
			}
			if v.Fired.Main() != tt.signal {
				t.Errorf("signal %q, want %q", v.Fired.Main(), tt.signal)
			}
		})
	}
}

func TestShortfall(t *testing.T) {
	tests := []struct {
		offered, achieved, dur float64
		poisson, short         bool
	}{
		{100, 95, 10, false, false},
		{100, 89, 10, false, true},
		{100, 89, 10, true, true},    // 890 of 1000 is far beyond chance
		{1, 0.8, 10, false, true},    // constant: 8 of 10 is short
		{1, 0.8, 10, true, false},    // poisson: 8 of an expected 10 is chance
		{1, 0.0, 100, true, true},    // poisson: 0 of 100 is not
		{100, 150, 10, false, false}, // more than offered (a late backlog)
	}
	for _, tt := range tests {
		r := Rules{Kind: Rate, SentRatio: 0.9, Poisson: tt.poisson}
		if _, short := shortOf(f(tt.offered), f(tt.achieved), tt.dur, r); short != tt.short {
			t.Errorf("%+v: short = %v", tt, short)
		}
	}
}

// TestOpenLoop: completed below offered, and arrivals never sent, are
// the throughput signal; an open loop's baseline is its first step.
func TestOpenLoop(t *testing.T) {
	r := Rules{Kind: Rate, LatencyThreshold: 2, ErrorThreshold: 0.01, SentRatio: 0.9, WaitFraction: 0.01}
	step := func(k int, offered, completed float64, unsent int64) Step {
		return Step{Step: k, Level: offered, Sent: int64(offered * 10), Good: int64(offered * 10), Unsent: unsent, P95: f(100),
			Offered: f(offered), Achieved: f(offered), Completed: f(completed), DurationS: 10}
	}
	steps := []Step{step(1, 8, 8, 0), step(2, 16, 15.9, 0), step(3, 24, 17, 0), step(4, 32, 17, 0)}
	v := Judge(steps, r)
	if v.Saturation != 2 || !v.Fired.Unserved || v.Fired.Main() != SignalThroughput || v.Capacity != 1 {
		t.Errorf("completed below offered: saturation %d fired %+v capacity %d", v.Saturation, v.Fired, v.Capacity)
	}
	if v.Knee != 2 {
		t.Errorf("knee %d, want 2 (throughput stops rising after 24 req/s)", v.Knee)
	}
	// A level nothing was sent at: every arrival waited and was not sent.
	steps = []Step{step(1, 8, 8, 0), {Step: 2, Level: 40, Unsent: 400, Offered: f(40), Achieved: f(0), Completed: f(0), DurationS: 10}}
	v = Judge(steps, r)
	if v.Saturation != 1 || !v.Fired.Waited || !v.Fired.Short || v.Capacity != 0 {
		t.Errorf("unsent level: saturation %d fired %+v capacity %d", v.Saturation, v.Fired, v.Capacity)
	}
	if a := steps[1].Attainment(); a == nil || *a != 0 {
		t.Errorf("attainment of an unsent level %v, want 0", a)
	}
}

// TestProperties: over random runs, the capacity is never a level that
// failed its rule, and no level above a saturation holds without an SLO.
func TestProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	for range 2000 {
		n := 1 + rng.IntN(8)
		steps := make([]Step, n)
		for i := range steps {
			sent := int64(rng.IntN(50))
			fails := int64(0)
			if sent > 0 && rng.IntN(3) == 0 {
				fails = int64(rng.IntN(int(sent) + 1))
			}
			s := Step{Step: i + 1, Level: float64(5 * (i + 1)), Sent: sent, Failures: fails, Good: sent - fails}
			if rng.IntN(2) == 0 && s.Good > 0 {
				s.Good = int64(rng.IntN(int(s.Good) + 1))
			}
			if sent > fails {
				s.P95 = f(50 + rng.Float64()*float64(i+1)*100)
			}
			steps[i] = s
		}
		for _, slo := range []bool{false, true} {
			r := closedRules
			r.BaselineLevel = float64(5 * (1 + rng.IntN(3)))
			r.SLO = slo
			v := Judge(steps, r)
			if v.Capacity < 0 {
				continue
			}
			c := steps[v.Capacity]
			if !slo && c.Sent == 0 {
				t.Fatalf("capacity at level %v, where nothing was sent: %+v", c.Level, steps)
			}
			for _, s := range steps {
				if s.Level > c.Level {
					continue
				}
				if slo && !Meets(s, r) {
					t.Fatalf("slo capacity %v but level %v missed: %+v", c.Level, s.Level, steps)
				}
				if !slo && s.Level >= r.BaselineLevel && errorsOver(s, r) {
					t.Fatalf("capacity %v but level %v failed the error rule: %+v", c.Level, s.Level, steps)
				}
			}
			if !slo && v.Saturation >= 0 && c.Level >= steps[v.Saturation].Level {
				t.Fatalf("capacity %v at or above saturation %v", c.Level, steps[v.Saturation].Level)
			}
			if math.IsNaN(c.Level) {
				t.Fatal("NaN level")
			}
		}
	}
}
