package target

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/llmrec/llmrec/schemas"
)

func TestSuccess(t *testing.T) {
	fake := &fakeOpenAI{tokens: 5}
	srv := quietServer(t, fake)
	tests := []struct {
		name       string
		api        string
		stream     bool
		prompt     Prompt
		wantPath   string
		wantChunks int32
	}{
		{"chat stream", APIChat, true, Prompt{Text: "hi"}, "/v1/chat/completions", 8},
		{"chat stream messages", APIChat, true, Prompt{Messages: []Message{{"system", "be brief"}, {"user", "hi"}}}, "/v1/chat/completions", 8},
		{"completions stream", APICompletions, true, Prompt{Text: "hi"}, "/v1/completions", 7},
		{"chat non-stream", APIChat, false, Prompt{Text: "hi"}, "/v1/chat/completions", 0},
		{"completions non-stream", APICompletions, false, Prompt{Text: "hi"}, "/v1/completions", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := testOptions(tt.api, srv.URL)
			o.Stream = tt.stream
			res := do(t, o, tt.prompt)
			checkResult(t, res, want{status: 200, ok: true})
			if !res.HasUsage || res.PromptTokens != 11 {
				t.Errorf("usage = %v %d/%d", res.HasUsage, res.PromptTokens, res.OutputTokens)
			}
			if tt.stream {
				if res.OutputTokens != 5 {
					t.Errorf("OutputTokens = %d, want 5", res.OutputTokens)
				}
				if !res.HasTTFT || res.TTFT <= 0 || res.TTFT > res.Latency {
					t.Errorf("TTFT = %v (has %v), latency %v", res.TTFT, res.HasTTFT, res.Latency)
				}
			} else if res.HasTTFT {
				t.Errorf("HasTTFT on a non-streamed response")
			}
			if res.Chunks != tt.wantChunks {
				t.Errorf("Chunks = %d, want %d", res.Chunks, tt.wantChunks)
			}
			if res.BytesIn <= 0 {
				t.Errorf("BytesIn = %d", res.BytesIn)
			}
			r := fake.last()
			if r.path != tt.wantPath {
				t.Errorf("path = %q, want %q", r.path, tt.wantPath)
			}
			if r.auth != "Bearer "+secretKey || r.team != secretHeader {
				t.Errorf("auth/team headers = %q/%q", r.auth, r.team)
			}
			if r.body["model"] != "test-model" || r.body["max_tokens"] != float64(16) || r.body["stream"] != tt.stream {
				t.Errorf("body = %v", r.body)
			}
			_, hasSO := r.body["stream_options"]
			if hasSO != tt.stream {
				t.Errorf("stream_options present = %v, want %v", hasSO, tt.stream)
			}
			if tt.api == APIChat {
				msgs, _ := r.body["messages"].([]any)
				wantN := max(1, len(tt.prompt.Messages))
				if len(msgs) != wantN {
					t.Errorf("messages = %v", r.body["messages"])
				}
			} else if r.body["prompt"] != "hi" {
				t.Errorf("prompt = %v", r.body["prompt"])
			}
		})
	}
}

func TestSuccessHTTPAPI(t *testing.T) {
	var got string
	var gotMethod, gotCT string
	srv := quietServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got, gotMethod, gotCT = string(b), r.Method, r.Header.Get("Content-Type")
		fmt.Fprint(w, strings.Repeat("x", 3000))
	}))
	o := testOptions(APIHTTP, srv.URL+"/generate")
	o.Method = http.MethodPut
	o.Body = `{"inputs": {{json .Prompt}}, "raw": "{{.Prompt}}"}`
	res := do(t, o, Prompt{Text: `say "hi"`})
	checkResult(t, res, want{status: 200, ok: true})
	if want := `{"inputs": "say \"hi\"", "raw": "say "hi""}`; got != want {
		t.Errorf("body = %s, want %s", got, want)
	}
	if gotMethod != http.MethodPut || gotCT != "application/json" {
		t.Errorf("method/content-type = %s/%s", gotMethod, gotCT)
	}
	if res.BytesIn != 3000 || res.HasTTFT || res.Chunks != 0 {
		t.Errorf("BytesIn/HasTTFT/Chunks = %d/%v/%d", res.BytesIn, res.HasTTFT, res.Chunks)
	}
}

func TestTTFTMeasured(t *testing.T) {
	const delay = 150 * time.Millisecond
	srv := quietServer(t, &fakeOpenAI{tokens: 3, firstDelay: delay})
	for _, api := range []string{APIChat, APICompletions} {
		t.Run(api, func(t *testing.T) {
			res := do(t, testOptions(api, srv.URL), Prompt{Text: "hi"})
			checkResult(t, res, want{status: 200, ok: true})
			if !res.HasTTFT || res.TTFT < delay || res.TTFT > res.Latency {
				t.Errorf("TTFT = %v (has %v), want ≥ %v and ≤ latency %v", res.TTFT, res.HasTTFT, delay, res.Latency)
			}
		})
	}
}

// TestChunkTimes: with chunk times on, a stream's content chunks are
// timed from the send (the role chunk, empty, is not one of them): the
// first is the TTFT, they ascend by about the server's gap, the last is
// before the end; off, and without streaming, there are none.
func TestChunkTimes(t *testing.T) {
	const delay, gap, tokens = 60 * time.Millisecond, 40 * time.Millisecond, 4
	srv := quietServer(t, &fakeOpenAI{tokens: tokens, firstDelay: delay, gap: gap})
	for _, api := range []string{APIChat, APICompletions} {
		t.Run(api, func(t *testing.T) {
			o := testOptions(api, srv.URL)
			o.ChunkTimes = true
			res := do(t, o, Prompt{Text: "hi"})
			checkResult(t, res, want{status: 200, ok: true})
			us := res.ChunkUS
			if len(us) != tokens {
				t.Fatalf("chunk times %v, want %d", us, tokens)
			}
			if int64(us[0]) != res.TTFT.Microseconds() {
				t.Errorf("first chunk at %d µs, TTFT %v", us[0], res.TTFT)
			}
			for k := 1; k < len(us); k++ {
				if us[k] < us[k-1] {
					t.Errorf("chunk times not ascending: %v", us)
				}
			}
			// The server sent the last chunk 3 gaps after the first: the
			// client saw them at least that far apart, less scheduling
			// noise, and before the end of the exchange.
			if span := time.Duration(us[tokens-1]-us[0]) * time.Microsecond; span < 3*gap-30*time.Millisecond {
				t.Errorf("first to last chunk %v, want about %v", span, 3*gap)
			}
			if last := time.Duration(us[tokens-1]) * time.Microsecond; last > res.Latency {
				t.Errorf("last chunk at %v, after the latency %v", last, res.Latency)
			}
			o.ChunkTimes = false
			if res := do(t, o, Prompt{Text: "hi"}); res.ChunkUS != nil {
				t.Errorf("chunk times off: %v", res.ChunkUS)
			}
			o.ChunkTimes, o.Stream = true, false
			if res := do(t, o, Prompt{Text: "hi"}); res.ChunkUS != nil {
				t.Errorf("not streamed: %v", res.ChunkUS)
			}
		})
	}
}

func TestTLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(&fakeOpenAI{tokens: 2})
	srv.EnableHTTP2 = true
	srv.Config.ErrorLog = quietLog()
	srv.StartTLS()
	t.Cleanup(srv.Close)

	t.Run("unknown CA", func(t *testing.T) {
		res := do(t, testOptions(APIChat, srv.URL), Prompt{Text: "hi"})
		checkResult(t, res, want{status: 0, class: schemas.ErrTLS})
	})
	t.Run("trusted CA (the server offers HTTP/2, the client speaks HTTP/1.1)", func(t *testing.T) {
		pool := x509.NewCertPool()
		pool.AddCert(srv.Certificate())
		o := testOptions(APIChat, srv.URL)
		o.TLSConfig = &tls.Config{RootCAs: pool}
		res := do(t, o, Prompt{Text: "hi"})
		checkResult(t, res, want{status: 200, ok: true})
		if !res.HasUsage || res.Chunks != 5 {
			t.Errorf("usage %v chunks %d", res.HasUsage, res.Chunks)
		}
	})
}

// rawServer accepts connections and hands each to handle.
func rawServer(t *testing.T, handle func(c *net.TCPConn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go handle(c.(*net.TCPConn))
		}
	}()
	return "http://" + ln.Addr().String()
}

// readRequest consumes one request's headers and body from c.
func readRequest(c net.Conn) {
	req, err := http.ReadRequest(bufio.NewReader(c))
	if err == nil {
		_, _ = io.Copy(io.Discard, req.Body)
	}
}

func abort(c *net.TCPConn) {
	_ = c.SetLinger(0)
	_ = c.Close()
}

func TestFaults(t *testing.T) {
	refused := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		return "http://" + addr
	}()

	handler := func(h http.HandlerFunc) string { return quietServer(t, h).URL }

	tests := []struct {
		name   string
		target string
		api    string
		stream bool
		tune   func(*Options)
		want   want
		check  func(t *testing.T, res Result)
	}{
		{
			name: "connection refused", target: refused, api: APIChat, stream: true,
			want: want{class: schemas.ErrConnect, errHas: "refused"},
		},
		{
			name: "dns failure", target: "http://no-such-host.llmrec.invalid", api: APIChat, stream: true,
			want: want{class: schemas.ErrDNS},
		},
		{
			name: "slow headers", api: APIChat, stream: true,
			target: handler(func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-r.Context().Done():
				case <-time.After(2 * time.Second):
				}
				_ = r.Body.Close()
			}),
			tune: func(o *Options) { o.Timeout = 200 * time.Millisecond; o.IdleTimeout = 100 * time.Millisecond },
			want: want{class: schemas.ErrTimeout, errHas: "waiting for response headers"},
		},
		{
			name: "stream stalls after first chunk", api: APIChat, stream: true,
			target: handler(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				sse(w, chatDelta("first"))
				waitCtx(r)
			}),
			tune: func(o *Options) { o.IdleTimeout = 200 * time.Millisecond },
			want: want{status: 200, class: schemas.ErrIdleTimeout, errHas: "after 1 chunks"},
			check: func(t *testing.T, res Result) {
				if res.Chunks != 1 || !res.HasTTFT {
					t.Errorf("chunks %d ttft %v", res.Chunks, res.HasTTFT)
				}
				if res.Latency < 200*time.Millisecond || res.Latency > 2*time.Second {
					t.Errorf("latency %v", res.Latency)
				}
			},
		},
		{
			name: "idle before the first body byte", api: APIChat, stream: true,
			target: handler(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(200)
				w.(http.Flusher).Flush()
				waitCtx(r)
			}),
			tune: func(o *Options) { o.IdleTimeout = 150 * time.Millisecond },
			want: want{status: 200, class: schemas.ErrIdleTimeout},
		},
		{
			name: "stream never ends", api: APIChat, stream: true,
			target: handler(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				for {
					sse(w, chatDelta("more"))
					select {
					case <-r.Context().Done():
						return
					case <-time.After(20 * time.Millisecond):
					}
				}
			}),
			tune: func(o *Options) { o.Timeout = 400 * time.Millisecond; o.IdleTimeout = 5 * time.Second },
			want: want{status: 200, class: schemas.ErrTimeout},
			check: func(t *testing.T, res Result) {
				if res.Chunks < 1 {
					t.Errorf("chunks %d", res.Chunks)
				}
				if res.Latency < 400*time.Millisecond || res.Latency > 2*time.Second {
					t.Errorf("latency %v", res.Latency)
				}
			},
		},
		{
			name: "finish_reason without DONE", api: APIChat, stream: true,
			target: handler(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				sse(w, chatDelta("hello"))
				sse(w, chatFinish())
				sse(w, usageChunk(3, 1))
			}),
			want: want{status: 200, class: schemas.ErrProtocol, errHas: "without [DONE] after finish_reason"},
			check: func(t *testing.T, res Result) {
				if res.Chunks != 3 || !res.HasUsage {
					t.Errorf("chunks %d usage %v", res.Chunks, res.HasUsage)
				}
			},
		},
		{
			// One event split over 15,000 data lines (15 MB, under the
			// body limit): the request fails at the event bound, having
			// read about that much, not the whole body.
			name: "one event over 15000 data lines", api: APIChat, stream: true,
			target: handler(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				line := "data: " + strings.Repeat("q", 1000) + "\n"
				for range 15000 {
					if _, err := io.WriteString(w, line); err != nil {
						return
					}
				}
				io.WriteString(w, "\ndata: [DONE]\n\n")
			}),
			want: want{status: 200, class: schemas.ErrProtocol, errHas: "sse event too long"},
			check: func(t *testing.T, res Result) {
				if res.BytesIn > 2*maxSSELine {
					t.Errorf("read %d bytes of a stream whose one event passed the %d-byte bound", res.BytesIn, maxSSELine)
				}
			},
		},
		{
			name: "reset before headers", api: APIChat, stream: true,
			target: rawServer(t, func(c *net.TCPConn) { readRequest(c); abort(c) }),
			want:   want{class: schemas.ErrReset},
		},
		{
			name: "closed before headers", api: APIChat, stream: true,
			target: rawServer(t, func(c *net.TCPConn) { readRequest(c); c.Close() }),
			want:   want{class: schemas.ErrReset},
		},
		{
			name: "reset after headers", api: APIChat, stream: true,
			target: rawServer(t, func(c *net.TCPConn) {
				readRequest(c)
				fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
				ev := "data: " + chatDelta("hi") + "\n\n"
				fmt.Fprintf(c, "%x\r\n%s\r\n", len(ev), ev)
				time.Sleep(50 * time.Millisecond)
				abort(c)
			}),
			want: want{status: 200, class: schemas.ErrReset},
			check: func(t *testing.T, res Result) {
				if res.Chunks != 1 {
					t.Errorf("chunks %d", res.Chunks)
				}
			},
		},
		{
			name: "closed mid chunked body", api: APIChat, stream: true,
			target: rawServer(t, func(c *net.TCPConn) {
				readRequest(c)
				fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
				ev := "data: " + chatDelta("hi") + "\n\n"
				fmt.Fprintf(c, "%x\r\n%s\r\n", len(ev), ev)
				c.Close()
			}),
			want: want{status: 200, class: schemas.ErrReset},
		},
		{
			name: "hijacked and reset", api: APIHTTP,
			target: handler(func(w http.ResponseWriter, r *http.Request) {
				c, _, err := http.NewResponseController(w).Hijack()
				if err != nil {
					panic(err)
				}
				abort(c.(*net.TCPConn))
			}),
			want: want{class: schemas.ErrReset},
		},
		{
			name: "body over the limit", api: APIChat,
			target: handler(func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprintf(w, `{"pad":"%s"}`, strings.Repeat("x", 8000))
			}),
			tune: func(o *Options) { o.MaxBodyBytes = 1024 },
			want: want{status: 200, class: schemas.ErrBodyLimit},
			check: func(t *testing.T, res Result) {
				if res.BytesIn != 1025 {
					t.Errorf("BytesIn = %d, want 1025", res.BytesIn)
				}
			},
		},
		{
			name: "stream over the limit", api: APIChat, stream: true,
			target: handler(func(w http.ResponseWriter, r *http.Request) {
				for range 100 {
					sse(w, chatDelta("0123456789"))
				}
				sse(w, "[DONE]")
			}),
			tune: func(o *Options) { o.MaxBodyBytes = 2048 },
			want: want{status: 200, class: schemas.ErrBodyLimit},
		},
		{
			name: "malformed SSE JSON", api: APIChat, stream: true,
			target: handler(func(w http.ResponseWriter, r *http.Request) {
				sse(w, chatDelta("ok"))
				sse(w, `{"choices": [ {"delta": {"content": "x"}`)
				sse(w, "[DONE]")
			}),
			want: want{status: 200, class: schemas.ErrProtocol, errHas: "malformed JSON"},
		},
		{
			name: "malformed SSE JSON after first content", api: APIChat, stream: true,
			target: handler(func(w http.ResponseWriter, r *http.Request) {
				sse(w, chatDelta("ok"))
				sse(w, chatDelta("ok"))
				sse(w, `{"choices": nope}`)
				sse(w, "[DONE]")
			}),
			want: want{status: 200, class: schemas.ErrProtocol, errHas: "malformed JSON"},
		},
		{
			name: "malformed JSON body", api: APIChat,
			target: handler(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"usage": {`) }),
			want:   want{status: 200, class: schemas.ErrProtocol, errHas: "malformed JSON"},
		},
		{
			name: "error event in stream", api: APIChat, stream: true,
			target: handler(func(w http.ResponseWriter, r *http.Request) {
				sse(w, chatDelta("ok"))
				sse(w, `{"error":{"message":"engine died","type":"InternalServerError","code":500}}`)
				sse(w, "[DONE]")
			}),
			want: want{status: 200, class: schemas.ErrHTTP5xx, errHas: "engine died"},
		},
		{
			name: "error event in stream, not 5xx", api: APIChat, stream: true,
			target: handler(func(w http.ResponseWriter, r *http.Request) {
				sse(w, `{"error":{"message":"context length exceeded","code":"context_length"}}`)
			}),
			want: want{status: 200, class: schemas.ErrProtocol, errHas: "context length exceeded"},
		},
		{
			name: "no SSE at all", api: APIChat, stream: true,
			target: handler(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, `{"choices":[]}`)
			}),
			want: want{status: 200, class: schemas.ErrProtocol, errHas: "without any data event"},
		},
		{
			name: "429 retry-after seconds", api: APIChat, stream: true,
			target: handler(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "7")
				http.Error(w, "slow down", http.StatusTooManyRequests)
			}),
			want: want{status: 429, class: schemas.ErrRateLimited, errHas: "retry-after 7s: slow down"},
		},
		{
			name: "429 retry-after date", api: APIChat, stream: true,
			target: handler(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat))
				w.WriteHeader(http.StatusTooManyRequests)
			}),
			want: want{status: 429, class: schemas.ErrRateLimited, errHas: " GMT (in "},
		},
		{
			name: "429 retry-after negative", api: APIChat, stream: true,
			target: handler(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "-5")
				http.Error(w, "slow down", http.StatusTooManyRequests)
			}),
			want: want{status: 429, class: schemas.ErrRateLimited, errHas: "status 429 Too Many Requests: slow down"},
		},
		{
			name: "503 retry-after in the year 9999", api: APIChat, stream: true,
			target: handler(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "Fri, 31 Dec 9999 23:59:59 GMT")
				http.Error(w, "later", http.StatusServiceUnavailable)
			}),
			want: want{status: 503, class: schemas.ErrHTTP5xx, errHas: "status 503 Service Unavailable: later"},
		},
		{
			name: "503", api: APIChat, stream: true,
			target: handler(func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, `{"error":"overloaded"}`, http.StatusServiceUnavailable)
			}),
			want: want{status: 503, class: schemas.ErrHTTP5xx, errHas: `503 Service Unavailable: {"error":"overloaded"}`},
		},
		{
			name: "400", api: APICompletions, stream: true,
			target: handler(func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "max_tokens too large", http.StatusBadRequest)
			}),
			want: want{status: 400, class: schemas.ErrHTTP4xx, errHas: "max_tokens too large"},
		},
		{
			name: "404 on http api", api: APIHTTP,
			target: handler(http.NotFound),
			want:   want{status: 404, class: schemas.ErrHTTP4xx},
		},
		{
			name: "redirect not followed", api: APIChat, stream: true,
			target: handler(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "https://elsewhere.example/v1?token=abc", http.StatusTemporaryRedirect)
			}),
			want: want{status: 307, class: schemas.ErrProtocol, errHas: "redirects are not followed"},
			check: func(t *testing.T, res Result) {
				if strings.Contains(res.Error, "token=abc") {
					t.Errorf("redirect query not redacted: %q", res.Error)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := testOptions(tt.api, tt.target)
			o.Stream = tt.stream
			if tt.tune != nil {
				tt.tune(&o)
			}
			res := do(t, o, Prompt{Text: "hi"})
			t.Logf("error: %s", res.Error)
			tt.want.ok = false
			checkResult(t, res, tt.want)
			if tt.check != nil {
				tt.check(t, res)
			}
		})
	}
}

func TestCanceled(t *testing.T) {
	started := make(chan struct{}, 2)
	srv := quietServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("phase") == "body" {
			sse(w, chatDelta("hi"))
		}
		started <- struct{}{}
		waitCtx(r)
	}))
	for _, phase := range []string{"headers", "body"} {
		t.Run(phase, func(t *testing.T) {
			o := testOptions(APIChat, srv.URL)
			o.Target += "&phase=" + phase
			c := newClient(t, o)
			ctx, cancel := context.WithCancel(context.Background())
			go func() {
				<-started
				time.Sleep(200 * time.Millisecond) // let the headers (and first event) arrive
				cancel()
			}()
			res := c.Do(ctx, Prompt{Text: "hi"})
			st := 0
			if phase == "body" {
				st = 200
			}
			checkResult(t, res, want{status: st, class: schemas.ErrCanceled})
		})
	}
	t.Run("caller deadline", func(t *testing.T) {
		o := testOptions(APIChat, srv.URL)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		res := newClient(t, o).Do(ctx, Prompt{Text: "hi"})
		<-started
		checkResult(t, res, want{status: 0, class: schemas.ErrCanceled})
	})
}

func TestNoSecretsInErrors(t *testing.T) {
	// The server echoes everything it got: headers, URL and body.
	echo := quietServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		fmt.Fprintf(&b, "url=%s auth=%s team=%s ", r.URL.String(), r.Header.Get("Authorization"), r.Header.Get("X-Team-Token"))
		fmt.Fprintf(&b, "raw=%s ", r.URL.RawQuery)
		if user, pass, ok := r.BasicAuth(); ok {
			fmt.Fprintf(&b, "basic=%s:%s", user, pass)
		}
		http.Error(w, b.String(), http.StatusInternalServerError)
	}))
	refused := func() string {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		defer ln.Close()
		return "http://" + ln.Addr().String()
	}()
	basic := base64.StdEncoding.EncodeToString([]byte("bob:" + secretPass))
	for _, api := range []string{APIChat, APICompletions, APIHTTP, "basic-auth"} {
		for _, base := range []string{echo.URL, refused} {
			o := testOptions(api, base)
			o.Headers.Set("Cookie", "sid="+secretHeader+"; theme=dark")
			if api == "basic-auth" {
				// No API key: the userinfo is sent as Basic credentials.
				o.API, o.APIKey = APIChat, ""
			}
			res := do(t, o, Prompt{Text: "hi"})
			if res.OK || res.Error == "" {
				t.Fatalf("%s %s: expected a failure, got %+v", api, base, res)
			}
			checkNoSecret(t, api+" Result.Error", res.Error)
			if strings.Contains(res.Error, basic) {
				t.Errorf("%s: Basic credentials leaked: %q", api, res.Error)
			}
			t.Logf("%s: %s", api, res.Error)
			if base == echo.URL && !strings.Contains(res.Error, "REDACTED") {
				t.Errorf("%s: echoed secrets not visibly redacted: %q", api, res.Error)
			}
		}
	}
	// DiscoverModel errors too.
	for _, base := range []string{echo.URL, refused} {
		_, err := DiscoverModel(context.Background(), testOptions(APIChat, base))
		if err == nil {
			t.Fatalf("DiscoverModel(%s): no error", base)
		}
		checkNoSecret(t, "DiscoverModel error", err.Error())
	}
}

func TestDiscoverModel(t *testing.T) {
	fake := &fakeOpenAI{}
	srv := quietServer(t, fake)
	for _, base := range []string{srv.URL, srv.URL + "/", srv.URL + "/v1", srv.URL + "/v1/"} {
		o := testOptions(APIChat, base)
		m, err := DiscoverModel(context.Background(), o)
		if err != nil || m.ID != "model-a" || m.Shown != "model-a" {
			t.Errorf("DiscoverModel(%s) = %q, %v", base, m, err)
		}
		if r := fake.last(); r.auth != "Bearer "+secretKey || r.path != "/v1/models" {
			t.Errorf("request %+v", r)
		}
	}
	_, err := DiscoverModel(context.Background(), testOptions(APIChat, "http://no-such-host.llmrec.invalid"))
	if err == nil || !strings.Contains(err.Error(), "unreachable (dns)") {
		t.Errorf("unreachable: err = %v", err)
	}
}

func TestEndpointURL(t *testing.T) {
	tests := []struct{ base, want string }{
		{"http://h:1", "http://h:1/v1/chat/completions"},
		{"http://h:1/", "http://h:1/v1/chat/completions"},
		{"http://h:1/v1", "http://h:1/v1/chat/completions"},
		{"http://h:1/v1/", "http://h:1/v1/chat/completions"},
		{"http://h:1/openai/v1", "http://h:1/openai/v1/chat/completions"},
		{"http://h:1/v1/chat/completions", "http://h:1/v1/chat/completions"},
		{"http://h:1/proxy?api-version=2", "http://h:1/proxy/v1/chat/completions?api-version=2"},
	}
	for _, tt := range tests {
		u, err := endpointURL(tt.base, "/v1/chat/completions")
		if err != nil || u.String() != tt.want {
			t.Errorf("endpointURL(%q) = %v, %v; want %s", tt.base, u, err, tt.want)
		}
	}
}

func TestValidate(t *testing.T) {
	ok := Options{Target: "http://localhost:8000", API: APIChat}
	if err := ok.Validate(); err != nil {
		t.Errorf("valid options: %v", err)
	}
	bad := Options{
		Target: "ftp://user:" + secretPass + "@h?token=" + secretQuery, API: "grpc",
		MaxTokens: -1, Timeout: -1, IdleTimeout: -1, MaxBodyBytes: -1, MaxConns: -1,
		Headers: http.Header{"Bad Name": {"x"}, "X-Ok": {"a\nb"}},
	}
	err := bad.Validate()
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, w := range []string{"api \"grpc\"", "scheme must be http or https", "max tokens", "timeout -1ns", "idle timeout", "max body bytes", "max conns", "header name", "line break"} {
		if !strings.Contains(msg, w) {
			t.Errorf("Validate error lacks %q:\n%s", w, msg)
		}
	}
	checkNoSecret(t, "Validate", msg)
	if msg != strings.ToLower(msg[:1])+msg[1:] {
		t.Errorf("error not lowercase: %q", msg)
	}
	httpBad := Options{Target: "http://h/x", API: APIHTTP, Method: "GE T", Body: "{{.Prompt"}
	if err := httpBad.Validate(); err == nil || !strings.Contains(err.Error(), "method") || !strings.Contains(err.Error(), "body template") {
		t.Errorf("http options: %v", err)
	}
	unknownField := Options{Target: "http://h/x", API: APIHTTP, Body: `{"q": {{json .Question}}}`}
	if err := unknownField.Validate(); err == nil || !strings.Contains(err.Error(), "Question") {
		t.Errorf("template with an unknown field: %v", err)
	}
	good := Options{Target: "http://h/x", API: APIHTTP, Body: `{"q": {{json .Prompt}}, "n": {{len .Messages}}}`}
	if err := good.Validate(); err != nil {
		t.Errorf("good template: %v", err)
	}
	if _, err := New(bad); err == nil {
		t.Errorf("New accepted bad options")
	}
}

// TestDescribeRetryAfter: delay-seconds (digits only) and HTTP dates
// within 31 days are quoted; anything else (a sign, a fraction, text, an
// overflow, a date in the year 9999 or long past) is dropped.
func TestDescribeRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	date := func(d time.Duration) string { return now.Add(d).Format(http.TimeFormat) }
	for _, tc := range []struct{ in, want string }{
		{"7", "7s"},
		{" 0 ", "0s"},
		{"007", "7s"},
		{"2678400", "2678400s"}, // 31 days
		{date(time.Hour), date(time.Hour) + " (in 1h0m0s)"},
		{date(-time.Minute), date(-time.Minute) + " (in 0s)"},
		{"-5", ""},
		{"+5", ""},
		{"5.5", ""},
		{"1e3", ""},
		{"", ""},
		{"2678401", ""},
		{"99999999999999999999", ""},
		{"Fri, 31 Dec 9999 23:59:59 GMT", ""},
		{"Thu, 01 Jan 1970 00:00:00 GMT", ""},
		{date(32 * 24 * time.Hour), ""},
		{"soon, key sk-abc123", ""},
	} {
		got, ok := describeRetryAfter(tc.in, now)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("describeRetryAfter(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
}

// TestTargetErrorsNeverQuoteTheKey: an API key that is a path segment of
// the target is not quoted by Validate, New or DiscoverModel, whatever is
// wrong with the URL; the rest of the URL is.
func TestTargetErrorsNeverQuoteTheKey(t *testing.T) {
	const key = "sk-TESTSECRET-abcdef0123456789"
	for _, tc := range []struct{ target, want string }{
		{"ftp://127.0.0.1:1/" + key + "/", "ftp://127.0.0.1:1/REDACTED/"},
		{"http:///" + key + "/", "http:///REDACTED/"},
		{"http://127.0.0.1:1/" + key + "/%zz", "http://127.0.0.1:1/REDACTED/%zz"},
		{"127.0.0.1:1/" + key + "?code=c0de", "127.0.0.1:1/REDACTED?code=REDACTED"},
	} {
		o := Options{Target: tc.target, API: APIChat, APIKey: key}
		errs := map[string]error{"Validate": o.Validate()}
		_, errs["New"] = New(o)
		_, errs["DiscoverModel"] = DiscoverModel(context.Background(), o)
		for name, err := range errs {
			if err == nil {
				t.Errorf("%s(%q) = nil, want an error", name, tc.target)
				continue
			}
			if msg := err.Error(); strings.Contains(msg, key[:MinSecretPrefix]) || strings.Contains(msg, "c0de") || !strings.Contains(msg, tc.want) {
				t.Errorf("%s(%q) = %q, want the target shown as %s", name, tc.target, msg, tc.want)
			}
		}
	}
}

func TestNewTransport(t *testing.T) {
	tr := NewTransport(Options{MaxConns: 500})
	if tr.MaxIdleConnsPerHost < 500 || tr.MaxConnsPerHost != 0 || tr.ForceAttemptHTTP2 || tr.TLSNextProto == nil || len(tr.TLSNextProto) != 0 || !tr.DisableCompression {
		t.Errorf("transport %+v", tr)
	}
}

// TestConcurrent runs many requests at once through one client (run with
// -race to check the shared state).
func TestConcurrent(t *testing.T) {
	srv := quietServer(t, &fakeOpenAI{tokens: 3})
	c := newClient(t, testOptions(APIChat, srv.URL))
	prompts := BuiltinPrompts()
	errs := make(chan string, 64)
	for i := range 64 {
		go func() {
			res := c.Do(context.Background(), prompts[i%len(prompts)])
			if !res.OK {
				errs <- res.Error
				return
			}
			errs <- ""
		}()
	}
	for range 64 {
		if e := <-errs; e != "" {
			t.Error(e)
		}
	}
}

func TestBodyCache(t *testing.T) {
	c := newClient(t, testOptions(APIChat, "http://127.0.0.1:1")).(*client)
	ps := []Prompt{{Text: "a"}, {Messages: []Message{{"user", "b"}}}}
	first := c.prepare(ps[0])
	if c.prepare(Prompt{Text: "a"}) != first {
		t.Error("text prompt body not cached")
	}
	m := c.prepare(ps[1])
	if c.prepare(ps[1]) != m {
		t.Error("messages prompt body not cached")
	}
	if got := string(m.body); got != `{"model":"test-model","messages":[{"role":"user","content":"b"}],"max_tokens":16,"stream":true,"stream_options":{"include_usage":true}}` {
		t.Errorf("body = %s", got)
	}
	other := []Message{{"user", "b"}}
	if c.prepare(Prompt{Messages: other}) == m {
		t.Error("different message slices share a cache entry")
	}
}

func TestHostHeaderAndBasicAuth(t *testing.T) {
	var host, auth string
	srv := quietServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, auth = r.Host, r.Header.Get("Authorization")
		fmt.Fprint(w, "ok")
	}))
	o := Options{
		Target:  strings.Replace(srv.URL, "://", "://bob:pw@", 1) + "/x",
		API:     APIHTTP,
		Method:  http.MethodGet,
		Headers: http.Header{"Host": {"virtual.example"}},
	}
	res := do(t, o, Prompt{Text: "hi"})
	if !res.OK || host != "virtual.example" || auth != "Basic Ym9iOnB3" {
		t.Errorf("res %+v host %q auth %q", res, host, auth)
	}
}

func TestDoneThenStall(t *testing.T) {
	srv := quietServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sse(w, chatDelta("hi"))
		sse(w, "[DONE]")
		waitCtx(r) // keeps the response open after [DONE]
	}))
	o := testOptions(APIChat, srv.URL)
	begin := time.Now()
	res := do(t, o, Prompt{Text: "hi"})
	checkResult(t, res, want{status: 200, ok: true})
	if took := time.Since(begin); took > time.Second {
		t.Errorf("Do took %v after [DONE]", took)
	}
	if res.Latency > 500*time.Millisecond || res.Chunks != 1 {
		t.Errorf("latency %v chunks %d", res.Latency, res.Chunks)
	}
}
