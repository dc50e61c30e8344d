package record

import (
	"context"
	"math"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/llmrec/llmrec/record/target"
	"github.com/llmrec/llmrec/schemas"
)

// streamClient answers after 20 ms with its first token at 5 ms and 2
// output tokens; every fifth request fails at once with a 503.
type streamClient struct{ calls atomic.Int64 }

func (c *streamClient) Do(ctx context.Context, _ target.Prompt) target.Result {
	n := c.calls.Add(1)
	res := target.Result{Start: time.Now()}
	if n%5 == 0 {
		res.Status, res.ErrorClass, res.Error = 503, schemas.ErrHTTP5xx, "503 Service Unavailable"
		return res
	}
	select {
	case <-time.After(20 * time.Millisecond):
		res.Status, res.OK = 200, true
		res.HasTTFT, res.TTFT = true, 5*time.Millisecond
		res.HasUsage, res.PromptTokens, res.OutputTokens = true, 3, 2
	case <-ctx.Done():
		res.ErrorClass, res.Error = schemas.ErrCanceled, "canceled"
	}
	res.Latency = time.Since(res.Start)
	return res
}

// TestRunSnapshots: with Config.Snapshot set, the watcher hands over one
// snapshot a second (and a last one at the end) whose step follows the
// schedule, whose TTFT and tokens/s come from the rows, whose failures by
// class add up to the failed rows, and whose baseline and limit appear
// once the baseline step has ended.
func TestRunSnapshots(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := engineConfig()
		cfg.Shape = Shape{StepUsers: 2, StepTime: 2 * time.Second, MaxUsers: 4}
		cfg.BaselineUsers = 2
		var snaps []Snapshot
		var statuses int
		cfg.Progress = func(Status) { statuses++ }
		cfg.Snapshot = func(s Snapshot) { snaps = append(snaps, s) }
		sink := &memSink{}
		if _, err := Run(context.Background(), cfg, &streamClient{}, sink); err != nil {
			t.Fatal(err)
		}
		if len(snaps) != 5 || statuses != 5 {
			t.Fatalf("%d snapshots and %d statuses in a 4 s run; want 5 of each (one a second and one at the end)", len(snaps), statuses)
		}
		t0 := sink.final.StartedAt
		var failed, failedInSnaps int64
		for _, r := range sink.rows {
			if !r.OK {
				failed++
			}
		}
		for i, s := range snaps {
			if want := cfg.Shape.StepAt(min(s.Elapsed, cfg.Shape.Total()-1)); s.Step != want {
				t.Errorf("snapshot %d at %v: step %d, want %d", i, s.Elapsed, s.Step, want)
			}
			for cls, n := range s.FailuresByClass {
				if cls != schemas.ErrHTTP5xx {
					t.Errorf("snapshot %d: failures of class %q", i, cls)
				}
				failedInSnaps += n
			}
			if s.Elapsed < 2*time.Second {
				if s.BaselineStep != 0 || s.Limit != 0 {
					t.Errorf("snapshot %d at %v: baseline step %d, limit %g before the baseline step ended", i, s.Elapsed, s.BaselineStep, s.Limit)
				}
			} else if s.BaselineStep != 1 || !near(s.BaselineP95, 20) || s.Limit != cfg.LatencyThreshold*s.BaselineP95 {
				t.Errorf("snapshot %d at %v: baseline step %d p95 %g limit %g; want step 1, 20 ms, %g", i, s.Elapsed, s.BaselineStep, s.BaselineP95, s.Limit, cfg.LatencyThreshold*20)
			}
			if s.Elapsed >= time.Second && (!near(s.TTFTP50, 5) || !near(s.TTFTP99, 5) || !near(s.P99, 20)) {
				t.Errorf("snapshot %d: ttft p50 %g p99 %g, p99 %g; want 5, 5, 20", i, s.TTFTP50, s.TTFTP99, s.P99)
			}
			// The step's own p95 counts requests sent after the warmup (1 s into the run).
			if s.Elapsed == 3*time.Second && !near(s.StepP95, 20) {
				t.Errorf("snapshot %d: step p95 %g, want 20", i, s.StepP95)
			}
		}
		if failed == 0 || failedInSnaps != failed {
			t.Errorf("snapshots count %d failures by class; the file has %d failed rows", failedInSnaps, failed)
		}
		// Tokens/s of the snapshot at 3 s: output tokens of successes that
		// completed by then, over 3 s (those completing at 3 s exactly may
		// come before or after the tick).
		s := snaps[2]
		if s.Elapsed != 3*time.Second {
			t.Fatalf("third snapshot at %v", s.Elapsed)
		}
		var before, at int64
		for _, r := range sink.rows {
			end := r.Start.Add(time.Duration(r.LatencyMS * float64(time.Millisecond))).Sub(t0)
			if r.OK && end < 3*time.Second {
				before += int64(*r.OutputTokens)
			} else if r.OK && end == 3*time.Second {
				at += int64(*r.OutputTokens)
			}
		}
		if lo, hi := float64(before)/3, float64(before+at)/3; s.TokensPerSec < lo-1e-9 || s.TokensPerSec > hi+1e-9 || before == 0 {
			t.Errorf("tokens/s at 3 s = %g, want %g..%g", s.TokensPerSec, lo, hi)
		}
	})
}

// near says whether a live figure (HdrHistogram, 3 significant digits) is v.
func near(got, v float64) bool { return math.Abs(got-v) <= v/1000 }
