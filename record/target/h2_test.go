package target

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestHTTP2LowStreamLimit: an HTTP/2 server that allows only 2 concurrent
// streams per connection. The client must not queue requests behind the
// limit inside RoundTrip, where the wait would be counted as the server's
// latency: it opens more connections instead (net/http's default, non-strict
// MAX_CONCURRENT_STREAMS handling), so the server sees every user's request
// at once and each latency is the server's own time.
//
// KNOWN GAP (docs/RELIABILITY.md): a new HTTP/2 connection takes up to 100
// streams until the server's SETTINGS arrive; the streams over the
// server's limit are refused (REFUSED_STREAM) and net/http's HTTP/2
// transport retries them inside RoundTrip after a 1 s backoff, which ends
// up in the latency. This test reproduces it (about half of the cold
// bursts, a few percent of the warm ones) and is skipped until the client
// is changed; LLMREC_H2_GAP=1 runs it. It also checks that a
// httptrace.ClientTrace on the caller's context sees the retries (GotConn
// once per attempt): every slow request had two or more attempts, so the
// wait can be made visible without touching this package.
func TestHTTP2LowStreamLimit(t *testing.T) {
	if os.Getenv("LLMREC_H2_GAP") == "" {
		t.Skip("known gap: HTTP/2 refused streams are retried after a hidden 1 s backoff (docs/RELIABILITY.md); LLMREC_H2_GAP=1 runs this test")
	}
	// warm: one request first, so the server's SETTINGS (the limit) are
	// known before the burst; cold: the burst opens the first connections.
	for _, warm := range []bool{true, false} {
		name := map[bool]string{true: "after a first request", false: "cold burst"}[warm]
		t.Run(name, func(t *testing.T) { t.Parallel(); h2Burst(t, warm) })
	}
}

func h2Burst(t *testing.T, warm bool) {
	const (
		users = 8
		delay = 200 * time.Millisecond
	)
	var (
		inFlight, peak atomic.Int64
		mu             sync.Mutex
		conns          = map[string]bool{}
	)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor != 2 {
			http.Error(w, "want HTTP/2", http.StatusHTTPVersionNotSupported)
			return
		}
		mu.Lock()
		conns[r.RemoteAddr] = true
		mu.Unlock()
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(delay)
		(&fakeOpenAI{tokens: 2}).ServeHTTP(w, r)
	}))
	srv.EnableHTTP2 = true
	srv.Config.HTTP2 = &http.HTTP2Config{MaxConcurrentStreams: 2}
	srv.Config.ErrorLog = quietLog()
	srv.StartTLS()
	t.Cleanup(srv.Close)

	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	o := testOptions(APIChat, srv.URL)
	o.TLSConfig = &tls.Config{RootCAs: pool}
	o.MaxConns = users
	c := newClient(t, o)

	if warm {
		if res := c.Do(context.Background(), Prompt{Text: "warm"}); !res.OK {
			t.Fatalf("warm-up request: %s %s", res.ErrorClass, res.Error)
		}
		peak.Store(0)
	}

	results := make([]Result, users)
	attempts := make([]atomic.Int32, users)
	var wg sync.WaitGroup
	for i := range users {
		wg.Go(func() {
			// Design (b) of docs/RELIABILITY.md, Open 1: a trace on the
			// request's context sees every attempt the transport makes.
			ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
				GotConn: func(httptrace.GotConnInfo) { attempts[i].Add(1) },
			})
			results[i] = c.Do(ctx, Prompt{Text: "hi"})
		})
	}
	wg.Wait()
	lat := make([]time.Duration, users)
	for i, res := range results {
		if !res.OK {
			t.Fatalf("request %d: %s %s", i, res.ErrorClass, res.Error)
		}
		lat[i] = res.Latency
		if res.Latency > delay+500*time.Millisecond && attempts[i].Load() < 2 {
			t.Errorf("request %d took %v in one attempt: the wait is not visible to a trace", i, res.Latency)
		}
	}
	slices.Sort(lat)
	mu.Lock()
	nconns := len(conns)
	mu.Unlock()
	t.Logf("peak streams at the server %d, connections %d, latencies %v", peak.Load(), nconns, lat)
	if peak.Load() < users {
		t.Errorf("the server saw at most %d of %d requests at once: the client queued behind the stream limit", peak.Load(), users)
	}
	if nconns < users/2 {
		t.Errorf("%d connections for %d concurrent requests with 2 streams each", nconns, users)
	}
	// Queued requests would show as latencies of 2×, 3×, 4× the delay.
	if worst := lat[len(lat)-1]; worst > delay+delay/2+500*time.Millisecond {
		t.Errorf("worst latency %v for a %v server: a wait for a stream is hidden in the latency", worst, delay)
	}
}
