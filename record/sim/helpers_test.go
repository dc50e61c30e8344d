package sim

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// fastConfig is a knee server that answers in a few milliseconds.
func fastConfig() Config {
	cfg := DefaultConfig()
	cfg.TokenMS = 0.2
	cfg.PrefillMS = 1
	cfg.MaxTokens = 8
	cfg.Jitter = 0
	return cfg
}

func startServer(t *testing.T, cfg Config) (*Server, *httptest.Server) {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts
}

// post sends body to path and returns the status, headers and whole body.
func post(t *testing.T, ctx context.Context, url, body string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", url, err)
	}
	return resp.StatusCode, resp.Header, b
}

// sseEvents splits a Server-Sent Events body into its data payloads,
// failing on anything that is not a "data: " line or a blank separator.
func sseEvents(t *testing.T, body []byte) []string {
	t.Helper()
	var events []string
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	blank := true
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if blank {
				t.Fatalf("two blank lines in a row in %q", body)
			}
			blank = true
		case strings.HasPrefix(line, "data: "):
			if !blank {
				t.Fatalf("event without a blank line before it: %q", line)
			}
			events = append(events, strings.TrimPrefix(line, "data: "))
			blank = false
		default:
			t.Fatalf("unexpected SSE line %q", line)
		}
	}
	if !blank {
		t.Fatalf("stream does not end with a blank line: %q", body)
	}
	return events
}

// errorBody decodes an OpenAI-style error object, failing if it is not one.
func errorBody(t *testing.T, b []byte) apiErrorBody {
	t.Helper()
	var e struct {
		Error *apiErrorBody `json:"error"`
	}
	if err := json.Unmarshal(b, &e); err != nil || e.Error == nil || e.Error.Message == "" || e.Error.Type == "" {
		t.Fatalf("body %q is not an OpenAI error object (err %v)", b, err)
	}
	return *e.Error
}

// waitFor polls cond until it holds or the time runs out.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
