package livemetrics

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/llmrec/llmrec/record"
	"github.com/llmrec/llmrec/record/sim"
	"github.com/llmrec/llmrec/schemas"
	"github.com/llmrec/llmrec/schemas/runfile"
)

// scrape reads url with the Prometheus decoder, sending token as a bearer
// token when set, and returns the families by name.
func scrape(t *testing.T, url, token string) map[string]*dto.MetricFamily {
	t.Helper()
	fams, err := scrapeErr(url, token)
	if err != nil {
		t.Fatal(err)
	}
	return fams
}

func scrapeErr(url, token string) (map[string]*dto.MetricFamily, error) {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	out := map[string]*dto.MetricFamily{}
	dec := expfmt.NewDecoder(resp.Body, expfmt.ResponseFormat(resp.Header))
	for {
		mf := &dto.MetricFamily{}
		if err := dec.Decode(mf); err != nil {
			break
		}
		out[mf.GetName()] = mf
	}
	return out, nil
}

// TestLiveFiguresOfARealRun: a short run against the simulator with the
// live figures served on loopback; scraped while it runs and at its end
// with the Prometheus parser, the request counter never passes the rows
// and ends equal to the run file's rows, the latency histogram counts its
// successes and the failures their classes.
func TestLiveFiguresOfARealRun(t *testing.T) {
	ctx := context.Background()
	simCfg := sim.DefaultConfig()
	simCfg.TokenMS, simCfg.MaxTokens, simCfg.ErrorRate = 1, 8, 0.2
	s, err := sim.Listen(ctx, "127.0.0.1:0", simCfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cfg := record.DefaultConfig()
	cfg.Target, cfg.Simulator = s.URL, simCfg.Profile
	cfg.Shape = record.Shape{StepUsers: 2, StepTime: 1500 * time.Millisecond, MaxUsers: 4}
	cfg.WaitMin, cfg.WaitMax = 5*time.Millisecond, 20*time.Millisecond
	cfg.Seed = 3
	x := New()
	srv, err := Start(ctx, "127.0.0.1:0", "", x)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close(ctx)
	cfg.Observe, cfg.Snapshot = x.Observe, x.Snapshot
	client, err := record.Connect(ctx, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "run.parquet")
	f, err := runfile.Create(path, false, false)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type mid struct {
		fams map[string]*dto.MetricFamily
		err  error
	}
	seen := make(chan mid, 1)
	go func() {
		time.Sleep(2 * time.Second)
		fams, err := scrapeErr(srv.URL(), "")
		seen <- mid{fams, err}
	}()
	sum, err := record.Run(ctx, cfg, client, f)
	if err != nil {
		t.Fatal(err)
	}
	m := <-seen
	if m.err != nil {
		t.Fatal(m.err)
	}
	requests := m.fams["llmrec_requests_total"].GetMetric()[0].GetCounter().GetValue()
	step := m.fams["llmrec_step"].GetMetric()[0].GetGauge().GetValue()
	if requests <= 0 || requests > float64(sum.Rows) || step < 1 {
		t.Errorf("mid-run: %v requests (of %d), step %v: want some, at most the rows, in a step", requests, sum.Rows, step)
	}
	fams := scrape(t, srv.URL(), "")
	if got := fams["llmrec_requests_total"].GetMetric()[0].GetCounter().GetValue(); got != float64(sum.Rows) {
		t.Errorf("llmrec_requests_total %v, the file has %d rows", got, sum.Rows)
	}
	var failed float64
	for _, m := range fams["llmrec_failures_total"].GetMetric() {
		if m.GetLabel()[0].GetValue() != schemas.ErrHTTP5xx {
			t.Errorf("failure class %s, want only http_5xx from the injected errors", m.GetLabel()[0].GetValue())
		}
		failed += m.GetCounter().GetValue()
	}
	if failed != float64(sum.Failures) || failed == 0 {
		t.Errorf("failures %v, the run had %d", failed, sum.Failures)
	}
	if got := fams["llmrec_request_latency_seconds"].GetMetric()[0].GetHistogram().GetSampleCount(); got != uint64(sum.Rows-sum.Failures) {
		t.Errorf("latency histogram counts %d, want the %d successes", got, sum.Rows-sum.Failures)
	}
	if got := fams["llmrec_ttft_seconds"].GetMetric()[0].GetHistogram().GetSampleCount(); got != uint64(sum.Rows-sum.Failures) {
		t.Errorf("TTFT histogram counts %d, want the %d streamed successes", got, sum.Rows-sum.Failures)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
}

// TestGuards: a token, when set, is required as a bearer token; on
// loopback a Host header that names another host is refused (DNS
// rebinding).
func TestGuards(t *testing.T) {
	ctx := context.Background()
	const token = "0123456789abcdef0123456789abcdef"
	srv, err := Start(ctx, "127.0.0.1:0", token, New())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close(ctx)
	for _, tc := range []struct {
		name, auth, host string
		want             int
	}{
		{"no token", "", "", http.StatusUnauthorized},
		{"wrong token", "Bearer 0123456789abcdef0123456789abcdeX", "", http.StatusUnauthorized},
		{"the token", "Bearer " + token, "", http.StatusOK},
		{"another host", "Bearer " + token, "evil.example", http.StatusMisdirectedRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, srv.URL(), nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			if tc.host != "" {
				req.Host = tc.host + ":" + srv.port
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
}
