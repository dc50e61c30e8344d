package sim

import (
	"bufio"
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// slowConfig gives requests of about prefill + (tokens−1)·tokenMS, no jitter.
func slowConfig(profile string, slots int, tokenMS float64, tokens int) Config {
	cfg := DefaultConfig()
	cfg.Profile = profile
	cfg.Slots = slots
	cfg.TokenMS = tokenMS
	cfg.PrefillMS = 0
	cfg.MaxTokens = tokens
	cfg.Jitter = 0
	return cfg
}

type result struct {
	status  int
	retry   string
	latency time.Duration
}

// fire sends n non-streamed chat requests at once and returns their results.
func fire(t *testing.T, url string, n int) []result {
	t.Helper()
	results, err := fireAll(url, n)
	if err != nil {
		t.Fatal(err)
	}
	return results
}

func fireAll(url string, n int) ([]result, error) {
	results := make([]result, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			start := time.Now()
			resp, err := http.Post(url+"/v1/chat/completions", "application/json",
				strings.NewReader(`{"messages":[{"role":"user","content":"hi"}]}`))
			if err != nil {
				errs[i] = err
				return
			}
			_, errs[i] = bufio.NewReader(resp.Body).WriteTo(discard{})
			resp.Body.Close()
			results[i] = result{resp.StatusCode, resp.Header.Get("Retry-After"), time.Since(start)}
		})
	}
	wg.Wait()
	return results, errors.Join(errs...)
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func TestShedRejectsTheExcess(t *testing.T) {
	// Served requests take about 400 ms; rejections must come at once.
	s, ts := startServer(t, slowConfig(ProfileShed, 2, 10, 41))
	results := fire(t, ts.URL, 6)
	var ok, shed int
	for _, r := range results {
		switch r.status {
		case http.StatusOK:
			ok++
			if r.latency < 350*time.Millisecond {
				t.Errorf("served request took %v, want about 400ms", r.latency)
			}
		case http.StatusServiceUnavailable:
			shed++
			if r.retry != "1" {
				t.Errorf("503 with Retry-After %q, want 1", r.retry)
			}
			if r.latency > 200*time.Millisecond {
				t.Errorf("503 took %v, want it at once", r.latency)
			}
		default:
			t.Errorf("status %d, want 200 or 503", r.status)
		}
	}
	if ok != 2 || shed != 4 {
		t.Errorf("got %d served and %d rejected, want 2 and 4", ok, shed)
	}
	if st := s.Stats(); st.Rejected != 4 || st.Served != 2 || st.InFlight != 0 || st.Queued != 0 {
		t.Errorf("stats = %+v, want 4 rejected, 2 served, nothing in flight", st)
	}
}

func TestShedErrorBody(t *testing.T) {
	s, ts := startServer(t, slowConfig(ProfileShed, 1, 20, 50))
	ctx, cancel := context.WithCancel(t.Context())
	holder := make(chan struct{})
	defer func() { cancel(); <-holder }()
	go func() {
		defer close(holder)
		// Holds the only slot until canceled; its outcome does not matter.
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, ts.URL+"/v1/completions", strings.NewReader(`{"prompt":"x"}`))
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	waitFor(t, "the slot to be taken", func() bool { return s.Stats().InFlight == 1 })
	status, header, body := post(t, t.Context(), ts.URL+"/v1/completions", `{"prompt":"x"}`)
	if status != http.StatusServiceUnavailable || header.Get("Retry-After") != "1" {
		t.Fatalf("status %d, Retry-After %q; want 503 and 1", status, header.Get("Retry-After"))
	}
	if e := errorBody(t, body); e.Code == nil || *e.Code != "overloaded" || e.Type != "server_error" {
		t.Errorf("error = %+v, want type server_error, code overloaded", e)
	}
}

func TestKneeQueues(t *testing.T) {
	// One slot, no swap slowdown: four requests of 100 ms finish about
	// 100, 200, 300 and 400 ms after they were sent.
	cfg := slowConfig(ProfileKnee, 1, 10, 11)
	cfg.Swap = 0
	s, ts := startServer(t, cfg)
	results := fire(t, ts.URL, 4)
	var lat []time.Duration
	for _, r := range results {
		if r.status != http.StatusOK {
			t.Fatalf("status %d, want 200 (knee never rejects)", r.status)
		}
		lat = append(lat, r.latency)
	}
	slices.Sort(lat)
	for i, l := range lat {
		lo := time.Duration(i+1) * 90 * time.Millisecond
		hi := time.Duration(i+1)*100*time.Millisecond + 150*time.Millisecond
		if l < lo || l > hi {
			t.Errorf("request %d of 4 took %v, want within [%v, %v]", i+1, l, lo, hi)
		}
	}
	if st := s.Stats(); st.Served != 4 || st.InFlight != 0 || st.Queued != 0 {
		t.Errorf("stats = %+v, want 4 served, nothing left", st)
	}
}

func TestKneeQueueDepthAndSwap(t *testing.T) {
	// Two slots and six requests: four wait. With Swap = 1 the served ones
	// run (1 + (4/2)²) = 5 times slower while the queue is that deep.
	cfg := slowConfig(ProfileKnee, 2, 2, 51)
	s, ts := startServer(t, cfg)
	type outcome struct {
		results []result
		err     error
	}
	done := make(chan outcome, 1)
	go func() {
		rs, err := fireAll(ts.URL, 6)
		done <- outcome{rs, err}
	}()
	waitFor(t, "four queued requests", func() bool {
		st := s.Stats()
		return st.InFlight == 2 && st.Queued == 4
	})
	if f := s.slowdown(); f != 5 {
		t.Errorf("slowdown with 4 queued on 2 slots = %v, want 5", f)
	}
	out := <-done
	if out.err != nil {
		t.Fatal(out.err)
	}
	var lat []time.Duration
	for _, r := range out.results {
		if r.status != http.StatusOK {
			t.Fatalf("status %d, want 200", r.status)
		}
		lat = append(lat, r.latency)
	}
	slices.Sort(lat)
	// Alone, a request takes 100 ms; the first pair ran mostly at 5×.
	if lat[0] < 300*time.Millisecond {
		t.Errorf("first requests took %v, want the swap slowdown (> 300ms)", lat[0])
	}
	if lat[5] < lat[0]+150*time.Millisecond {
		t.Errorf("last request took %v, first %v: want queueing to show", lat[5], lat[0])
	}
}

func TestLinearSlowsWithConcurrency(t *testing.T) {
	// Alone a request takes 19·5 = 95 ms; with 8 in flight on a scale of
	// 4, 95·(1 + 7/4) ≈ 260 ms.
	cfg := slowConfig(ProfileLinear, 4, 5, 20)
	s, ts := startServer(t, cfg)
	mean := func(rs []result) time.Duration {
		var sum time.Duration
		for _, r := range rs {
			if r.status != http.StatusOK {
				t.Fatalf("status %d, want 200 (linear never rejects)", r.status)
			}
			sum += r.latency
		}
		return sum / time.Duration(len(rs))
	}
	one := mean(fire(t, ts.URL, 1))
	eight := mean(fire(t, ts.URL, 8))
	if one < 90*time.Millisecond || one > 180*time.Millisecond {
		t.Errorf("one request took %v, want about 95ms", one)
	}
	if eight < one*9/5 {
		t.Errorf("mean latency with 8 in flight %v, with 1 %v: want clearly higher (about 2.75×)", eight, one)
	}
	if st := s.Stats(); st.Served != 9 || st.Rejected != 0 || st.Queued != 0 {
		t.Errorf("stats = %+v, want 9 served", st)
	}
}

func TestSlowdown(t *testing.T) {
	tests := []struct {
		profile          string
		slots            int
		swap             float64
		inflight, queued int64
		want             float64
	}{
		{ProfileLinear, 16, 1, 1, 0, 1},
		{ProfileLinear, 16, 1, 17, 0, 2},
		{ProfileLinear, 4, 1, 9, 0, 3},
		{ProfileLinear, 4, 1, 0, 0, 1},
		{ProfileKnee, 16, 1, 16, 0, 1},
		{ProfileKnee, 16, 1, 16, 8, 1.25},
		{ProfileKnee, 16, 1, 16, 32, 5},
		{ProfileKnee, 16, 2, 16, 16, 3},
		{ProfileKnee, 16, 1, 16, 1000, 1 + SwapCap*SwapCap},
		{ProfileKnee, 16, 0, 16, 1000, 1},
		{ProfileShed, 2, 1, 2, 0, 1},
	}
	for _, tt := range tests {
		cfg := DefaultConfig()
		cfg.Profile, cfg.Slots, cfg.Swap = tt.profile, tt.slots, tt.swap
		s, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		s.inflight.Store(tt.inflight)
		s.queued.Store(tt.queued)
		if got := s.slowdown(); got != tt.want {
			t.Errorf("%s slots=%d swap=%v inflight=%d queued=%d: slowdown %v, want %v",
				tt.profile, tt.slots, tt.swap, tt.inflight, tt.queued, got, tt.want)
		}
	}
}

// TestCancelFreesSlot checks that a client leaving mid-stream or while
// queued gives back its slot or its place at once.
func TestCancelFreesSlot(t *testing.T) {
	cfg := slowConfig(ProfileKnee, 1, 50, 1000) // 50 s if not canceled
	s, ts := startServer(t, cfg)

	streamCtx, cancelStream := context.WithCancel(t.Context())
	req, err := http.NewRequestWithContext(streamCtx, http.MethodPost, ts.URL+"/v1/chat/completions",
		strings.NewReader(`{"stream":true,"messages":[{"role":"user","content":"hi"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "data: ") {
		t.Fatalf("first line %q, %v: want a data line", line, err)
	}

	queuedCtx, cancelQueued := context.WithCancel(t.Context())
	queuedDone := make(chan struct{})
	go func() {
		defer close(queuedDone)
		req, _ := http.NewRequestWithContext(queuedCtx, http.MethodPost, ts.URL+"/v1/completions", strings.NewReader(`{"prompt":"x"}`))
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	waitFor(t, "one in flight and one queued", func() bool {
		st := s.Stats()
		return st.InFlight == 1 && st.Queued == 1
	})

	cancelQueued()
	<-queuedDone
	waitFor(t, "the queued request to leave", func() bool { return s.Stats().Queued == 0 })
	if st := s.Stats(); st.InFlight != 1 {
		t.Errorf("after the queued client left: stats %+v, want the stream still in flight", st)
	}

	cancelStream()
	waitFor(t, "the slot to be freed", func() bool { return s.Stats().InFlight == 0 })
	if st := s.Stats(); st.Canceled != 2 || st.Served != 0 {
		t.Errorf("stats = %+v, want 2 canceled, 0 served", st)
	}

	// The slot is free: a short request is served at once.
	start := time.Now()
	status, _, _ := post(t, t.Context(), ts.URL+"/v1/completions", `{"prompt":"x","max_tokens":1}`)
	if status != http.StatusOK || time.Since(start) > time.Second {
		t.Errorf("next request: status %d after %v, want 200 at once", status, time.Since(start))
	}
}

// TestBatchedTokens checks that token times far below a millisecond are
// batched: 2000 tokens of 10 µs take about 20 ms, not a timer wake-up each.
func TestBatchedTokens(t *testing.T) {
	cfg := slowConfig(ProfileKnee, 1, 0.01, 2000)
	_, ts := startServer(t, cfg)
	start := time.Now()
	status, _, body := post(t, t.Context(), ts.URL+"/v1/completions", `{"prompt":"x","stream":true}`)
	elapsed := time.Since(start)
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	if n := len(sseEvents(t, body)); n != 2000+2 {
		t.Errorf("got %d events, want 2000 tokens, a finish chunk and [DONE]", n)
	}
	if elapsed < 15*time.Millisecond || elapsed > 500*time.Millisecond {
		t.Errorf("2000 tokens of 10µs took %v, want about 20ms", elapsed)
	}
}
