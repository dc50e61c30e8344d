package sim

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestManyStreams holds N concurrent streamed requests against one
// simulator (client and server in this process, so 2N sockets) and reports
// goroutines, heap and CPU time. It runs only when LLMREC_SIM_STREAMS=N is
// set:
//
//	LLMREC_SIM_STREAMS=8000 go test ./record/sim -run ManyStreams -v
func TestManyStreams(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("LLMREC_SIM_STREAMS"))
	if n <= 0 {
		t.Skip("set LLMREC_SIM_STREAMS=N to hold N concurrent streams")
	}
	cfg := DefaultConfig()
	cfg.Profile = ProfileLinear
	cfg.Slots = n // factor 2 at full concurrency
	cfg.TokenMS = 100
	cfg.MaxTokens = 50 // about 5 s alone, 10 s at full concurrency
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	run, err := Listen(ctx, "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	client := &http.Client{Transport: &http.Transport{
		MaxIdleConnsPerHost: n,
		DialContext:         (&net.Dialer{Timeout: 30 * time.Second}).DialContext,
	}}

	var ru0 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	start := time.Now()
	var (
		wg               sync.WaitGroup
		ok, failed, peak atomic.Int64
	)
	for range n {
		wg.Go(func() {
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, run.URL+"/v1/chat/completions",
				strings.NewReader(`{"stream":true,"messages":[{"role":"user","content":"hi"}]}`))
			resp, err := client.Do(req)
			if err != nil {
				failed.Add(1)
				return
			}
			defer resp.Body.Close()
			sc := bufio.NewScanner(resp.Body)
			last := ""
			for sc.Scan() {
				if l := sc.Text(); l != "" {
					last = l
				}
			}
			if last == "data: [DONE]" {
				ok.Add(1)
			} else {
				failed.Add(1)
			}
		})
	}
	// Sample while the streams run.
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			select {
			case <-stop:
				return
			case <-time.After(500 * time.Millisecond):
				peak.Store(max(peak.Load(), int64(run.Sim.Stats().InFlight)))
			}
		}
	}()
	time.Sleep(3 * time.Second)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	goroutines := runtime.NumGoroutine()
	wg.Wait()
	close(stop)
	<-sampled
	var ru1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	cpu := time.Duration(ru1.Utime.Nano()+ru1.Stime.Nano()-ru0.Utime.Nano()-ru0.Stime.Nano()) * time.Nanosecond
	wall := time.Since(start)
	t.Logf("%d streams: ok %d, failed %d, peak in flight %d, wall %v", n, ok.Load(), failed.Load(), peak.Load(), wall.Round(time.Millisecond))
	t.Logf("mid-run: %d goroutines, heap in use %.0f MiB, sys %.0f MiB; CPU (client+server) %v = %.0f%% of one core",
		goroutines, float64(ms.HeapInuse)/(1<<20), float64(ms.Sys)/(1<<20), cpu.Round(time.Millisecond), 100*cpu.Seconds()/wall.Seconds())
	if failed.Load() > 0 {
		t.Errorf("%d streams failed", failed.Load())
	}
}
