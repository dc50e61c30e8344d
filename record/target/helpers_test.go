package target

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Secrets planted in every test's options; no Result.Error may contain them.
const (
	secretKey    = "sk-planted-APIKEY-5f3a"
	secretHeader = "hdr-planted-VALUE-77c1"
	secretQuery  = "qs-planted-QUERY-0b9e"
	secretPass   = "pw-planted-PASS-44d2"
)

var allSecrets = []string{secretKey, secretHeader, secretQuery, secretPass}

// withSecrets adds userinfo and a secret query parameter to base.
func withSecrets(base string) string {
	base = strings.Replace(base, "://", "://bob:"+secretPass+"@", 1)
	return base + "?api_key=" + secretQuery
}

// testOptions returns options for api against base, with every secret.
func testOptions(api, base string) Options {
	return Options{
		Target:      withSecrets(base),
		API:         api,
		Model:       "test-model",
		MaxTokens:   16,
		Stream:      api != APIHTTP,
		Headers:     http.Header{"X-Team-Token": {secretHeader}},
		APIKey:      secretKey,
		Timeout:     5 * time.Second,
		IdleTimeout: 2 * time.Second,
		MaxConns:    8,
	}
}

// want is the expected shape of a Result.
type want struct {
	status int
	ok     bool
	class  string
	errHas string // substring of Error
}

func checkResult(t *testing.T, res Result, w want) {
	t.Helper()
	if res.Status != w.status || res.OK != w.ok || res.ErrorClass != w.class {
		t.Errorf("status/ok/class = %d/%v/%q, want %d/%v/%q (error %q)",
			res.Status, res.OK, res.ErrorClass, w.status, w.ok, w.class, res.Error)
	}
	if w.ok && res.Error != "" {
		t.Errorf("Error = %q on success", res.Error)
	}
	if !w.ok && res.Error == "" {
		t.Errorf("Error is empty on failure")
	}
	if w.errHas != "" && !strings.Contains(res.Error, w.errHas) {
		t.Errorf("Error = %q, want it to contain %q", res.Error, w.errHas)
	}
	checkNoSecret(t, "Result.Error", res.Error)
	if len(res.Error) > 256 {
		t.Errorf("len(Error) = %d > 256", len(res.Error))
	}
	if res.Start.IsZero() {
		t.Errorf("Start is zero")
	}
	if res.Latency <= 0 {
		t.Errorf("Latency = %v", res.Latency)
	}
}

func checkNoSecret(t *testing.T, what, s string) {
	t.Helper()
	for _, sec := range allSecrets {
		if strings.Contains(s, sec) {
			t.Errorf("%s contains secret %q: %q", what, sec, s)
		}
	}
}

func newClient(t testing.TB, o Options) Client {
	t.Helper()
	c, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if cl, ok := c.(*client); ok {
		t.Cleanup(cl.tr.CloseIdleConnections)
	}
	return c
}

func do(t testing.TB, o Options, p Prompt) Result {
	t.Helper()
	return newClient(t, o).Do(context.Background(), p)
}

// quietServer starts an httptest server whose error log is discarded.
func quietServer(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// sse writes one SSE data event and flushes.
func sse(w http.ResponseWriter, data string) {
	fmt.Fprintf(w, "data: %s\n\n", data)
	w.(http.Flusher).Flush()
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func chatDelta(content string) string {
	return mustJSON(map[string]any{
		"object":  "chat.completion.chunk",
		"choices": []any{map[string]any{"index": 0, "delta": map[string]any{"content": content}, "finish_reason": nil}},
	})
}

func chatFinish() string {
	return `{"object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}`
}

func complText(text string) string {
	return mustJSON(map[string]any{
		"object":  "text_completion",
		"choices": []any{map[string]any{"index": 0, "text": text, "finish_reason": nil}},
	})
}

func usageChunk(prompt, completion int) string {
	return fmt.Sprintf(`{"object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d}}`,
		prompt, completion, prompt+completion)
}

// fakeOpenAI is a small OpenAI-compatible server for tests.
type fakeOpenAI struct {
	tokens     int           // content chunks
	firstDelay time.Duration // before the first content chunk (after a role chunk)
	gap        time.Duration // between content chunks (each flushed)

	mu       sync.Mutex
	requests []recorded
}

type recorded struct {
	path, auth, team string
	body             map[string]any
}

func (f *fakeOpenAI) last() recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[len(f.requests)-1]
}

func (f *fakeOpenAI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if r.Method == http.MethodPost {
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
	}
	f.mu.Lock()
	f.requests = append(f.requests, recorded{r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("X-Team-Token"), body})
	f.mu.Unlock()
	chat := strings.HasSuffix(r.URL.Path, "/v1/chat/completions")
	switch {
	case r.URL.Path == "/v1/models":
		fmt.Fprint(w, `{"object":"list","data":[{"id":"model-a","object":"model"},{"id":"model-b"}]}`)
		return
	case !chat && r.URL.Path != "/v1/completions":
		http.NotFound(w, r)
		return
	}
	if stream, _ := body["stream"].(bool); !stream {
		w.Header().Set("Content-Type", "application/json")
		if chat {
			fmt.Fprint(w, `{"id":"c1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"hello there"},"finish_reason":"stop"}],"usage":{"prompt_tokens":11,"completion_tokens":2,"total_tokens":13}}`)
		} else {
			fmt.Fprint(w, `{"id":"c1","object":"text_completion","choices":[{"index":0,"text":"hello there","finish_reason":"stop"}],"usage":{"prompt_tokens":11,"completion_tokens":2,"total_tokens":13}}`)
		}
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	if chat {
		sse(w, `{"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}`)
	}
	if f.firstDelay > 0 {
		time.Sleep(f.firstDelay)
	}
	for i := 0; i < f.tokens; i++ {
		if i > 0 && f.gap > 0 {
			time.Sleep(f.gap)
		}
		if chat {
			sse(w, chatDelta(fmt.Sprintf("tok%d ", i)))
		} else {
			sse(w, complText(fmt.Sprintf("tok%d ", i)))
		}
	}
	sse(w, chatFinish())
	sse(w, usageChunk(11, f.tokens))
	sse(w, "[DONE]")
}

// waitCtx blocks until the request is gone or the test server closes.
func waitCtx(r *http.Request) {
	// The server notices a client going away only once the body is read.
	_, _ = io.Copy(io.Discard, r.Body)
	select {
	case <-r.Context().Done():
	case <-time.After(3 * time.Second):
	}
}

func quietLog() *log.Logger { return log.New(io.Discard, "", 0) }
