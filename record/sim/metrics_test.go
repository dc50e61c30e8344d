package sim

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// scrape reads url's /metrics over HTTP with the Prometheus project's
// decoder and returns each sample of the simulator's model by name and
// labels other than model_name ("name" or "name{k=v}").
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	dec := expfmt.NewDecoder(resp.Body, expfmt.ResponseFormat(resp.Header))
	out := map[string]float64{}
	for {
		var mf dto.MetricFamily
		if err := dec.Decode(&mf); err != nil {
			break
		}
		for _, m := range mf.GetMetric() {
			key := mf.GetName()
			for _, l := range m.GetLabel() {
				if l.GetName() != "model_name" {
					key += fmt.Sprintf("{%s=%s}", l.GetName(), l.GetValue())
				}
			}
			switch {
			case m.GetGauge() != nil:
				out[key] = m.GetGauge().GetValue()
			case m.GetCounter() != nil:
				out[key] = m.GetCounter().GetValue()
			}
		}
	}
	return out
}

// TestMetricsFollowState: the simulator's vLLM gauges read its queue and
// slots while requests are held, and its counters add up to what it served,
// scraped over real loopback HTTP.
func TestMetricsFollowState(t *testing.T) {
	cfg := fastConfig()
	cfg.Slots = 2
	cfg.TokenMS = 20
	cfg.MaxTokens = 20
	s, ts := startServer(t, cfg)

	idle := scrape(t, ts.URL)
	for _, name := range []string{MetricRunning, MetricWaiting, MetricKVCacheUsage, MetricPreemptions, MetricPromptTokens, MetricGenerationTokens} {
		if v, ok := idle[name]; !ok || v != 0 {
			t.Errorf("idle %s = %v (present %v), want 0", name, v, ok)
		}
	}

	const n = 5
	ctx := context.Background()
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			post(t, ctx, ts.URL+"/v1/chat/completions", `{"messages":[{"role":"user","content":"abcdefgh"}],"stream":true}`)
		})
	}
	waitFor(t, "all queued", func() bool { st := s.Stats(); return st.InFlight == 2 && st.Queued == 3 })
	busy := scrape(t, ts.URL)
	if busy[MetricRunning] != 2 || busy[MetricWaiting] != 3 || busy[MetricKVCacheUsage] != 1 {
		t.Errorf("busy: running %v waiting %v kv %v, want 2, 3, 1", busy[MetricRunning], busy[MetricWaiting], busy[MetricKVCacheUsage])
	}
	wg.Wait()

	done := scrape(t, ts.URL)
	st := s.Stats()
	if got := done[MetricRequestSuccess+"{finished_reason=stop}"]; got != float64(st.Served) || got != n {
		t.Errorf("request_success{stop} = %v, served %d, want %d", got, st.Served, n)
	}
	if got := done[MetricGenerationTokens]; got != n*20 {
		t.Errorf("generation tokens = %v, want %d", got, n*20)
	}
	if got := done[MetricPromptTokens]; got <= 0 || int(got)%n != 0 {
		t.Errorf("prompt tokens = %v", got)
	}
	if done[MetricPreemptions] < 1 {
		t.Errorf("preemptions = %v, want at least 1: requests ran while 3 were queued", done[MetricPreemptions])
	}
	if done[MetricRunning] != 0 || done[MetricWaiting] != 0 {
		t.Errorf("after: running %v waiting %v, want 0", done[MetricRunning], done[MetricWaiting])
	}
}
