package record

import (
	"context"
	"math"
	"slices"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/llmrec/llmrec/record/target"
	"github.com/llmrec/llmrec/schemas"
)

// exactRow is a step's row computed from the rows of the file, as the
// analyzer computes it: requests sent after the warmup, by step.
func exactRow(rows []schemas.Record, t0 time.Time, warmup time.Duration, step int32) (n, fails int64, lat []float64, maxMS float64) {
	maxMS = math.NaN()
	for _, r := range rows {
		if r.Start.Sub(t0) < warmup || (step != 0 && r.Step != step) {
			continue
		}
		n++
		if !r.OK {
			fails++
			continue
		}
		lat = append(lat, r.LatencyMS)
		if math.IsNaN(maxMS) || r.LatencyMS > maxMS {
			maxMS = r.LatencyMS
		}
	}
	slices.Sort(lat)
	return n, fails, lat, maxMS
}

// TestLiveStepTable: the live statistics table the snapshots carry, each
// row sent when it changed, adds up to the file's steps at the end:
// counts and the maximum exact, percentiles within the live histograms'
// 0.1 %, req/s over the step's span after the warmup; the total row is
// every such request; the failures table counts every failure by class
// with the latest text; and "this step's p95" is the step before's until
// the new step has a success.
func TestLiveStepTable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := engineConfig()
		cfg.Shape = Shape{StepUsers: 2, StepTime: 2 * time.Second, MaxUsers: 6}
		var snaps []Snapshot
		cfg.Snapshot = func(s Snapshot) { snaps = append(snaps, s) }
		sink := &memSink{}
		if _, err := Run(context.Background(), cfg, &streamClient{}, sink); err != nil {
			t.Fatal(err)
		}
		t0, warmup := sink.final.StartedAt, time.Second
		table := map[int]StepRow{}
		for _, s := range snaps {
			for _, r := range s.Steps {
				table[r.Step] = r
			}
		}
		last := snaps[len(snaps)-1]
		if len(table) != 3 {
			t.Fatalf("%d steps in the table, want 3: %+v", len(table), table)
		}
		check := func(name string, r StepRow, step int32, span float64) {
			n, fails, lat, maxMS := exactRow(sink.rows, t0, warmup, step)
			if r.Requests != n || r.Failures != fails || r.Max != maxMS || n == 0 {
				t.Errorf("%s: %d requests, %d failures, max %g; the file has %d, %d, %g", name, r.Requests, r.Failures, r.Max, n, fails, maxMS)
			}
			for _, q := range []struct {
				p   float64
				got float64
			}{{50, r.P50}, {90, r.P90}, {95, r.P95}, {99, r.P99}} {
				// The analyzer's quantile: linear between the order
				// statistics around p·(n−1).
				pos := q.p / 100 * float64(len(lat)-1)
				want := lat[int(pos)] + (pos-math.Floor(pos))*(lat[min(int(pos)+1, len(lat)-1)]-lat[int(pos)])
				if math.Abs(q.got-want) > want/1000+0.001 {
					t.Errorf("%s: p%g %g, the file's %g", name, q.p, q.got, want)
				}
			}
			if !near(r.TTFTP95, 5) {
				t.Errorf("%s: TTFT p95 %g, want 5", name, r.TTFTP95)
			}
			if want := float64(n) / span; math.Abs(r.RPS-want) > 1e-9 || r.DurationS != span {
				t.Errorf("%s: %g req/s over %g s, want %g over %g", name, r.RPS, r.DurationS, want, span)
			}
		}
		for k := int32(1); k <= 3; k++ {
			r := table[int(k)]
			span := 2.0
			if k == 1 {
				span = 1 // after the warmup
			}
			check("step "+string('0'+rune(k)), r, k, span)
			if r.Level != float64(2*k) || !r.Ended {
				t.Errorf("step %d: level %g, ended %v; want %d users, ended", k, r.Level, r.Ended, 2*k)
			}
		}
		check("total", last.TotalRow, 0, 5)

		var failed int64
		for _, r := range sink.rows {
			if !r.OK {
				failed++
			}
		}
		if len(last.FailureClasses) != 1 || last.FailureClasses[0].Class != schemas.ErrHTTP5xx || last.FailureClasses[0].Count != failed || last.FailureClasses[0].Latest != "503 Service Unavailable" {
			t.Errorf("failures table %+v; want one line http_5xx × %d with the latest text", last.FailureClasses, failed)
		}

		// At 2 s step 2 has begun and has no success yet: step 1's p95 stands.
		for _, s := range snaps {
			if s.Elapsed == 2*time.Second && (s.Step != 2 || s.StepP95Step != 1 || !near(s.StepP95, 20)) {
				t.Errorf("at 2 s: step %d, this step's p95 %g of step %d; want step 1's 20 ms until step 2 has a success", s.Step, s.StepP95, s.StepP95Step)
			}
			if s.Elapsed == 3*time.Second && (s.StepP95Step != 2 || !near(s.StepP95, 20)) {
				t.Errorf("at 3 s: this step's p95 %g of step %d; want step 2's", s.StepP95, s.StepP95Step)
			}
		}
	})
}

// crowdClient answers after 10 ms per request in flight (its own
// included), so that latency grows with the users.
type crowdClient struct{ inflight atomic.Int64 }

func (c *crowdClient) Do(ctx context.Context, _ target.Prompt) target.Result {
	n := c.inflight.Add(1)
	defer c.inflight.Add(-1)
	res := target.Result{Start: time.Now()}
	select {
	case <-time.After(time.Duration(n) * 10 * time.Millisecond):
		res.Status, res.OK = 200, true
	case <-ctx.Done():
		res.ErrorClass, res.Error = schemas.ErrCanceled, "canceled"
	}
	res.Latency = time.Since(res.Start)
	return res
}

// TestLiveVerdict: on a service whose latency grows with the users, the
// level rules judge the live rows as the analyzer would: baseline at the
// baseline users, saturated by latency where p95 passes the threshold,
// capacity the level before; and the live rule's first firing stays in
// every later snapshot.
func TestLiveVerdict(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := engineConfig()
		cfg.Shape = Shape{StepUsers: 2, StepTime: 4 * time.Second, MaxUsers: 8}
		cfg.BaselineUsers, cfg.LatencyThreshold = 2, 2.5
		cfg.WaitMin, cfg.WaitMax = time.Millisecond, time.Millisecond
		var snaps []Snapshot
		cfg.Snapshot = func(s Snapshot) { snaps = append(snaps, s) }
		if _, err := Run(context.Background(), cfg, &crowdClient{}, &memSink{}); err != nil {
			t.Fatal(err)
		}
		last := snaps[len(snaps)-1]
		v := last.Verdict
		// p95 ≈ 20, 40, 60, 80 ms: 60 is over 2.5 × 20 at step 3 (6 users).
		if v.Kind != "users" || v.BaselineStep != 1 || v.SaturationStep != 3 || v.SaturationLevel != 6 || v.Signal != "latency" ||
			v.CapacityStep != 2 || v.CapacityLevel != 4 || !v.Bounded {
			t.Errorf("verdict %+v; want baseline 1, saturated at step 3 (6 users) by latency, capacity 4 users (step 2), bounded", v)
		}
		if last.FiredStep != 3 || last.FiredDetail == "" {
			t.Fatalf("the live rule fired at step %d (%q); want step 3", last.FiredStep, last.FiredDetail)
		}
		var seen bool
		for _, s := range snaps {
			if s.FiredStep != 0 {
				seen = true
				if s.FiredStep != last.FiredStep || s.FiredAt != last.FiredAt {
					t.Errorf("at %v the marker is step %d at %v; once fired it stays step %d at %v", s.Elapsed, s.FiredStep, s.FiredAt, last.FiredStep, last.FiredAt)
				}
			} else if seen {
				t.Errorf("at %v the marker is gone", s.Elapsed)
			}
		}
	})
}
