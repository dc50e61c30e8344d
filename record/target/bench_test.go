package target

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"
)

// benchStream is a typical streamed chat answer: a role chunk, 16 content
// chunks, a finish chunk, a usage chunk and [DONE].
var benchStream = func() []byte {
	var b bytes.Buffer
	b.WriteString("data: " + `{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}` + "\n\n")
	for i := range 16 {
		fmt.Fprintf(&b, "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" tok%d\"},\"finish_reason\":null}],\"usage\":null}\n\n", i)
	}
	b.WriteString("data: " + `{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}` + "\n\n")
	b.WriteString("data: " + `{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":16,"total_tokens":25}}` + "\n\n")
	b.WriteString("data: [DONE]\n\n")
	return b.Bytes()
}()

func benchServer(b *testing.B) string {
	srv := quietServer(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = w.Write(benchStream)
	}))
	return srv.URL
}

func benchOptions(url string, users int) Options {
	return Options{
		Target: url, API: APIChat, Model: "m", MaxTokens: 16, Stream: true,
		APIKey: "sk-bench", Timeout: 10 * time.Second, IdleTimeout: 5 * time.Second,
		MaxConns: users,
	}
}

// BenchmarkDoStream measures a whole streamed request through Do against a
// loopback server, sequentially and from many goroutines at once:
//
//	go test -run '^$' -bench DoStream -benchmem ./record/target/
func BenchmarkDoStream(b *testing.B) {
	url := benchServer(b)
	for _, users := range []int{1, 64, 256} {
		b.Run(fmt.Sprintf("users=%d", users), func(b *testing.B) {
			c := newClient(b, benchOptions(url, users))
			p := Prompt{Text: "hello"}
			if res := c.Do(context.Background(), p); !res.OK || res.Chunks != 19 {
				b.Fatalf("warm-up: %+v", res)
			}
			b.ReportAllocs()
			b.ResetTimer()
			if users == 1 {
				for b.Loop() {
					if res := c.Do(context.Background(), p); !res.OK {
						b.Fatal(res.Error)
					}
				}
				return
			}
			b.SetParallelism((users + 1) / 2)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if res := c.Do(context.Background(), p); !res.OK {
						b.Error(res.Error)
						return
					}
				}
			})
		})
	}
}

// BenchmarkParseStream measures only the SSE parsing and chunk handling
// (readStream) of benchStream, without the network.
func BenchmarkParseStream(b *testing.B) {
	c := &client{chat: true, stream: true, red: NewRedactor()}
	b.ReportAllocs()
	b.SetBytes(int64(len(benchStream)))
	ctx := context.Background()
	for b.Loop() {
		var res Result
		res.Start = time.Now()
		var wd watchdog
		body := &bodyReader{r: bytes.NewReader(benchStream), limit: 1 << 20, wd: &wd}
		c.readStream(&res, ctx, ctx, &wd, body, "text/event-stream")
		if !res.OK {
			b.Fatal(res.Error)
		}
	}
}

// BenchmarkSSE measures the bare SSE splitter.
func BenchmarkSSE(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchStream)))
	var s sseReader
	br := bufio.NewReaderSize(nil, streamBufSize)
	r := bytes.NewReader(benchStream)
	for b.Loop() {
		r.Reset(benchStream)
		br.Reset(r)
		s.reset(br, maxSSELine)
		for {
			if _, err := s.next(); err != nil {
				break
			}
		}
	}
}

// BenchmarkBaselineNetHTTP is the floor BenchmarkDoStream is compared with:
// what a vegeta-like attacker does (plain net/http POST of a fixed body,
// read the whole response, no parsing), on the same server and transport
// settings.
func BenchmarkBaselineNetHTTP(b *testing.B) {
	url := benchServer(b) + "/v1/chat/completions"
	body := []byte(`{"model":"m","messages":[{"role":"user","content":"hello"}],"max_tokens":16,"stream":true,"stream_options":{"include_usage":true}}`)
	for _, users := range []int{1, 64, 256} {
		b.Run(fmt.Sprintf("users=%d", users), func(b *testing.B) {
			tr := NewTransport(Options{MaxConns: users})
			b.Cleanup(tr.CloseIdleConnections)
			hc := &http.Client{Transport: tr}
			one := func() {
				req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer sk-bench")
				resp, err := hc.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			b.ReportAllocs()
			if users == 1 {
				for b.Loop() {
					one()
				}
				return
			}
			b.SetParallelism((users + 1) / 2)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					one()
				}
			})
		})
	}
}

// BenchmarkRedactError measures the redaction of one failure's message, as
// setErr does it for every failed request, with the Redactor of a run
// that has an API key, a header and a target with a query: a body with no
// escape, a PHP-style JSON body ("\/"), and a crafted body that holds
// every escape syntax nested four deep (the most decoding a message can
// cost):
//
//	go test -run '^$' -bench RedactError -benchmem ./record/target/
func BenchmarkRedactError(b *testing.B) {
	r := Options{Target: "http://127.0.0.1:8000/v1?api-version=1&code=c0de-c0de", API: APIChat,
		APIKey: "sk-proj/AbCdEfGh+IjKlMnOp/QrStUvWx", Headers: http.Header{"X-Tenant": {"tenant-secret-1234"}}}.NewRedactor()
	nested := ""
	for len(nested) < 300 {
		nested += `\\\\&amp;amp;amp;%25252525&#x26;#x5c;\u0025 `
	}
	for _, bc := range []struct {
		name, msg string
		r         *Redactor
	}{
		{"plain", `status 401 Unauthorized: {"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}`, r},
		{"json-escaped", `status 401 Unauthorized: {"error":{"message":"bad key: Bearer sk-proj\/AbCdEfGh+IjKlMnOp\/QrStUvWx, see https:\/\/example.com\/docs"}}`, r},
		{"nested", "status 400 Bad Request: " + nested, r},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = bc.r.Untrusted(bc.msg, 256)
			}
		})
	}
}

// BenchmarkPrepare is the request body of a prompt behind a shared
// prefix of 1000 synthetic tokens: cached (a prompt sent again), and
// rendered per request (Once: a prefixed prompt or a conversation's turn,
// which llmrec never caches).
func BenchmarkPrepare(b *testing.B) {
	c, err := New(benchOptions("http://127.0.0.1:9", 1))
	if err != nil {
		b.Fatal(err)
	}
	cl := c.(*client)
	p := Prompt{Text: "Why do cats purr? Answer briefly."}.WithPrefix(SharedPrefixes(1000, 1, 1)[0])
	for _, tc := range []struct {
		name string
		once bool
	}{{"cached", false}, {"once", true}} {
		b.Run(tc.name, func(b *testing.B) {
			q := p
			q.Once = tc.once
			b.ReportAllocs()
			for b.Loop() {
				if pb := cl.prepare(q); pb.err != nil {
					b.Fatal(pb.err)
				}
			}
		})
	}
}

// BenchmarkDoStreamAnswers is BenchmarkDoStream with the answer text
// kept (Options.Answers, --turns): its cost per request.
func BenchmarkDoStreamAnswers(b *testing.B) {
	for _, answers := range []bool{false, true} {
		b.Run(fmt.Sprintf("answers=%t", answers), func(b *testing.B) {
			o := benchOptions(benchServer(b), 1)
			o.Answers = answers
			c, err := New(o)
			if err != nil {
				b.Fatal(err)
			}
			p := Prompt{Text: "hello"}
			b.ReportAllocs()
			for b.Loop() {
				if r := c.Do(context.Background(), p); !r.OK || answers != (r.Answer != "") {
					b.Fatalf("result %+v", r)
				}
			}
		})
	}
}
