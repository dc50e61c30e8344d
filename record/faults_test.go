package record

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/llmrec/llmrec/schemas"
)

// Engine-level fault tests: a short real Run against a loopback server that
// misbehaves on every other request. Each case checks what docs/RELIABILITY.md
// promises: the failed rows carry the documented error class, the run goes
// on (successful rows follow the first fault), every request the server saw
// has its row (nothing retried, nothing lost), and the run ends on time.

// sseOK writes a complete, well-formed chat stream.
func sseOK(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/event-stream")
	for _, ev := range []string{
		`{"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}`,
		`{"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"hello"},"finish_reason":null}]}`,
		`{"object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`,
		`{"object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}`,
		`[DONE]`,
	} {
		sseEvent(w, ev)
	}
}

func sseEvent(w http.ResponseWriter, data string) {
	fmt.Fprintf(w, "data: %s\n\n", data)
	w.(http.Flusher).Flush()
}

const chunkJSON = `{"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"more"},"finish_reason":null}]}`

// flakyServer answers /v1/models, and the chat endpoint alternately with
// fault (odd requests) and a good stream (even ones). seen counts the chat
// requests the server received.
func flakyServer(t *testing.T, fault http.HandlerFunc, seen *atomic.Int64) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/models" {
			fmt.Fprint(w, `{"object":"list","data":[{"id":"m1","object":"model"}]}`)
			return
		}
		// Read the body first: the server notices a client going away only then.
		io.Copy(io.Discard, r.Body)
		if seen.Add(1)%2 == 1 {
			fault(w, r)
			return
		}
		sseOK(w)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// hijack takes the raw connection of a request.
func hijack(w http.ResponseWriter) *net.TCPConn {
	c, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	return c.(*net.TCPConn)
}

// resetConn closes c with a TCP RST.
func resetConn(c *net.TCPConn) {
	c.SetLinger(0)
	c.Close()
}

// waitGone blocks until the client gives up on r (or 5 s pass).
func waitGone(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(5 * time.Second):
	}
}

// faultConfig is a one-step run of two streaming users for one second.
func faultConfig(t *testing.T, target string) e2eConfig {
	cfg := quickConfig(t, target)
	cfg.Stream = true
	cfg.Model = "m1"
	cfg.Shape = Shape{StepUsers: 2, StepTime: time.Second, MaxUsers: 2, SpawnRate: 100}
	cfg.WaitMin, cfg.WaitMax = 5*time.Millisecond, 15*time.Millisecond
	cfg.Timeout = 3 * time.Second
	cfg.IdleTimeout = 2 * time.Second
	cfg.Grace = 3 * time.Second
	return cfg
}

func TestRunTargetFaults(t *testing.T) {
	retryDate := time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
	tests := []struct {
		name   string
		fault  http.HandlerFunc
		tune   func(*Config)
		class  string
		status int32
		errHas string
		check  func(r schemas.Record) string // extra checks on a failed row
	}{
		{
			name: "no response headers within --timeout",
			fault: func(w http.ResponseWriter, r *http.Request) {
				waitGone(r)
			},
			tune:   func(c *Config) { c.Timeout = 250 * time.Millisecond },
			class:  schemas.ErrTimeout,
			errHas: "waiting for response headers",
			check: func(r schemas.Record) string {
				if r.LatencyMS < 250 || r.LatencyMS > 1500 {
					return fmt.Sprintf("latency %.0f ms, want about the 250 ms timeout", r.LatencyMS)
				}
				return ""
			},
		},
		{
			name: "stream stalls after the first chunk (--idle-timeout)",
			fault: func(w http.ResponseWriter, r *http.Request) {
				sseEvent(w, chunkJSON)
				waitGone(r)
			},
			tune:   func(c *Config) { c.IdleTimeout = 200 * time.Millisecond },
			class:  schemas.ErrIdleTimeout,
			status: 200,
			errHas: "after 1 chunks",
			check: func(r schemas.Record) string {
				if r.Chunks != 1 || r.TTFTMS == nil || r.LatencyMS < 200 || r.LatencyMS > 1500 {
					return fmt.Sprintf("chunks %d, ttft %v, latency %.0f ms", r.Chunks, r.TTFTMS, r.LatencyMS)
				}
				return ""
			},
		},
		{
			name: "a stream that never ends is capped by --timeout",
			fault: func(w http.ResponseWriter, r *http.Request) {
				for {
					sseEvent(w, chunkJSON)
					select {
					case <-r.Context().Done():
						return
					case <-time.After(20 * time.Millisecond):
					}
				}
			},
			tune:   func(c *Config) { c.Timeout = 300 * time.Millisecond },
			class:  schemas.ErrTimeout,
			status: 200,
			check: func(r schemas.Record) string {
				if r.Chunks < 2 || r.LatencyMS < 300 || r.LatencyMS > 1500 {
					return fmt.Sprintf("chunks %d, latency %.0f ms; want a stream cut at the 300 ms timeout", r.Chunks, r.LatencyMS)
				}
				return ""
			},
		},
		{
			name: "finish_reason but no [DONE]",
			fault: func(w http.ResponseWriter, r *http.Request) {
				sseEvent(w, chunkJSON)
				sseEvent(w, `{"object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`)
			},
			class:  schemas.ErrProtocol,
			status: 200,
			errHas: "without [DONE] after finish_reason",
		},
		{
			// Round 3: an empty answer is no fast success.
			name: "a 200 stream of only [DONE] (an empty answer)",
			fault: func(w http.ResponseWriter, r *http.Request) {
				sseEvent(w, "[DONE]")
			},
			class:  schemas.ErrEmpty,
			status: 200,
			errHas: "empty answer",
			check: func(r schemas.Record) string {
				if r.Chunks != 0 || r.TTFTMS != nil || r.OK {
					return fmt.Sprintf("chunks %d, ttft %v, ok %v", r.Chunks, r.TTFTMS, r.OK)
				}
				return ""
			},
		},
		{
			name: "reset before the headers",
			fault: func(w http.ResponseWriter, r *http.Request) {
				resetConn(hijack(w))
			},
			class: schemas.ErrReset,
		},
		{
			name: "reset after the headers",
			fault: func(w http.ResponseWriter, r *http.Request) {
				c := hijack(w)
				fmt.Fprint(c, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
				ev := "data: " + chunkJSON + "\n\n"
				fmt.Fprintf(c, "%x\r\n%s\r\n", len(ev), ev)
				time.Sleep(30 * time.Millisecond)
				resetConn(c)
			},
			class:  schemas.ErrReset,
			status: 200,
		},
		{
			name: "body over the limit",
			fault: func(w http.ResponseWriter, r *http.Request) {
				for range 200 {
					sseEvent(w, chunkJSON)
				}
				sseEvent(w, "[DONE]")
			},
			tune:   func(c *Config) { c.MaxBodyBytes = 4096 },
			class:  schemas.ErrBodyLimit,
			status: 200,
			check: func(r schemas.Record) string {
				if r.BytesIn != 4097 {
					return fmt.Sprintf("bytes_in %d, want the 4096-byte limit + 1", r.BytesIn)
				}
				return ""
			},
		},
		{
			name: "malformed SSE JSON",
			fault: func(w http.ResponseWriter, r *http.Request) {
				sseEvent(w, chunkJSON)
				sseEvent(w, `{"choices": [ {"delta": {"content": "x"}`)
				sseEvent(w, "[DONE]")
			},
			class:  schemas.ErrProtocol,
			status: 200,
			errHas: "malformed JSON",
		},
		{
			name: "429 with Retry-After in seconds",
			fault: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "30")
				http.Error(w, "slow down", http.StatusTooManyRequests)
			},
			class:  schemas.ErrRateLimited,
			status: 429,
			errHas: "retry-after 30s",
		},
		{
			name: "429 with Retry-After as an HTTP date",
			fault: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", retryDate)
				w.WriteHeader(http.StatusTooManyRequests)
			},
			class:  schemas.ErrRateLimited,
			status: 429,
			errHas: "retry-after " + retryDate,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var seen atomic.Int64
			srv := flakyServer(t, tt.fault, &seen)
			cfg := faultConfig(t, srv.URL)
			if tt.tune != nil {
				tt.tune(&cfg.Config)
			}
			start := time.Now()
			sum, err := runE2E(context.Background(), cfg)
			took := time.Since(start)
			if err != nil {
				t.Fatal(err)
			}
			// Nothing hangs: the run ends with its one-second schedule, plus
			// at most one request's timeout for the last request in flight.
			if limit := cfg.Shape.Total() + cfg.Timeout + time.Second; took > limit {
				t.Errorf("Run took %v, want under %v", took, limit)
			}
			rows, meta := readRun(t, cfg.Out)
			checkFaultRows(t, rows, seen.Load(), tt.class, tt.status, tt.errHas, tt.check)
			if meta.EndReason != schemas.EndCompleted || sum.Failures == 0 {
				t.Errorf("end reason %s, %d failures", meta.EndReason, sum.Failures)
			}
		})
	}
}

// checkFaultRows checks the rows of a run against a half-faulty server:
// one row per request the server saw, every failure of class (with status
// and an error containing errHas), and successes after the first failure.
func checkFaultRows(t *testing.T, rows []schemas.Record, seen int64, class string, status int32, errHas string, check func(schemas.Record) string) {
	t.Helper()
	if int64(len(rows)) != seen || len(rows) < 4 {
		t.Fatalf("%d rows for %d requests the server saw; want one row each, and at least 4", len(rows), seen)
	}
	slices.SortFunc(rows, func(a, b schemas.Record) int { return int(a.Seq - b.Seq) })
	firstFault := int64(-1)
	okAfter := 0
	for _, r := range rows {
		if r.OK {
			if firstFault >= 0 {
				okAfter++
			}
			continue
		}
		if firstFault < 0 {
			firstFault = r.Seq
		}
		if r.ErrorClass == nil || *r.ErrorClass != class || r.Status != status {
			t.Errorf("row %d: class %v status %d (error %v); want %s, status %d", r.Seq, deref(r.ErrorClass), r.Status, deref(r.Error), class, status)
			continue
		}
		if r.Error == nil || !strings.Contains(*r.Error, errHas) {
			t.Errorf("row %d: error %q does not contain %q", r.Seq, deref(r.Error), errHas)
		}
		if check != nil {
			if msg := check(r); msg != "" {
				t.Errorf("row %d: %s", r.Seq, msg)
			}
		}
	}
	if firstFault < 0 || okAfter == 0 {
		t.Fatalf("first fault at seq %d, %d successes after it: want faults and the run going on", firstFault, okAfter)
	}
}

func deref(s *string) string {
	if s == nil {
		return "<null>"
	}
	return *s
}

// TestRunTLSUnknownCA: a target whose certificate no trusted CA signed
// fails every request with class tls; there is no fallback to an
// unverified connection, and without --model the run does not start.
func TestRunTLSUnknownCA(t *testing.T) {
	var seen atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Add(1)
		sseOK(w)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)

	cfg := faultConfig(t, srv.URL)
	cfg.Shape.StepTime = 500 * time.Millisecond
	start := time.Now()
	if _, err := runE2E(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("Run took %v", took)
	}
	rows, _ := readRun(t, cfg.Out)
	if len(rows) < 4 || seen.Load() != 0 {
		t.Fatalf("%d rows, the server answered %d requests; want many tls failures and no request served", len(rows), seen.Load())
	}
	for _, r := range rows {
		if r.OK || r.Status != 0 || deref(r.ErrorClass) != schemas.ErrTLS || !strings.Contains(deref(r.Error), "certificate") {
			t.Fatalf("row %+v (error %s); want class tls naming the certificate", r, deref(r.Error))
		}
	}

	cfg = faultConfig(t, srv.URL)
	cfg.Model = "" // model discovery is the first request: the run must not start
	_, err := runE2E(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("err = %v; want the run refused naming the certificate problem", err)
	}
}

// TestRunTargetUnreachableAtStart: a refused connection or a name that
// does not resolve stops the run before it starts, within seconds, with a
// message naming the target and the reason, and no file.
func TestRunTargetUnreachableAtStart(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String()
	ln.Close()
	noModels := httptest.NewServer(http.NotFoundHandler())
	defer noModels.Close()
	tests := []struct {
		name, target, model string
		want                []string
	}{
		{"refused, model given", refused, "m1", []string{"is unreachable", "connect", ln.Addr().String(), "check the URL"}},
		{"refused, model discovery", refused, "", []string{"is unreachable", "refused", "check the URL"}},
		{"dns, model given", "http://no-such-host.llmrec.invalid:8000", "m1", []string{"is unreachable", "dns", "no-such-host.llmrec.invalid", "check the URL"}},
		{"dns, model discovery", "http://no-such-host.llmrec.invalid:8000", "", []string{"is unreachable", "no-such-host.llmrec.invalid", "check the URL"}},
		// Reachable, but no model list: --model is the way.
		{"no /v1/models", noModels.URL, "", []string{"is not usable", "404", "pass --model"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := faultConfig(t, tt.target)
			cfg.Model = tt.model
			start := time.Now()
			_, err := runE2E(context.Background(), cfg)
			if took := time.Since(start); took > 12*time.Second {
				t.Errorf("took %v to give up", took)
			}
			if err == nil {
				t.Fatal("the run started against an unreachable target")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "is unreachable") && strings.Contains(err.Error(), "--model") {
				t.Errorf("error %q sends the user to --model for a target that takes no connection", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
			if _, serr := os.Stat(cfg.Out); serr == nil {
				t.Error("a run file was written for a run that never started")
			}
		})
	}
}

// TestRunTargetDiesAndComesBack: the target goes away mid-run (listener and
// connections closed) and comes back on the same port. Requests during the
// outage are rows of class connect (or reset, for those in flight when it
// died); successes resume once it is back; the run ends on time.
func TestRunTargetDiesAndComesBack(t *testing.T) {
	var seen atomic.Int64
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		seen.Add(1)
		time.Sleep(10 * time.Millisecond)
		sseOK(w)
	})
	serve := func(ln net.Listener) *http.Server {
		s := &http.Server{Handler: handler, ErrorLog: log.New(io.Discard, "", 0)}
		go s.Serve(ln)
		return s
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	first := serve(ln)
	t.Cleanup(func() { first.Close() })

	cfg := faultConfig(t, "http://"+addr)
	cfg.Shape = Shape{StepUsers: 3, StepTime: 1800 * time.Millisecond, MaxUsers: 3, SpawnRate: 100}
	var died, back time.Time
	restarted := make(chan error, 1)
	go func() {
		time.Sleep(500 * time.Millisecond)
		died = time.Now()
		first.Close()
		time.Sleep(500 * time.Millisecond)
		var ln2 net.Listener
		var err error
		for range 50 { // the port is free again at once on Linux; retry briefly anyway
			if ln2, err = net.Listen("tcp", addr); err == nil {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if err != nil {
			restarted <- err
			return
		}
		back = time.Now()
		second := serve(ln2)
		t.Cleanup(func() { second.Close() })
		restarted <- nil
	}()
	start := time.Now()
	if _, err := runE2E(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("Run took %v", took)
	}
	if err := <-restarted; err != nil {
		t.Fatalf("could not restart the target on %s: %v", addr, err)
	}
	rows, _ := readRun(t, cfg.Out)
	var okBefore, connect, okAfter int
	classes := map[string]int{}
	for _, r := range rows {
		switch {
		case r.OK && r.Start.Before(died):
			okBefore++
		case r.OK && r.Start.After(back):
			okAfter++
		case r.OK:
			t.Errorf("row %d succeeded while the target was down", r.Seq)
		default:
			c := deref(r.ErrorClass)
			classes[c]++
			if c == schemas.ErrConnect {
				connect++
			}
			if c != schemas.ErrConnect && c != schemas.ErrReset {
				t.Errorf("row %d: class %s (%s); want connect or reset", r.Seq, c, deref(r.Error))
			}
			if r.Start.Before(died.Add(-100*time.Millisecond)) || r.Start.After(back) {
				t.Errorf("row %d failed outside the outage", r.Seq)
			}
		}
	}
	t.Logf("%d ok before, %v during, %d ok after", okBefore, classes, okAfter)
	if okBefore == 0 || connect == 0 || okAfter == 0 {
		t.Fatalf("%d ok before the outage, %d connect failures, %d ok after: want all three", okBefore, connect, okAfter)
	}
	// Every request that reached the server has a row: the server counted
	// every success, and at most the successes and the resets (a reset one
	// may have been cut before the handler counted it).
	if n := seen.Load(); n < int64(okBefore+okAfter) || n > int64(okBefore+okAfter+classes[schemas.ErrReset]) {
		t.Errorf("the server counted %d requests; the file has %d successes and %d resets", n, okBefore+okAfter, classes[schemas.ErrReset])
	}
}
