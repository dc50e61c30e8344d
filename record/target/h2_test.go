package target

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestHTTP2LowStreamLimit: an HTTP/2-capable server that allows only 2
// concurrent streams per connection. The client speaks HTTP/1.1 only, one
// connection per user, so no request waits for a stream: the server sees
// every user's request at once and each latency is the server's own time.
// (With HTTP/2, net/http queued requests behind the stream limit and
// retried refused streams inside RoundTrip after a 1 s backoff, which ended
// up in the latency: about half of cold bursts. docs/RELIABILITY.md.)
func TestHTTP2LowStreamLimit(t *testing.T) {
	// warm: one request first; cold: the burst opens the first connections.
	for _, warm := range []bool{true, false} {
		name := map[bool]string{true: "after a first request", false: "cold burst"}[warm]
		t.Run(name, func(t *testing.T) {
			for range 3 { // the HTTP/2 gap showed in about half of cold bursts
				h2Burst(t, warm)
			}
		})
	}
}

func h2Burst(t *testing.T, warm bool) {
	const (
		users = 8
		delay = 200 * time.Millisecond
	)
	var (
		inFlight, peak atomic.Int64
		protoErr       atomic.Bool
		mu             sync.Mutex
		conns          = map[string]bool{}
	)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor != 1 {
			protoErr.Store(true)
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
			ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
				GotConn: func(httptrace.GotConnInfo) { attempts[i].Add(1) },
			})
			results[i] = c.Do(ctx, Prompt{Text: "hi"})
		})
	}
	if protoErr.Load() {
		t.Error("a request reached the server over HTTP/2; the client must speak HTTP/1.1")
	}
	wg.Wait()
	lat := make([]time.Duration, users)
	for i, res := range results {
		if !res.OK {
			t.Fatalf("request %d: %s %s", i, res.ErrorClass, res.Error)
		}
		lat[i] = res.Latency
		if n := attempts[i].Load(); n != 1 {
			t.Errorf("request %d took %d attempts; want one", i, n)
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
	if nconns < users {
		t.Errorf("%d connections for %d concurrent requests; want one each", nconns, users)
	}
	// Queued requests would show as latencies of 2×, 3×, 4× the delay.
	if worst := lat[len(lat)-1]; worst > delay+delay/2+500*time.Millisecond {
		t.Errorf("worst latency %v for a %v server: a wait for a stream is hidden in the latency", worst, delay)
	}
}
