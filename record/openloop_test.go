package record

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/llmrec/llmrec/record/target"
	"github.com/llmrec/llmrec/schemas"
)

// The open loop's engine tests run in a synctest bubble like the closed
// loop's (engine_test.go): with a fake clock, a request sent "on time" is
// sent at exactly its arrival time.

func openConfig(kind string, rate, stepRate, maxRate float64, stepTime time.Duration) Config {
	cfg := engineConfig()
	cfg.OpenLoop = OpenLoop{Kind: kind, Rate: rate, StepRate: stepRate, MaxRate: maxRate, StepTime: stepTime, Burstiness: 1, Seed: 3}
	return cfg
}

// TestOpenLoopSendsOnSchedule: every arrival is sent at its time although
// the client takes 475 ms (nine or ten requests in flight), in its rate
// step; users is the requests in flight at the send, this one included;
// user is the arrival's index; the footer records the arrival settings.
func TestOpenLoopSendsOnSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := openConfig(ArrivalConstant, 10, 10, 20, time.Second)
		const delay = 475 * time.Millisecond
		sink := &memSink{}
		if _, err := Run(context.Background(), cfg, &fakeClient{delay: delay}, sink); err != nil {
			t.Fatal(err)
		}
		meta := sink.final
		// Step 1: 10/s from 0 to 1 s; step 2: 20/s from 1 to 2 s.
		var want []time.Duration
		for i := range 10 {
			want = append(want, time.Duration(i)*100*time.Millisecond)
		}
		for i := range 20 {
			want = append(want, time.Second+time.Duration(i)*50*time.Millisecond)
		}
		rows := slices.Clone(sink.rows)
		slices.SortFunc(rows, func(a, b schemas.Record) int { return int(a.User - b.User) })
		if len(rows) != len(want) {
			t.Fatalf("%d rows; want %d arrivals", len(rows), len(want))
		}
		for i, r := range rows {
			due := meta.StartedAt.Add(want[i])
			if r.User != int32(i) || !r.ScheduledAt.Equal(due) || !r.Start.Equal(due) {
				t.Fatalf("row %d: user %d scheduled %v sent %v; want arrival %d due and sent at +%v",
					i, r.User, r.ScheduledAt.Sub(meta.StartedAt), r.Start.Sub(meta.StartedAt), i, want[i])
			}
			if wantStep := int32(want[i]/time.Second) + 1; r.Step != wantStep {
				t.Fatalf("row %d: step %d, want %d", i, r.Step, wantStep)
			}
			inFlight := 0
			for _, at := range want[:i+1] {
				if at > want[i]-delay {
					inFlight++
				}
			}
			if int(r.Users) != inFlight {
				t.Fatalf("row %d (+%v): users %d, want %d requests in flight", i, want[i], r.Users, inFlight)
			}
		}
		s := meta.Shape
		if s.Arrival != ArrivalConstant || s.Rate != 10 || s.StepRate != 10 || s.MaxRate != 20 || s.StepTimeS != 1 || s.DurationS != 2 || s.Seed != 3 || s.MaxUsers != 0 {
			t.Errorf("footer shape %+v; want the arrival settings", s)
		}
		if meta.Workload == nil || meta.Workload.Prompts != "builtin" {
			t.Errorf("footer workload %+v", meta.Workload)
		}
	})
}

// TestOpenLoopMaxConcurrencyWaits: at 100 arrivals/s against a 100 ms
// server with two slots, arrivals wait for a slot; the wait is start −
// scheduled_at, users never exceeds the cap, and arrivals still waiting
// when the schedule ends are not sent.
func TestOpenLoopMaxConcurrencyWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := openConfig(ArrivalConstant, 100, 0, 0, time.Second)
		cfg.OpenLoop.MaxConcurrency = 2
		client := &fakeClient{delay: 100 * time.Millisecond}
		sink := &memSink{}
		if _, err := Run(context.Background(), cfg, client, sink); err != nil {
			t.Fatal(err)
		}
		rows, t0 := slices.Clone(sink.rows), sink.final.StartedAt
		slices.SortFunc(rows, func(a, b schemas.Record) int { return int(a.User - b.User) })
		// Arrivals are 10 ms apart; two slots of 100 ms: arrival k is sent
		// at floor(k/2) × 100 ms + (k mod 2) × 10 ms, until 1 s.
		if len(rows) != 20 {
			t.Fatalf("%d rows; two 100 ms slots for 1 s send 20", len(rows))
		}
		for k, r := range rows {
			sched, sent := r.ScheduledAt.Sub(t0), r.Start.Sub(t0)
			wantSent := time.Duration(k/2)*100*time.Millisecond + time.Duration(k%2)*10*time.Millisecond
			if r.User != int32(k) || sched != time.Duration(k)*10*time.Millisecond || sent != wantSent {
				t.Fatalf("row %d: arrival %d due +%v sent +%v; want arrival %d due +%v sent +%v",
					k, r.User, sched, sent, k, time.Duration(k)*10*time.Millisecond, wantSent)
			}
			if r.Users < 1 || r.Users > 2 {
				t.Fatalf("row %d: %d in flight over the cap of 2", k, r.Users)
			}
		}
		if got := sink.final.Shape.MaxConcurrency; got != 2 {
			t.Errorf("footer max_concurrency %d", got)
		}
		// The other 80 of the 100 arrivals due in the second were never
		// sent: the footer counts them in their step.
		if got := sink.final.Unsent; !slices.Equal(got, []schemas.StepCount{{Step: 1, N: 80}}) {
			t.Errorf("footer unsent %+v, want step 1: 80", got)
		}
	})
}

// TestOpenLoopStride: shard 1 of 3 sends arrivals 1, 4, 7, … of the one
// global sequence, at their global times.
func TestOpenLoopStride(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := openConfig(ArrivalConstant, 30, 0, 0, time.Second)
		cfg.Shard = Sharding{Index: 1, Count: 3, StartAt: time.Now()} // the fake clock's now
		sink := &memSink{}
		if _, err := Run(context.Background(), cfg, &fakeClient{delay: 10 * time.Millisecond}, sink); err != nil {
			t.Fatal(err)
		}
		if len(sink.rows) != 10 {
			t.Fatalf("%d rows; shard 1 of 3 of 30 arrivals sends 10", len(sink.rows))
		}
		for _, r := range sink.rows {
			if r.User%3 != 1 || !r.ScheduledAt.Equal(sink.final.StartedAt.Add(time.Duration(r.User)*time.Second/30)) {
				t.Fatalf("row user %d due +%v; want arrivals 1 mod 3 at index/30 s", r.User, r.ScheduledAt.Sub(sink.final.StartedAt))
			}
		}
	})
}

// TestOpenLoopSameSeedSameRun: a poisson run's arrival times and prompts
// follow from its seed: two runs with one seed send the same requests at the
// same times, another seed does not.
func TestOpenLoopSameSeedSameRun(t *testing.T) {
	run := func(seed int64) (times []time.Duration, prompts []string) {
		synctest.Test(t, func(t *testing.T) {
			cfg := openConfig(ArrivalPoisson, 50, 0, 0, time.Second)
			cfg.OpenLoop.Seed = seed
			client := &promptClient{fakeClient: fakeClient{delay: 5 * time.Millisecond}}
			sink := &memSink{}
			if _, err := Run(context.Background(), cfg, client, sink); err != nil {
				t.Fatal(err)
			}
			for _, r := range sink.rows {
				times = append(times, r.ScheduledAt.Sub(sink.final.StartedAt))
			}
			slices.Sort(times)
			prompts = client.sorted()
		})
		return times, prompts
	}
	a, pa := run(11)
	b, pb := run(11)
	c, _ := run(12)
	if len(a) < 20 || !slices.Equal(a, b) || !slices.Equal(pa, pb) {
		t.Fatalf("one seed, two runs: %d and %d arrivals, prompts equal %v", len(a), len(b), slices.Equal(pa, pb))
	}
	if slices.Equal(a, c) {
		t.Fatal("another seed gave the same arrival times")
	}
}

// TestOpenLoopStopOnSaturation: step 2 offers 40/s to two 100 ms slots
// (20/s): its arrivals wait, and the live rule stops the run on throughput
// before the schedule's 8 s.
func TestOpenLoopStopOnSaturation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := openConfig(ArrivalConstant, 10, 30, 40, 4*time.Second)
		cfg.OpenLoop.MaxConcurrency = 2
		cfg.StopOnSaturation = true
		sum, err := Run(context.Background(), cfg, &fakeClient{delay: 100 * time.Millisecond}, &memSink{})
		if err != nil {
			t.Fatal(err)
		}
		m := sum.Meta
		if m.EndReason != schemas.EndSaturated || !strings.Contains(m.EndDetail, "throughput") || !strings.Contains(m.EndDetail, "40 req/s offered") {
			t.Fatalf("end %q (%s); want saturated by throughput at 40 req/s", m.EndReason, m.EndDetail)
		}
		if d := m.EndedAt.Sub(m.StartedAt); d >= 8*time.Second {
			t.Fatalf("ran %v of an 8 s schedule", d)
		}
	})
}

// TestOpenLoopEstimatedTokens: rows whose output tokens the client
// estimated (no usage from the server) have output_tokens and no
// prompt_tokens, and the footer counts them.
func TestOpenLoopEstimatedTokens(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := openConfig(ArrivalConstant, 20, 0, 0, time.Second)
		client := &estimatingClient{fakeClient: fakeClient{delay: 5 * time.Millisecond}}
		sink := &memSink{}
		if _, err := Run(context.Background(), cfg, client, sink); err != nil {
			t.Fatal(err)
		}
		if n := sink.final.EstimatedOutputRows; n != int64(len(sink.rows)) || n != 20 {
			t.Fatalf("footer counts %d estimated rows of %d", n, len(sink.rows))
		}
		for _, r := range sink.rows {
			if r.OutputTokens == nil || *r.OutputTokens != 7 || r.PromptTokens != nil {
				t.Fatalf("row %+v: want estimated output tokens 7 and no prompt tokens", r)
			}
		}
	})
}

// promptClient records the prompts it was sent.
type promptClient struct {
	fakeClient
	mu   sync.Mutex
	seen []string
}

func (c *promptClient) Do(ctx context.Context, p target.Prompt) target.Result {
	res := c.fakeClient.Do(ctx, p)
	c.mu.Lock()
	c.seen = append(c.seen, fmt.Sprint(p))
	c.mu.Unlock()
	return res
}

func (c *promptClient) sorted() []string { s := slices.Clone(c.seen); slices.Sort(s); return s }

// estimatingClient answers like a server without usage: 7 content chunks,
// counted as estimated output tokens.
type estimatingClient struct{ fakeClient }

func (c *estimatingClient) Do(ctx context.Context, p target.Prompt) target.Result {
	res := c.fakeClient.Do(ctx, p)
	res.HasUsage, res.PromptTokens, res.OutputTokens, res.OutputEstimated = false, 0, 7, true
	return res
}

// TestOpenLoopInterruptAndGrace: an interrupt stops the arrivals at once;
// the requests in flight get the grace period, then are canceled and
// recorded; every sender goroutine has ended when Run returns.
func TestOpenLoopInterruptAndGrace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := openConfig(ArrivalConstant, 10, 0, 0, time.Hour)
		cfg.Grace = 300 * time.Millisecond
		client := &fakeClient{delay: time.Hour}
		sink := &memSink{}
		ctx, cancel := context.WithCancelCause(context.Background())
		defer cancel(nil)
		time.AfterFunc(950*time.Millisecond, func() { cancel(errors.New("interrupted by SIGINT (Ctrl-C)")) })
		if _, err := Run(ctx, cfg, client, sink); err != nil {
			t.Fatal(err)
		}
		m := sink.final
		if m.EndReason != schemas.EndInterrupted || len(sink.rows) != 10 || client.calls.Load() != 10 {
			t.Fatalf("end %s, %d rows, %d calls; want interrupted with the 10 arrivals of 0-0.9 s", m.EndReason, len(sink.rows), client.calls.Load())
		}
		for _, r := range sink.rows {
			if r.ErrorClass == nil || *r.ErrorClass != schemas.ErrCanceled {
				t.Fatalf("row %+v: want canceled after the grace", r)
			}
		}
		if d := m.EndedAt.Sub(m.StartedAt); d != 1250*time.Millisecond {
			t.Fatalf("ended %v in; want the interrupt (950 ms) plus the grace (300 ms)", d)
		}
		if n := client.inflight.Load(); n != 0 {
			t.Fatalf("%d requests still in flight after Run returned", n)
		}
	})
}

// TestOpenLoopPoissonRunKS: the rows of a poisson run through the engine
// (200/s for 20 s, a 5 ms server) have scheduled_at gaps exponential at
// the set rate (Kolmogorov–Smirnov, α = 0.001), and every request was sent
// at its arrival time.
func TestOpenLoopPoissonRunKS(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const rate = 200.0
		cfg := openConfig(ArrivalPoisson, rate, 0, 0, 20*time.Second)
		sink := &memSink{}
		if _, err := Run(context.Background(), cfg, &fakeClient{delay: 5 * time.Millisecond}, sink); err != nil {
			t.Fatal(err)
		}
		rows := slices.Clone(sink.rows)
		slices.SortFunc(rows, func(a, b schemas.Record) int { return a.ScheduledAt.Compare(b.ScheduledAt) })
		var gs []float64
		for i, r := range rows {
			if !r.Start.Equal(r.ScheduledAt) {
				t.Fatalf("row %d sent %v after its arrival", i, r.Start.Sub(r.ScheduledAt))
			}
			if i > 0 {
				gs = append(gs, r.ScheduledAt.Sub(rows[i-1].ScheduledAt).Seconds())
			}
		}
		if len(gs) < 3000 {
			t.Fatalf("%d gaps in 20 s at 200/s", len(gs))
		}
		exp := distuv.Exponential{Rate: rate}
		if d, crit := ksExceeds(gs, exp.CDF); d > crit {
			t.Errorf("KS D = %.4f > %.4f against the exponential at %g/s", d, crit, rate)
		}
		off := distuv.Exponential{Rate: rate * 1.1}
		if d, crit := ksExceeds(gs, off.CDF); d <= crit {
			t.Errorf("KS accepts a rate 10%% off (D = %.4f ≤ %.4f): the test cannot fail", d, crit)
		}
	})
}
