package sim

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestDemoStepLoad runs the demo's step load against the default
// configuration (10 users per step up to 60, 0.1–0.5 s think time,
// streaming chat) and prints p50/p95 and failures per step. It takes
// minutes, so it runs only when LLMREC_SIM_DEMO is set:
//
//	LLMREC_SIM_DEMO=1 go test ./record/sim -run DemoStepLoad -v
//
// LLMREC_SIM_PROFILE picks the profile, LLMREC_SIM_STEP the step time
// [20s], LLMREC_SIM_MAX_TOKENS the max_tokens sent (0: none, the server's
// default) and LLMREC_SIM_SLOTS the slots.
func TestDemoStepLoad(t *testing.T) {
	if os.Getenv("LLMREC_SIM_DEMO") == "" {
		t.Skip("set LLMREC_SIM_DEMO=1 to run the demo step load")
	}
	cfg := DefaultConfig()
	if p := os.Getenv("LLMREC_SIM_PROFILE"); p != "" {
		cfg.Profile = p
	}
	if v := os.Getenv("LLMREC_SIM_SLOTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Slots = n
	}
	stepTime := 20 * time.Second
	if v := os.Getenv("LLMREC_SIM_STEP"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatal(err)
		}
		stepTime = d
	}
	maxTokens, _ := strconv.Atoi(os.Getenv("LLMREC_SIM_MAX_TOKENS"))
	body := `{"model":"m","stream":true,"messages":[{"role":"user","content":"tell me a story about load"}]}`
	if maxTokens > 0 {
		body = fmt.Sprintf(`{"model":"m","stream":true,"max_tokens":%d,"messages":[{"role":"user","content":"tell me a story about load"}]}`, maxTokens)
	}

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	run, err := Listen(ctx, "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1000}}

	type sample struct {
		step int
		ms   float64
		ok   bool
	}
	var (
		mu      sync.Mutex
		samples []sample
		wg      sync.WaitGroup
	)
	const stepUsers, maxUsers = 10, 60
	steps := maxUsers / stepUsers
	start := time.Now()
	end := start.Add(time.Duration(steps) * stepTime)
	for u := range maxUsers {
		joinAt := start.Add(time.Duration(u/stepUsers) * stepTime)
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(u), 7))
			time.Sleep(time.Until(joinAt))
			for time.Now().Before(end) {
				step := int(time.Since(start)/stepTime) + 1
				t0 := time.Now()
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, run.URL+"/v1/chat/completions", strings.NewReader(body))
				resp, err := client.Do(req)
				ok := false
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					ok = err == nil && resp.StatusCode == http.StatusOK
				}
				d := time.Since(t0)
				mu.Lock()
				samples = append(samples, sample{step, float64(d.Microseconds()) / 1000, ok})
				mu.Unlock()
				time.Sleep(100*time.Millisecond + time.Duration(rng.Int64N(int64(400*time.Millisecond))))
			}
		})
	}
	wg.Wait()

	t.Logf("profile=%s slots=%d max_tokens=%d step=%s", cfg.Profile, cfg.Slots, maxTokens, stepTime)
	for step := 1; step <= steps; step++ {
		var lat []float64
		fails := 0
		for _, s := range samples {
			if s.step != step {
				continue
			}
			if s.ok {
				lat = append(lat, s.ms)
			} else {
				fails++
			}
		}
		slices.Sort(lat)
		q := func(p float64) float64 {
			if len(lat) == 0 {
				return 0
			}
			return lat[int(p*float64(len(lat)-1))]
		}
		t.Logf("users=%2d requests=%5d failures=%4d p50=%7.0fms p95=%7.0fms", step*stepUsers, len(lat)+fails, fails, q(0.5), q(0.95))
	}
}
