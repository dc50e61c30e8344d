package record

import (
	"context"
	"errors"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/llmrec/llmrec/record/target"
	"github.com/llmrec/llmrec/schemas"
)

// The engine's tests run in a synctest bubble: the clock is fake (it moves
// only when every goroutine waits), the client answers after a set time
// and the rows go to memory. They are deterministic and take no wall time.

// fakeClient answers every request after delay. With failOver > 0, a
// request sent while more than failOver are in flight fails at once with a
// 503, as an overloaded server sheds load.
type fakeClient struct {
	delay    time.Duration
	failOver int32
	calls    atomic.Int64
	inflight atomic.Int32
}

func (c *fakeClient) Do(ctx context.Context, _ target.Prompt) target.Result {
	c.calls.Add(1)
	n := c.inflight.Add(1)
	defer c.inflight.Add(-1)
	res := target.Result{Start: time.Now()}
	if c.failOver > 0 && n > c.failOver {
		res.Status, res.ErrorClass, res.Error = 503, schemas.ErrHTTP5xx, "503 Service Unavailable"
		return res
	}
	t := time.NewTimer(c.delay)
	defer t.Stop()
	select {
	case <-t.C:
		res.Status, res.OK = 200, true
		res.HasUsage, res.PromptTokens, res.OutputTokens = true, 3, 2
	case <-ctx.Done():
		res.ErrorClass, res.Error = schemas.ErrCanceled, "canceled at the end of the run"
	}
	res.Latency = time.Since(res.Start)
	return res
}

// memSink keeps the rows in memory. With failAt > 0, the Write that would
// take the row count past failAt fails.
type memSink struct {
	mu      sync.Mutex
	begun   schemas.RunMeta
	rows    []schemas.Record
	flushes int
	final   *schemas.RunMeta
	failAt  int
}

func (s *memSink) Begin(m *schemas.RunMeta) error { s.begun = *m; return nil }
func (s *memSink) Write(rows []schemas.Record) error {
	if s.failAt > 0 && len(s.rows)+len(rows) > s.failAt {
		return errors.New("disk full")
	}
	s.rows = append(s.rows, rows...)
	return nil
}
func (s *memSink) Flush() error                    { s.flushes++; return nil }
func (s *memSink) Finish(m *schemas.RunMeta) error { s.final = m; return nil }

func engineConfig() Config {
	cfg := DefaultConfig()
	cfg.Target, cfg.Model = "http://127.0.0.1:9/", "m1"
	cfg.Stream = false
	cfg.Shape = Shape{StepUsers: 2, StepTime: 700 * time.Millisecond, MaxUsers: 4}
	cfg.WaitMin, cfg.WaitMax = 5*time.Millisecond, 20*time.Millisecond
	cfg.Grace = 2 * time.Second
	cfg.Labels = map[string]string{"model": "m1", "commit": "abc"}
	cfg.Seed = 7
	return cfg
}

func TestRunOneRowPerRequest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := engineConfig()
		client := &fakeClient{delay: 20 * time.Millisecond}
		sink := &memSink{}
		sum, err := Run(context.Background(), cfg, client, sink)
		if err != nil {
			t.Fatal(err)
		}
		rows, meta := sink.rows, sink.final
		if int64(len(rows)) != client.calls.Load() || sum.Rows != client.calls.Load() || len(rows) < 20 {
			t.Fatalf("client saw %d requests, sink has %d rows, summary %d", client.calls.Load(), len(rows), sum.Rows)
		}
		if meta == nil || meta.EndReason != schemas.EndCompleted || meta.Model != "m1" || meta.Labels["commit"] != "abc" || meta.Requests != int64(len(rows)) {
			t.Fatalf("meta = %+v", meta)
		}
		if meta.Shape.StepUsers != 2 || meta.Shape.MaxUsers != 4 || meta.Timeouts.GraceS != 2 || meta.Generator.GOMAXPROCS == 0 {
			t.Errorf("meta shape/timeouts/generator = %+v %+v %+v", meta.Shape, meta.Timeouts, meta.Generator)
		}
		if sink.begun.RunID != meta.RunID || !sink.begun.StartedAt.Equal(meta.StartedAt) || sink.flushes < 2 {
			t.Errorf("begun with %+v, %d flushes", sink.begun, sink.flushes)
		}
		// The run ends when the schedule does; the last requests finish within one delay.
		if d := meta.EndedAt.Sub(meta.StartedAt); d < cfg.Shape.Total() || d > cfg.Shape.Total()+client.delay {
			t.Errorf("ran %v; the schedule is %v and a request takes %v", d, cfg.Shape.Total(), client.delay)
		}
		for i, r := range rows {
			// Every request takes as long: rows complete, and are stored, in the order they were sent.
			if r.Seq != int64(i) {
				t.Fatalf("row %d has seq %d: rows are not in seq order", i, r.Seq)
			}
			if !r.OK || r.Status != 200 || r.RunID != meta.RunID || r.LatencyMS != 20 {
				t.Fatalf("row %d = %+v", i, r)
			}
			if r.Start.Before(r.ScheduledAt) || r.Start.Before(meta.StartedAt) {
				t.Fatalf("row %d: start %v before scheduled %v or run start", i, r.Start, r.ScheduledAt)
			}
			wantStep := int32(r.Start.Sub(meta.StartedAt)/cfg.Shape.StepTime) + 1
			if r.Step != wantStep || r.Users < 1 || r.Users > 4 || r.User < 1 || r.User > 4 {
				t.Fatalf("row %d: step %d (want %d), users %d, user %d", i, r.Step, wantStep, r.Users, r.User)
			}
			if r.PromptTokens == nil || *r.PromptTokens != 3 || *r.OutputTokens != 2 {
				t.Fatalf("row %d: usage not recorded", i)
			}
		}
	})
}

// TestRunFollowsTheSchedule: each user's first request is sent exactly when
// the shape starts the user, and a second run with the same seed sends the
// same requests at the same times.
func TestRunFollowsTheSchedule(t *testing.T) {
	run := func() []schemas.Record {
		var rows []schemas.Record
		synctest.Test(t, func(t *testing.T) {
			cfg := engineConfig()
			cfg.Shape = Shape{StepUsers: 3, StepTime: time.Second, MaxUsers: 7, SpawnRate: 4}
			sink := &memSink{}
			if _, err := Run(context.Background(), cfg, &fakeClient{delay: 30 * time.Millisecond}, sink); err != nil {
				t.Fatal(err)
			}
			first := map[int32]schemas.Record{}
			for _, r := range sink.rows {
				if _, ok := first[r.User]; !ok {
					first[r.User] = r
				}
			}
			if got := slices.Sorted(maps.Keys(first)); !slices.Equal(got, []int32{1, 2, 3, 4, 5, 6, 7}) {
				t.Fatalf("users %v sent requests; want 1..7", got)
			}
			for u, r := range first {
				at, _ := cfg.Shape.UserStart(int(u - 1))
				if want := sink.final.StartedAt.Add(at); !r.ScheduledAt.Equal(want) || !r.Start.Equal(want) {
					t.Errorf("user %d: first request scheduled %v, sent %v; the shape starts it at %v", u, r.ScheduledAt, r.Start, want)
				}
			}
			for _, r := range sink.rows {
				r.RunID = ""
				rows = append(rows, r)
			}
		})
		return rows
	}
	a, b := run(), run()
	if len(a) == 0 || !slices.EqualFunc(a, b, func(x, y schemas.Record) bool {
		return x.Seq == y.Seq && x.User == y.User && x.ScheduledAt.Equal(y.ScheduledAt) && x.Start.Equal(y.Start) && x.LatencyMS == y.LatencyMS
	}) {
		t.Fatalf("two runs with one seed differ: %d and %d rows", len(a), len(b))
	}
}

func TestRunGraceCancels(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := engineConfig()
		cfg.Shape = Shape{StepUsers: 3, StepTime: 300 * time.Millisecond, MaxUsers: 3, SpawnRate: 1000}
		cfg.Grace = 200 * time.Millisecond
		sink := &memSink{}
		if _, err := Run(context.Background(), cfg, &fakeClient{delay: time.Hour}, sink); err != nil {
			t.Fatal(err)
		}
		rows, meta := sink.rows, sink.final
		if len(rows) != 3 || meta.EndReason != schemas.EndCompleted {
			t.Fatalf("%d rows, end %s; want 3 canceled rows", len(rows), meta.EndReason)
		}
		for _, r := range rows {
			if r.OK || r.ErrorClass == nil || *r.ErrorClass != schemas.ErrCanceled {
				t.Fatalf("row %+v: want error_class canceled", r)
			}
			// User u starts (u-1) ms in (1000 users/s) and is canceled at 300 + 200 ms.
			if want := 500 - float64(r.User-1); r.LatencyMS != want {
				t.Fatalf("user %d canceled after %.0f ms; want the 300 ms run plus 200 ms grace, %.0f ms", r.User, r.LatencyMS, want)
			}
		}
	})
}

func TestRunInterrupted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := engineConfig()
		cfg.Shape.StepTime = time.Hour
		client := &fakeClient{delay: 10 * time.Millisecond}
		sink := &memSink{}
		ctx, cancel := context.WithCancelCause(context.Background())
		defer cancel(nil)
		time.AfterFunc(500*time.Millisecond, func() { cancel(errors.New("interrupted by SIGTERM")) })
		if _, err := Run(ctx, cfg, client, sink); err != nil {
			t.Fatal(err)
		}
		meta := sink.final
		if meta.EndReason != schemas.EndInterrupted || int64(len(sink.rows)) != client.calls.Load() || len(sink.rows) == 0 {
			t.Fatalf("end %s, %d rows, client saw %d", meta.EndReason, len(sink.rows), client.calls.Load())
		}
		if meta.EndDetail != "interrupted by SIGTERM" {
			t.Errorf("end detail %q; want the cause the canceler gave", meta.EndDetail)
		}
		if d := meta.EndedAt.Sub(meta.StartedAt); d < 500*time.Millisecond || d > 500*time.Millisecond+client.delay {
			t.Errorf("ended %v in; want at the interrupt, plus at most one request", d)
		}
	})
}

func TestRunStopOnSaturation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := engineConfig()
		cfg.Shape = Shape{StepUsers: 3, StepTime: 1500 * time.Millisecond, MaxUsers: 30}
		cfg.BaselineUsers = 3
		cfg.StopOnSaturation = true
		cfg.WaitMin, cfg.WaitMax = 10*time.Millisecond, 30*time.Millisecond
		sum, err := Run(context.Background(), cfg, &fakeClient{delay: 50 * time.Millisecond, failOver: 3}, &memSink{})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Meta.EndReason != schemas.EndSaturated || !strings.Contains(sum.Meta.EndDetail, "failure rate") {
			t.Fatalf("end %q (%s); want saturated by the failure rate", sum.Meta.EndReason, sum.Meta.EndDetail)
		}
		if d := sum.Meta.EndedAt.Sub(sum.Meta.StartedAt); d > 10*time.Second {
			t.Fatalf("ran %v of a 15 s schedule; saturation should stop it early", d)
		}
	})
}

// TestRunSinkFailure: the sink's first error ends the run: no Finish, an
// error that wraps ErrSink and the cause.
func TestRunSinkFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := engineConfig()
		cfg.Shape.StepTime = time.Hour
		sink := &memSink{failAt: 1}
		_, err := Run(context.Background(), cfg, &fakeClient{delay: 10 * time.Millisecond}, sink)
		if !errors.Is(err, ErrSink) || !strings.Contains(err.Error(), "disk full") {
			t.Fatalf("err = %v; want ErrSink naming the cause", err)
		}
		if sink.final != nil {
			t.Error("Finish called after a failed Write")
		}
	})
}

// TestRunInterruptDuringGrace (issue 17 item 13): an interrupt during the
// grace period of a run that had completed cancels the in-flight requests
// at once; the run is recorded as interrupted.
func TestRunInterruptDuringGrace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := engineConfig()
		cfg.Shape = Shape{StepUsers: 2, StepTime: 300 * time.Millisecond, MaxUsers: 2, SpawnRate: 1000}
		cfg.Grace = 30 * time.Second
		sink := &memSink{}
		ctx, cancel := context.WithCancelCause(context.Background())
		defer cancel(nil)
		time.AfterFunc(time.Second, func() { cancel(errors.New("interrupted by SIGINT (Ctrl-C)")) })
		if _, err := Run(ctx, cfg, &fakeClient{delay: time.Hour}, sink); err != nil {
			t.Fatal(err)
		}
		meta := sink.final
		if meta.EndReason != schemas.EndInterrupted || !strings.Contains(meta.EndDetail, "SIGINT") || !strings.Contains(meta.EndDetail, "grace") {
			t.Fatalf("end %s (%q); want interrupted during the grace period", meta.EndReason, meta.EndDetail)
		}
		if d := meta.EndedAt.Sub(meta.StartedAt); d != time.Second {
			t.Fatalf("ended %v in; want at the interrupt (1 s), not after the 30 s grace", d)
		}
		if len(sink.rows) != 2 || *sink.rows[0].ErrorClass != schemas.ErrCanceled {
			t.Fatalf("rows %+v; want 2 canceled", sink.rows)
		}
	})
}

// TestValidateRejectsNonFiniteRates (item 13): Inf, NaN and negative
// spawn rates and thresholds are field errors, not runs.
func TestValidateRejectsNonFiniteRates(t *testing.T) {
	for _, v := range []float64{math.Inf(1), math.NaN(), -1} {
		cfg := DefaultConfig()
		cfg.Shape.SpawnRate, cfg.LatencyThreshold, cfg.ErrorThreshold = v, v, v
		err := cfg.Validate()
		for _, f := range []string{"Shape.SpawnRate", "LatencyThreshold", "ErrorThreshold"} {
			if err == nil || !strings.Contains(err.Error(), f+" ") {
				t.Errorf("%v: %v does not name %s", v, err, f)
			}
		}
	}
}
