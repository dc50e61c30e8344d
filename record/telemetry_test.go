package record

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/llmrec/llmrec/record/scrape"
	"github.com/llmrec/llmrec/record/sim"
	"github.com/llmrec/llmrec/schemas"
)

// seriesOf returns the stored values of the first series named name.
func seriesOf(t *testing.T, tel *schemas.Telemetry, name string) []*float64 {
	t.Helper()
	for _, s := range tel.Series {
		if s.Name == name {
			return s.V
		}
	}
	t.Fatalf("no series %s in the telemetry (%d series)", name, len(tel.Series))
	return nil
}

func maxOf(v []*float64) float64 {
	m := -1.0
	for _, x := range v {
		if x != nil && *x > m {
			m = *x
		}
	}
	return m
}

// TestServerMetricsFromSimulator: a real short run against the built-in
// simulator, its /metrics scraped over loopback HTTP every 100 ms: the
// run file holds the simulator's gauges and counters, the running gauge
// never over its slots and at them while users outnumber them, and the
// success counter's last value the run's successful rows.
func TestServerMetricsFromSimulator(t *testing.T) {
	cfg := quickConfig(t, "")
	cfg.Sim.Slots = 2
	cfg.Sim.TokenMS = 2
	cfg.Sim.MaxTokens = 16
	cfg.Shape = Shape{StepUsers: 3, StepTime: 700 * time.Millisecond, MaxUsers: 6}
	cfg.ServerMetrics = ServerMetrics{URL: AutoServerMetrics, Interval: 100 * time.Millisecond}
	if _, err := runE2E(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	rows, meta := readRun(t, cfg.Out)
	tel := meta.Telemetry
	if tel == nil {
		t.Fatalf("no telemetry in the run file (reader said %q)", meta.TelemetryError)
	}
	// A loaded machine can make a scrape miss its 100 ms; nothing else
	// may fail, and every scrape read is stored.
	if tel.Failed != tel.Failures["timeout"] || tel.Scrapes-tel.Failed < 8 || len(tel.T) != tel.Scrapes-tel.Failed {
		t.Errorf("scrapes %d, failed %d (%v), stored %d: want ≥8 read and stored, failures only timeouts", tel.Scrapes, tel.Failed, tel.Failures, len(tel.T))
	}
	if !strings.HasSuffix(tel.Source, "/metrics") || !strings.HasPrefix(tel.Source, "http://127.0.0.1:") {
		t.Errorf("source %q, want the simulator's /metrics", tel.Source)
	}
	if got := maxOf(seriesOf(t, tel, sim.MetricRunning)); got != 2 {
		t.Errorf("max running = %v, want the 2 slots (6 users)", got)
	}
	if got := maxOf(seriesOf(t, tel, sim.MetricWaiting)); got < 1 {
		t.Errorf("max waiting = %v, want some queue with 6 users on 2 slots", got)
	}
	var ok int
	for _, r := range rows {
		if r.OK {
			ok++
		}
	}
	success := seriesOf(t, tel, sim.MetricRequestSuccess)
	last := success[len(success)-1]
	switch {
	case last == nil || int(*last) > ok:
		t.Errorf("last request_success_total = %v, over the %d successful rows", last, ok)
	case tel.Failed == 0 && int(*last) != ok:
		t.Errorf("last request_success_total = %v, want the %d successful rows", *last, ok)
	}
}

// TestServerMetricsFaults: a /metrics that is missing, slow, malformed,
// huge or unreachable never fails or slows the run: every request is
// recorded as it would be, and the telemetry says what went wrong, with
// counts, or what its bounds cut.
func TestServerMetricsFaults(t *testing.T) {
	var big strings.Builder // 10 MiB of one gauge's series
	big.WriteString("# TYPE vllm:big gauge\n")
	for line := 0; big.Len() < 10<<20; line++ {
		fmt.Fprintf(&big, "vllm:big{i=\"%d\",pad=\"%s\"} %d\n", line, strings.Repeat("x", 64), line)
	}
	huge := func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		w.Write([]byte(big.String()))
	}
	for _, tc := range []struct {
		name    string
		handler func(w http.ResponseWriter, r *http.Request)
		unreach bool
		every   time.Duration // the scrape interval (100 ms when 0)
		failure string        // reason counted, or "" when the scrapes succeed
		warn    []string
	}{
		{name: "missing", handler: func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) },
			failure: "http_status", warn: []string{"failed (http_status", "404"}},
		{name: "slow", handler: func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-time.After(2 * time.Second):
			case <-r.Context().Done():
			}
		}, failure: "timeout", warn: []string{"failed (timeout", "no answer within 100ms"}},
		{name: "malformed", handler: func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintln(w, "vllm:num_requests_running{model_name=\"m\" 3 and more")
		}, failure: "parse", warn: []string{"failed (parse", "not a Prometheus exposition"}},
		{name: "unreachable", unreach: true, failure: "connect", warn: []string{"failed (connect"}},
		{name: "huge", handler: func(w http.ResponseWriter, r *http.Request) { huge(w) }, every: 2 * time.Second,
			warn: []string{"over 4 MiB: only their first 4 MiB were read", "series over the 256-series bound were not kept"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var seen, scrapes atomic.Int64
			api := chatServer(t, 20*time.Millisecond, &seen)
			metricsURL := "http://127.0.0.1:1/metrics"
			if !tc.unreach {
				ms := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					scrapes.Add(1)
					tc.handler(w, r)
				}))
				t.Cleanup(ms.Close)
				metricsURL = ms.URL + "/metrics"
			}
			cfg := quickConfig(t, api.URL)
			cfg.ServerMetrics = ServerMetrics{URL: metricsURL, Interval: 100 * time.Millisecond}
			if tc.every > 0 {
				cfg.ServerMetrics.Interval = tc.every
			}
			sum, err := runE2E(context.Background(), cfg)
			if err != nil {
				t.Fatalf("the run failed: %v", err)
			}
			rows, meta := readRun(t, cfg.Out)
			if int64(len(rows)) != seen.Load() || sum.Failures != 0 || meta.EndReason != schemas.EndCompleted {
				t.Errorf("rows %d for %d requests seen, %d failures, end %s: the run was affected", len(rows), seen.Load(), sum.Failures, meta.EndReason)
			}
			tel := meta.Telemetry
			if tel == nil {
				t.Fatalf("no telemetry stored (reader: %q)", meta.TelemetryError)
			}
			if tc.failure != "" {
				if tel.Failed == 0 || tel.Failed != tel.Failures[tc.failure] || tel.Failed != tel.Scrapes {
					t.Errorf("failed %d of %d, by reason %v: want every scrape failed as %s", tel.Failed, tel.Scrapes, tel.Failures, tc.failure)
				}
			} else if tel.Failed != tel.Failures["timeout"] || tel.Failed == tel.Scrapes {
				// A loaded machine can make a scrape of 10 MiB miss its
				// interval; at least one must be read for the cuts.
				t.Errorf("failed %d of %d: %v %s", tel.Failed, tel.Scrapes, tel.Failures, tel.LastError)
			}
			warnings := strings.Join(scrape.Warnings(tel), "\n")
			for _, w := range tc.warn {
				if !strings.Contains(warnings, w) {
					t.Errorf("warnings %q do not say %q", warnings, w)
				}
			}
			if tc.name == "huge" && len(tel.Series) != scrape.DefaultMaxSeries {
				t.Errorf("%d series kept, want the bound %d", len(tel.Series), scrape.DefaultMaxSeries)
			}
		})
	}
}

// TestServerMetricsURLRedacted: the metrics URL's credentials and query
// values never reach the run file, in its source nor in the failures'
// message.
func TestServerMetricsURLRedacted(t *testing.T) {
	var seen atomic.Int64
	api := chatServer(t, 5*time.Millisecond, &seen)
	ms := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "nope", http.StatusForbidden)
	}))
	t.Cleanup(ms.Close)
	const user, pass, tok = "scrapeuser", "hunter2secretpass", "querytokensecret"
	cfg := quickConfig(t, api.URL)
	cfg.Shape = Shape{StepUsers: 1, StepTime: 300 * time.Millisecond, MaxUsers: 1}
	cfg.ServerMetrics = ServerMetrics{URL: strings.Replace(ms.URL, "http://", "http://"+user+":"+pass+"@", 1) + "/metrics?token=" + tok,
		Interval: 100 * time.Millisecond}
	if _, err := runE2E(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	_, meta := readRun(t, cfg.Out)
	tel := meta.Telemetry
	if tel == nil || tel.Failures["http_status"] == 0 {
		t.Fatalf("telemetry %+v: want the 403s counted", tel)
	}
	js, _ := tel.Marshal()
	for _, secret := range []string{pass, tok} {
		if strings.Contains(js, secret) || strings.Contains(strings.Join(scrape.Warnings(tel), " "), secret) {
			t.Errorf("%q reached the run file or the warnings: %s", secret, js)
		}
	}
}
