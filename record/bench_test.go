package record

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/llmrec/llmrec/record/sim"
)

// BenchmarkClosedLoop measures requests recorded per second, closed loop
// with no think time, against a trivial loopback server answering a small
// non-streamed chat completion. Each iteration is a whole 3 s run.
func BenchmarkClosedLoop(b *testing.B) {
	body := []byte(`{"choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	defer srv.Close()
	for _, users := range []int{64, 256} {
		b.Run(fmt.Sprintf("users=%d", users), func(b *testing.B) {
			var rows int64
			var elapsed time.Duration
			for i := 0; i < b.N; i++ {
				cfg := e2eConfig{Config: DefaultConfig()}
				cfg.Target, cfg.Model, cfg.Stream = srv.URL, "m", false
				cfg.Shape = Shape{StepUsers: users, StepTime: 3 * time.Second, MaxUsers: users, SpawnRate: 1e6}
				cfg.WaitMin, cfg.WaitMax = 0, 0
				cfg.Out = filepath.Join(b.TempDir(), "run.parquet")
				sum, err := runE2E(context.Background(), cfg)
				if err != nil {
					b.Fatal(err)
				}
				rows += sum.Rows
				elapsed += sum.Meta.EndedAt.Sub(sum.Meta.StartedAt)
			}
			b.ReportMetric(float64(rows)/elapsed.Seconds(), "req/s")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// BenchmarkMemoryPerUser holds many streaming users against the in-process
// simulator (long responses: 1000 tokens at 20 ms) and reports the heap and
// goroutine stacks in use per user once all are in flight. The simulator's
// own per-request memory is included, so this is an upper bound for the
// recorder alone.
func BenchmarkMemoryPerUser(b *testing.B) {
	const users = 2000
	for i := 0; i < b.N; i++ {
		sc := sim.DefaultConfig()
		sc.Profile, sc.TokenMS, sc.MaxTokens, sc.Slots, sc.Jitter = sim.ProfileLinear, 20, 1000, 1e6, 0
		srv, err := sim.Listen(context.Background(), "127.0.0.1:0", sc)
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		cfg := e2eConfig{Config: DefaultConfig()}
		cfg.Target, cfg.Model, cfg.MaxTokens = srv.URL, "sim", 1000
		cfg.Shape = Shape{StepUsers: users, StepTime: 8 * time.Second, MaxUsers: users, SpawnRate: 1000}
		cfg.Grace = 0
		cfg.Out = filepath.Join(b.TempDir(), "run.parquet")
		var inUse uint64
		cfg.Progress = func(s Status) {
			if s.Elapsed > 5*time.Second && inUse == 0 {
				runtime.GC()
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				inUse = (m.HeapInuse + m.StackInuse) - (before.HeapInuse + before.StackInuse)
			}
		}
		if _, err := runE2E(context.Background(), cfg); err != nil {
			b.Fatal(err)
		}
		srv.Close()
		b.ReportMetric(float64(inUse)/users/1024, "KB/user")
	}
	b.ReportMetric(0, "ns/op")
}

// BenchmarkOpenLoopPacing measures how closely the open loop keeps its
// schedule: constant arrivals at 2,000/s for 5 s with no in-flight cap
// (the safety cap is never reached) against a trivial loopback server,
// written to a real run file. It reports the send lag, start −
// scheduled_at of every row, at p50, p99 and max, and the requests sent
// per second. The target is p99 < 5 ms on a 2-core machine.
func BenchmarkOpenLoopPacing(b *testing.B) {
	body := []byte(`{"choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	defer srv.Close()
	const rate, dur = 2000.0, 5 * time.Second
	var lags []float64
	var sent int64
	var elapsed time.Duration
	for i := 0; i < b.N; i++ {
		cfg := e2eConfig{Config: DefaultConfig()}
		cfg.Target, cfg.Model, cfg.Stream = srv.URL, "m", false
		cfg.OpenLoop = OpenLoop{Kind: ArrivalConstant, Rate: rate, StepTime: dur, Burstiness: 1, Seed: 1}
		cfg.Out = filepath.Join(b.TempDir(), "run.parquet")
		if _, err := runE2E(context.Background(), cfg); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		rows, meta := readRun(b, cfg.Out)
		for _, r := range rows {
			lags = append(lags, lagMS(r))
		}
		sent += int64(len(rows))
		elapsed += meta.EndedAt.Sub(meta.StartedAt)
		b.StartTimer()
	}
	slices.Sort(lags)
	b.ReportMetric(quantile(lags, 0.5), "p50-lag-ms")
	b.ReportMetric(quantile(lags, 0.99), "p99-lag-ms")
	b.ReportMetric(lags[len(lags)-1], "max-lag-ms")
	b.ReportMetric(float64(sent)/(float64(b.N)*dur.Seconds()), "sent/s")
	b.ReportMetric(0, "ns/op")
}
