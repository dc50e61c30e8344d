package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/llmrec/llmrec/record"
	"github.com/llmrec/llmrec/schemas/runfile"
)

// vllmLike is an independent test server: chat completions after a delay
// that grows with the requests it holds, and a /metrics in the text
// format with vLLM's names, read from its own state: waiting is the
// requests held beyond 2, running those up to 2, and a success counter
// that the server resets once (a restart) after reset. It remembers every
// value of waiting it published and when.
type vllmLike struct {
	held, done atomic.Int64
	reset      time.Time
	mu         sync.Mutex
	published  []published
	resetDone  bool
}

type published struct {
	at      time.Time
	waiting float64
}

func (v *vllmLike) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/v1/models":
		fmt.Fprint(w, `{"object":"list","data":[{"id":"m1","object":"model"}]}`)
	case "/metrics":
		held := v.held.Load()
		running, waiting := min(held, 2), max(held-2, 0)
		v.mu.Lock()
		if !v.resetDone && time.Now().After(v.reset) {
			v.resetDone = true
			v.done.Store(0)
		}
		v.published = append(v.published, published{time.Now(), float64(waiting)})
		v.mu.Unlock()
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		fmt.Fprintf(w, "# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running{model_name=\"m1\"} %d\n", running)
		fmt.Fprintf(w, "# TYPE vllm:num_requests_waiting gauge\nvllm:num_requests_waiting{model_name=\"m1\"} %d\n", waiting)
		fmt.Fprintf(w, "# TYPE vllm:request_success_total counter\nvllm:request_success_total{model_name=\"m1\",finished_reason=\"stop\"} %d\n", v.done.Load())
		fmt.Fprint(w, "# TYPE python_gc_objects_collected_total counter\npython_gc_objects_collected_total 12\n")
	default:
		v.held.Add(1)
		defer v.held.Add(-1)
		io.Copy(io.Discard, r.Body)
		select {
		case <-time.After(time.Duration(20*v.held.Load()) * time.Millisecond):
		case <-r.Context().Done():
			return
		}
		v.done.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}`)
	}
}

// TestTelemetryOfAnIndependentServer: a real run against a server that
// publishes vLLM's names, its /metrics scraped every 200 ms, read back by
// the analyzer: each step's maximum of the waiting gauge lies between
// what the server published at its peak within the step's span narrowed
// and widened by one scrape interval; the success counter's rate is
// positive in every step across the server's counter reset; series not
// matched (python_gc_*) are not kept.
func TestTelemetryOfAnIndependentServer(t *testing.T) {
	ctx := context.Background()
	v := &vllmLike{reset: time.Now().Add(3 * time.Second)}
	srv := httptest.NewServer(v)
	defer srv.Close()
	const interval = 200 * time.Millisecond
	rc := record.DefaultConfig()
	rc.Target, rc.Stream = srv.URL, false
	rc.Shape = record.Shape{StepUsers: 2, StepTime: 2 * time.Second, MaxUsers: 8}
	rc.WaitMin, rc.WaitMax = 5*time.Millisecond, 20*time.Millisecond
	rc.Seed = 5
	rc.ServerMetrics = record.ServerMetrics{URL: record.AutoServerMetrics, Interval: interval}
	client, err := record.Connect(ctx, &rc)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "run.parquet")
	f, err := runfile.Create(path, false, false)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := record.Run(ctx, rc, client, f); err != nil {
		t.Fatal(err)
	}
	_, meta := readRunFile(t, path)
	a := analyzeRun(t, path)
	tel := a.Telemetry
	// A loaded machine can make a scrape miss its 200 ms: nothing else may
	// fail, and then the lower bound below is not checked (the client did
	// not see what the server published).
	if tel == nil || tel.Failed != tel.Failures["timeout"] || tel.Failed > tel.Scrapes/2 {
		t.Fatalf("telemetry %+v", tel)
	}
	for _, s := range tel.Series {
		if s.Name == "python_gc_objects_collected_total" {
			t.Errorf("an unmatched series was kept")
		}
	}
	if len(tel.Steps) != 4 {
		t.Fatalf("%d telemetry steps, want 4", len(tel.Steps))
	}
	peak := func(from, to float64) (m float64) {
		v.mu.Lock()
		defer v.mu.Unlock()
		for _, p := range v.published {
			if s := p.at.Sub(meta.StartedAt).Seconds(); s > from && s <= to {
				m = max(m, p.waiting)
			}
		}
		return m
	}
	iv := interval.Seconds()
	for i, s := range tel.Steps {
		st := a.Steps[i]
		if s.WaitingMax == nil {
			t.Fatalf("step %d: no waiting max", s.Step)
		}
		lo, hi := peak(st.StartS+iv, st.EndS-iv), peak(st.StartS-iv, st.EndS+iv)
		if tel.Failed > 0 {
			lo = 0
		}
		if *s.WaitingMax < lo || *s.WaitingMax > hi {
			t.Errorf("step %d: waiting max %v, the server published at most %v within the step (%v with a scrape interval either side)", s.Step, *s.WaitingMax, lo, hi)
		}
	}
	for _, ser := range tel.Series {
		if ser.Name != "vllm:request_success_total" {
			continue
		}
		for _, f := range ser.Steps {
			if f.Rate == nil || *f.Rate <= 0 {
				t.Errorf("step %d: success rate %v across the reset, want above 0", f.Step, f.Rate)
			}
		}
	}
	if got := tel.Steps[3].WaitingMax; *got < 1 {
		t.Errorf("8 users on a server that runs 2: waiting max %v in the last step", *got)
	}
}
