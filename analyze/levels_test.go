package analyze

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestEveryPlannedLevelAppears: over random closed runs where some steps
// sent nothing, every planned step the run reached is listed, in order,
// at its planned level; the capacity is never a level that failed its
// rule; and the verdict names levels only.
func TestEveryPlannedLevelAppears(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for trial := range 12 {
		steps := 2 + rng.IntN(5)
		var reqs []req
		for k := 1; k <= steps; k++ {
			if rng.IntN(3) == 0 {
				continue // a level nothing was sent at
			}
			n, fails := 20+rng.IntN(30), 0
			if rng.IntN(4) == 0 {
				fails = rng.IntN(n)
			}
			for i := range n {
				reqs = append(reqs, req{sendS: float64(k-1)*10 + float64(i)*10/float64(n), step: k, users: 10 * k,
					ok: i >= fails, latMS: 50 * float64(k) * (1 + rng.Float64()), class: "http_5xx"})
			}
		}
		m := testMeta("prop", 10, float64(10*steps))
		m.Shape.StepUsers, m.Shape.MaxUsers = 10, 10*steps
		p := writeRun(t, t.TempDir()+"/run.parquet", m, reqs)
		o := testOptions(0, 5*time.Second)
		a, err := Analyze(t.Context(), o, p)
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Steps) != steps {
			t.Fatalf("trial %d: %d steps listed, want %d planned", trial, len(a.Steps), steps)
		}
		for i, s := range a.Steps {
			if s.Step != i+1 || s.Level != float64(10*(i+1)) {
				t.Fatalf("trial %d: step %d at level %v, want step %d at %d users", trial, s.Step, s.Level, i+1, 10*(i+1))
			}
		}
		if c := a.Capacity.Level; c != nil {
			for _, s := range a.Steps {
				if s.Level <= *c && s.Level >= float64(o.BaselineUsers) && s.FailRate != nil && *s.FailRate > o.ErrorThreshold {
					t.Fatalf("trial %d: capacity %v but level %v failed %.2f", trial, *c, s.Level, *s.FailRate)
				}
				if s.Level == *c && s.Requests == 0 {
					t.Fatalf("trial %d: capacity at a level nothing was sent at", trial)
				}
			}
		}
		if sat := a.Saturation; sat.Reached && (sat.Level == nil || a.Capacity.Level != nil && *a.Capacity.Level >= *sat.Level) {
			t.Fatalf("trial %d: capacity %v not below saturation %v", trial, a.Capacity.Level, sat.Level)
		}
	}
}
