package analyze

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// TestRPSLeavesOutGrace: a run planned for 20 s whose last responses came
// in during a 10 s grace period sent its requests over 20 s, not 30.
func TestRPSLeavesOutGrace(t *testing.T) {
	var reqs []req
	for i := 0; i < 40; i++ {
		step := 1 + i/20
		reqs = append(reqs, req{sendS: float64(i) * 0.5, latMS: 100, step: step, users: 10 * step, ok: true})
	}
	m := testMeta("run-grace", 10, 30) // ended_at = start + 30 s
	m.Shape.DurationS = 20
	p := writeRun(t, filepath.Join(t.TempDir(), "run.parquet"), m, reqs)
	a, err := Analyze(context.Background(), testOptions(0, 5*time.Second), p)
	if err != nil {
		t.Fatal(err)
	}
	checkQ(t, "overall rps", a.Overall.RPS, ptr(40.0/20))
	if len(a.Steps) != 2 {
		t.Fatalf("steps = %d", len(a.Steps))
	}
	checkQ(t, "step 2 rps", a.Steps[1].RPS, ptr(20.0/10))
}
