package sim

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestListenServesAndStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	run, err := Listen(ctx, "127.0.0.1:0", fastConfig())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(run.URL, "http://127.0.0.1:") || strings.HasSuffix(run.URL, ":0") {
		t.Fatalf("URL = %q, want http://127.0.0.1:<port>", run.URL)
	}
	resp, err := http.Get(run.URL + "/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"sim-knee"`) {
		t.Fatalf("GET /v1/models = %d %s", resp.StatusCode, body)
	}

	cancel()
	select {
	case <-run.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("server still running 5s after its context ended")
	}
	if err := run.Wait(); err != nil {
		t.Errorf("Wait() = %v, want nil after a normal stop", err)
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if resp, err := client.Get(run.URL + "/v1/models"); err == nil {
		resp.Body.Close()
		t.Error("server still answers after its context ended")
	}
	if err := run.Close(); err != nil {
		t.Errorf("Close after stop = %v, want nil", err)
	}
}

func TestListenBadAddress(t *testing.T) {
	if _, err := Listen(t.Context(), "127.0.0.1:notaport", fastConfig()); err == nil {
		t.Error("Listen on a bad address succeeded")
	}
	cfg := fastConfig()
	cfg.Profile = "nope"
	if _, err := Listen(t.Context(), "127.0.0.1:0", cfg); err == nil {
		t.Error("Listen with a bad config succeeded")
	}
}

// openStream starts a streamed chat request and reads its first line.
func openStream(t *testing.T, url string) (*http.Response, *bufio.Reader) {
	t.Helper()
	resp, err := http.Post(url+"/v1/chat/completions", "application/json",
		strings.NewReader(`{"stream":true,"messages":[{"role":"user","content":"hi"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	r := bufio.NewReader(resp.Body)
	if line, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(line, "data: ") {
		t.Fatalf("first line %q, %v", line, err)
	}
	return resp, r
}

func TestCloseCancelsRequestsInProgress(t *testing.T) {
	before := runtime.NumGoroutine()
	run, err := Listen(t.Context(), "127.0.0.1:0", slowConfig(ProfileKnee, 4, 50, 1000))
	if err != nil {
		t.Fatal(err)
	}
	_, r := openStream(t, run.URL)
	start := time.Now()
	if err := run.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v with a 50 s stream in progress, want it at once", d)
	}
	if st := run.Sim.Stats(); st.InFlight != 0 || st.Canceled != 1 {
		t.Errorf("after Close: stats %+v, want nothing in flight and 1 canceled", st)
	}
	// The cut stream ends (with an error or an early EOF) without [DONE].
	if rest, _ := io.ReadAll(r); strings.Contains(string(rest), "[DONE]") {
		t.Errorf("stream cut by Close ended with [DONE]")
	}
	// Every goroutine of the server, and the client's for the cut
	// connection, has ended.
	waitFor(t, "the goroutines to end", func() bool { return runtime.NumGoroutine() <= before })
}

func TestShutdownLetsRequestsFinish(t *testing.T) {
	run, err := Listen(t.Context(), "127.0.0.1:0", slowConfig(ProfileKnee, 4, 2, 100)) // about 200 ms
	if err != nil {
		t.Fatal(err)
	}
	_, r := openStream(t, run.URL)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := run.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown() = %v", err)
	}
	rest, err := io.ReadAll(r)
	if err != nil || !strings.HasSuffix(string(rest), "data: [DONE]\n\n") {
		t.Errorf("stream after Shutdown: %v, ends %q; want it complete", err, tail(rest))
	}
	if st := run.Sim.Stats(); st.Served != 1 || st.InFlight != 0 {
		t.Errorf("stats %+v, want the stream served", st)
	}
}

func TestShutdownDeadlineCancels(t *testing.T) {
	run, err := Listen(t.Context(), "127.0.0.1:0", slowConfig(ProfileKnee, 4, 50, 1000))
	if err != nil {
		t.Fatal(err)
	}
	openStream(t, run.URL)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	err = run.Shutdown(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown() = %v, want the deadline error", err)
	}
	if st := run.Sim.Stats(); st.InFlight != 0 || st.Canceled != 1 {
		t.Errorf("stats %+v, want the stream canceled", st)
	}
}

func tail(b []byte) string {
	return string(b[max(len(b)-40, 0):])
}
