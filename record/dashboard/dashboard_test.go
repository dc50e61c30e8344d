package dashboard

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/llmrec/llmrec/record"
	"github.com/llmrec/llmrec/record/target"
	"github.com/llmrec/llmrec/report/assets"
	"github.com/llmrec/llmrec/schemas"
)

func start(t *testing.T, o Options) *Server {
	t.Helper()
	if o.Shape.StepUsers == 0 {
		o.Shape = record.Shape{StepUsers: 2, StepTime: time.Second, MaxUsers: 4}
	}
	s, err := Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

// do sends one request to the dashboard with the Host header and headers
// given, without following redirects. A path starting with "~/" is under
// the dashboard's prefix.
func do(t *testing.T, s *Server, method, path, host string, h map[string]string) *http.Response {
	t.Helper()
	u, _ := url.Parse(s.URL())
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		path = s.prefix + rest
	}
	req, err := http.NewRequest(method, "http://"+u.Host+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 5 * time.Second}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(path, "/events") || res.StatusCode != 200 {
		io.Copy(io.Discard, res.Body)
	}
	res.Body.Close()
	return res
}

// TestLoopbackGuards: on loopback the dashboard answers only its own Host
// (a DNS-rebinding page names another), and Stop needs the page's
// anti-CSRF header and no foreign Origin; nothing else changes the run.
func TestLoopbackGuards(t *testing.T) {
	var stops atomic.Int32
	s := start(t, Options{Addr: "127.0.0.1:0", RunFile: "run.parquet", Stop: func() { stops.Add(1) }})
	u, _ := url.Parse(s.URL())
	if u.RawQuery != "" {
		t.Errorf("loopback URL %s carries a token", s.URL())
	}
	port := u.Port()
	tests := []struct {
		name, method, path, host string
		h                        map[string]string
		want                     int
	}{
		{"page", "GET", "~/", "", nil, 200},
		{"page via localhost", "GET", "~/", "localhost:" + port, nil, 200},
		{"the root leads to the page", "GET", "/", "", nil, http.StatusSeeOther},
		{"rebinding host", "GET", "~/", "evil.example:" + port, nil, http.StatusMisdirectedRequest},
		{"rebinding host, events", "GET", "~/events", "evil.example:" + port, nil, http.StatusMisdirectedRequest},
		{"rebinding host, root", "GET", "/", "evil.example:" + port, nil, http.StatusMisdirectedRequest},
		{"a name that is not the one given", "GET", "~/", "localhost.localdomain:" + port, nil, http.StatusMisdirectedRequest},
		{"wrong port", "GET", "~/", "127.0.0.1:1", nil, http.StatusMisdirectedRequest},
		{"stop without the csrf header", "POST", "~/stop", "", nil, http.StatusForbidden},
		{"stop with a wrong csrf header", "POST", "~/stop", "", map[string]string{csrfHeader: "nope"}, http.StatusForbidden},
		{"stop from another origin", "POST", "~/stop", "", map[string]string{csrfHeader: s.csrf, "Origin": "http://evil.example"}, http.StatusForbidden},
		{"stop from another site", "POST", "~/stop", "", map[string]string{csrfHeader: s.csrf, "Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"stop by GET", "GET", "~/stop", "", nil, http.StatusMethodNotAllowed},
		{"events outside the prefix", "GET", "/events", "", nil, http.StatusNotFound},
		{"anything else", "GET", "~/settings", "", nil, http.StatusNotFound},
		{"anything else by POST", "POST", "~/", "", nil, http.StatusMethodNotAllowed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := do(t, s, tc.method, tc.path, tc.host, tc.h)
			if res.StatusCode != tc.want {
				t.Errorf("%s %s (Host %q) = %d, want %d", tc.method, tc.path, tc.host, res.StatusCode, tc.want)
			}
			if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "connect-src 'self'") {
				t.Errorf("CSP %q", csp)
			}
		})
	}
	if n := stops.Load(); n != 0 {
		t.Fatalf("a refused request stopped the run %d times", n)
	}
	origin := "http://" + u.Host
	for range 2 {
		if res := do(t, s, "POST", "~/stop", "", map[string]string{csrfHeader: s.csrf, "Origin": origin, "Sec-Fetch-Site": "same-origin"}); res.StatusCode != http.StatusAccepted {
			t.Fatalf("stop from the page = %d", res.StatusCode)
		}
	}
	if n := stops.Load(); n != 1 {
		t.Fatalf("two stops from the page called Stop %d times, want once", n)
	}
}

// TestTokenOffLoopback: on every interface a token is generated and
// required on every request, event stream and Stop included; the URL
// trades it for a cookie scoped to this dashboard (its port in the name,
// its random prefix as the path).
func TestTokenOffLoopback(t *testing.T) {
	var stops atomic.Int32
	s := start(t, Options{Addr: "0.0.0.0:0", Stop: func() { stops.Add(1) }})
	u, _ := url.Parse(s.URL())
	tok := u.Query().Get(tokenParam)
	if len(tok) < 32 || tokenBits(tok) < MinTokenBits || !s.TokenGenerated() || u.Path != s.prefix || len(s.prefix) != 18 {
		t.Fatalf("URL %s: want a generated token of 128 bits and the page under a random prefix", s.URL())
	}
	if p, _ := url.Parse(s.PageURL()); p.RawQuery != "" || p.Path != s.prefix {
		t.Errorf("PageURL %s: want the page without the token", s.PageURL())
	}
	host := "127.0.0.1:" + u.Port()
	for _, p := range []struct{ method, path string }{{"GET", "/"}, {"GET", "~/"}, {"GET", "~/events"}, {"POST", "~/stop"}, {"GET", "~/?token=wrong"}} {
		res := do(t, s, p.method, p.path, host, map[string]string{csrfHeader: s.csrf})
		if res.StatusCode != http.StatusUnauthorized || !res.Close {
			t.Errorf("%s %s without the token = %d (connection closed %v), want 401 and the connection closed", p.method, p.path, res.StatusCode, res.Close)
		}
	}
	if stops.Load() != 0 {
		t.Fatal("Stop ran without the token")
	}
	for _, path := range []string{"~/?token=" + tok, "/?token=" + tok} {
		res := do(t, s, "GET", path, host, nil)
		var cookie *http.Cookie
		for _, c := range res.Cookies() {
			if c.Name == "llmrec_dashboard_"+u.Port() {
				cookie = c
			}
		}
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != s.prefix || cookie == nil || !cookie.HttpOnly ||
			cookie.SameSite != http.SameSiteStrictMode || cookie.Path != s.prefix || cookie.Value != tok {
			t.Fatalf("GET %s = %d, Location %q, cookie %+v; want 303 to %s with an HttpOnly SameSite=Strict cookie llmrec_dashboard_%s, path %s",
				path, res.StatusCode, res.Header.Get("Location"), cookie, s.prefix, u.Port(), s.prefix)
		}
	}
	withCookie := map[string]string{"Cookie": "llmrec_dashboard_" + u.Port() + "=" + tok}
	if res := do(t, s, "GET", "~/", host, withCookie); res.StatusCode != 200 {
		t.Errorf("page with the cookie = %d", res.StatusCode)
	}
	if res := do(t, s, "GET", "~/", host, map[string]string{"Cookie": "llmrec_dashboard=" + tok}); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("page with the token in another dashboard's cookie = %d, want 401", res.StatusCode)
	}
	if res := do(t, s, "GET", "~/events", host, map[string]string{"Authorization": "Bearer " + tok}); res.StatusCode != 200 {
		t.Errorf("events with the bearer token = %d", res.StatusCode)
	}
	withCookie[csrfHeader] = s.csrf
	if res := do(t, s, "POST", "~/stop", host, withCookie); res.StatusCode != http.StatusAccepted || stops.Load() != 1 {
		t.Errorf("stop with the cookie and csrf header = %d, %d stops", res.StatusCode, stops.Load())
	}
}

// TestCookieScopedPerDashboard: in one cookie jar (a browser's: cookies
// ignore ports), opening a second dashboard on the same host leaves the
// first one's session working, and another service on the host (here an
// LLM server's /v1/models) receives neither dashboard's cookie.
func TestCookieScopedPerDashboard(t *testing.T) {
	a := start(t, Options{Addr: "0.0.0.0:0"})
	b := start(t, Options{Addr: "0.0.0.0:0"})
	var leaked atomic.Value
	leaked.Store("")
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Store(r.Header.Get("Cookie"))
	}))
	defer other.Close()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Jar: jar, Timeout: 5 * time.Second}
	local := func(s *Server, withToken bool) string {
		raw := s.PageURL()
		if withToken {
			raw = s.URL()
		}
		u, _ := url.Parse(raw)
		u.Host = "127.0.0.1:" + u.Port()
		return u.String()
	}
	get := func(u string) int {
		t.Helper()
		res, err := c.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := get(local(a, true)); code != 200 {
		t.Fatalf("opening A's URL = %d", code)
	}
	if code := get(local(b, true)); code != 200 {
		t.Fatalf("opening B's URL = %d", code)
	}
	for _, s := range []*Server{a, b} {
		if code := get(local(s, false)); code != 200 {
			t.Errorf("%s after opening both dashboards = %d, want 200 (one logged the other out)", local(s, false), code)
		}
	}
	if code := get(other.URL + "/v1/models"); code != 200 {
		t.Fatalf("the other service = %d", code)
	}
	if got := leaked.Load().(string); strings.Contains(got, "llmrec_dashboard") {
		t.Errorf("another service on the host received %q", got)
	}
}

// TestPageEscapesLabels: a hostile run file name reaches the page as text.
func TestPageEscapesLabels(t *testing.T) {
	const hostile = `</code><script>alert(1)</script><img src=x onerror=alert(2)>.parquet`
	s := start(t, Options{Addr: "127.0.0.1:0", RunFile: hostile, Model: `"><svg onload=alert(3)>`})
	page := strings.Replace(string(s.page), assets.ECharts(), "", 1) // the library has markup in strings
	for _, bad := range []string{"<script>alert", "<img", "<svg"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page contains %q unescaped", bad)
		}
	}
	if !strings.Contains(page, "llmrep analyze &lt;/code&gt;&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("the page does not name the analyze command with the escaped file name")
	}
}

// countingSink counts rows and flushes.
type countingSink struct {
	rows, flushes atomic.Int64
}

func (c *countingSink) Begin(*schemas.RunMeta) error    { return nil }
func (c *countingSink) Write(r []schemas.Record) error  { c.rows.Add(int64(len(r))); return nil }
func (c *countingSink) Flush() error                    { c.flushes.Add(1); return nil }
func (c *countingSink) Finish(m *schemas.RunMeta) error { return nil }
func (c *countingSink) String() string                  { return fmt.Sprint(c.rows.Load()) }

// quickClient answers every request after 2 ms.
type quickClient struct{ calls atomic.Int64 }

func (c *quickClient) Do(ctx context.Context, _ target.Prompt) target.Result {
	c.calls.Add(1)
	res := target.Result{Start: time.Now()}
	select {
	case <-time.After(2 * time.Millisecond):
		res.Status, res.OK = 200, true
	case <-ctx.Done():
		res.ErrorClass = schemas.ErrCanceled
	}
	res.Latency = time.Since(res.Start)
	return res
}

// stalledClient opens the event stream over a raw TCP connection with a
// tiny receive buffer and never reads it.
func stalledClient(t *testing.T, s *Server) net.Conn {
	t.Helper()
	u, _ := url.Parse(s.URL())
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var err error
		_ = c.Control(func(fd uintptr) { err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 2048) })
		return err
	}}
	conn, err := d.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "GET %sevents HTTP/1.1\r\nHost: %s\r\n\r\n", s.prefix, u.Host)
	return conn
}

func (s *Server) streams() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.clients)
}

// TestStalledClientDoesNotSlowTheRun: event streams that are opened and
// never read (raw TCP connections with a tiny receive window, behind a
// history of several MB) take nothing from the run: every row reaches the
// sink, the sink is flushed every second, the watcher hands over every
// snapshot, and the server ends those streams once their writes stall.
func TestStalledClientDoesNotSlowTheRun(t *testing.T) {
	s := start(t, Options{Addr: "127.0.0.1:0"})
	// A history of several MB: the first write to a stalled stream blocks.
	fat := record.Snapshot{FailuresByClass: map[string]int64{}}
	for i := range 40 {
		fat.FailuresByClass[fmt.Sprintf("%03d-%s", i, strings.Repeat("x", 120))] = 1
	}
	for i := range maxPoints {
		fat.Elapsed = time.Duration(i) * time.Second
		for s.Publish(fat); len(s.in) > 0; {
			time.Sleep(time.Millisecond)
		}
	}
	for range maxClients {
		stalledClient(t, s)
	}
	waitFor(t, 5*time.Second, "stalled streams to connect", func() bool { return s.streams() == maxClients })
	// Publish never waits, however far behind the streams are.
	published := make(chan struct{})
	go func() {
		defer close(published)
		for range 1000 {
			s.Publish(fat)
		}
	}()
	select {
	case <-published:
	case <-time.After(10 * time.Second):
		t.Fatal("Publish blocked behind stalled streams")
	}

	cfg := record.DefaultConfig()
	cfg.Target, cfg.Model, cfg.Stream = "http://127.0.0.1:9/", "m", false
	cfg.Shape = record.Shape{StepUsers: 8, StepTime: 3 * time.Second, MaxUsers: 8, SpawnRate: 1000}
	cfg.WaitMin, cfg.WaitMax = time.Millisecond, 2*time.Millisecond
	var mu sync.Mutex
	var snaps int
	cfg.Snapshot = func(snap record.Snapshot) {
		mu.Lock()
		snaps++
		mu.Unlock()
		s.Publish(snap)
	}
	client, sink := &quickClient{}, &countingSink{}
	sum, err := record.Run(context.Background(), cfg, client, sink)
	if err != nil {
		t.Fatal(err)
	}
	if sink.rows.Load() != client.calls.Load() || sum.Rows != client.calls.Load() || sum.Rows < 100 {
		t.Fatalf("client saw %d requests, the sink got %d rows, the summary says %d", client.calls.Load(), sink.rows.Load(), sum.Rows)
	}
	if f := sink.flushes.Load(); f < 3 {
		t.Errorf("the sink was flushed %d times in a 3 s run: the writer fell behind", f)
	}
	if snaps < 3 {
		t.Errorf("the watcher handed over %d snapshots in a 3 s run", snaps)
	}
	// The stalled streams are ended once a write has waited writeTimeout.
	waitFor(t, writeTimeout+10*time.Second, "stalled streams to be ended", func() bool { return s.streams() == 0 })
	// And a reader that does read gets the history, the tables and the end.
	s.End(schemas.EndCompleted, "", sum.Rows)
	res, err := http.Get(s.URL() + "events")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(nil, 64<<20)
	var events []string
	for sc.Scan() && len(events) < 3 {
		if name, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
			events = append(events, name)
		}
	}
	if strings.Join(events, ",") != "history,table,end" {
		t.Errorf("a fresh stream after the end got %v, want history, table, end", events)
	}
}

func waitFor(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	for end := time.Now().Add(d); !ok(); {
		if time.Now().After(end) {
			t.Fatalf("waited %v for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// openFiles counts the process's open file descriptors.
func openFiles(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("open files are counted in /proc/self/fd: %v", err)
	}
	return len(ents)
}

// TestConnectionCap: 3×maxConns raw connections that send half a request
// and wait take at most maxConns of the process's file descriptors (the
// rest wait in the kernel's queue); the ones served are closed after
// headerWait, so a real request made behind them is answered; and a
// client refused for its Host header is not kept connected.
func TestConnectionCap(t *testing.T) {
	s := start(t, Options{Addr: "127.0.0.1:0"})
	u, _ := url.Parse(s.URL())
	before := openFiles(t)
	const held = 3 * maxConns
	conns := make([]net.Conn, 0, held)
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	for range held {
		c, err := net.DialTimeout("tcp", u.Host, 2*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: %s\r\n", u.Host)
		conns = append(conns, c)
	}
	// Give the server time to accept all it will.
	var server int
	for range 10 {
		time.Sleep(100 * time.Millisecond)
		server = max(server, openFiles(t)-before-held)
	}
	if server > maxConns {
		t.Fatalf("%d held connections took %d of the server's file descriptors; the cap is %d", held, server, maxConns)
	}
	// A real request behind them is answered once the served ones have
	// timed out (the others give up first).
	for _, c := range conns[maxConns:] {
		c.Close()
	}
	c := &http.Client{Timeout: 3 * headerWait}
	res, err := c.Get(s.URL())
	if err != nil {
		t.Fatalf("a request behind %d held connections: %v", held, err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("a request behind the held connections = %d", res.StatusCode)
	}
	// Refused for its Host: the server closes the connection.
	res = do(t, s, "GET", "/", "evil.example:"+u.Port(), nil)
	if res.StatusCode != http.StatusMisdirectedRequest || !res.Close {
		t.Errorf("a refused request = %d, closed %v; want 421 and the connection closed", res.StatusCode, res.Close)
	}
}

// TestServerErrorsKeptOffTheTerminal: what net/http logs (accept errors
// when the process is out of file descriptors) goes to a counter with the
// last line, bounded and without control characters, not to the
// process's standard error.
func TestServerErrorsKeptOffTheTerminal(t *testing.T) {
	s := start(t, Options{Addr: "127.0.0.1:0"})
	if s.srv.ErrorLog == nil {
		t.Fatal("the server logs to the standard logger (the terminal)")
	}
	s.srv.ErrorLog.Printf("http: Accept error: accept tcp: too many open files; retrying in 5ms")
	s.srv.ErrorLog.Printf("http: oops\x1b[2J%s", strings.Repeat("x", 1000))
	n, last := s.Errors()
	if n != 2 || len(last) > maxErrorText || strings.ContainsAny(last, "\x1b\n") || !strings.HasPrefix(last, "http: oops") {
		t.Errorf("Errors() = %d, %q; want 2 and the last line, bounded, without control characters", n, last)
	}
}

// TestCheckToken: off loopback a token must be about 128 bits strong;
// anywhere, it must travel unchanged in a URL, a cookie and a header; the
// errors never quote it.
func TestCheckToken(t *testing.T) {
	hex32 := "0123456789abcdef0123456789ABCDEF"
	b64 := "Zm9vYmFyYmF6cXV4cXV1eA" // 22 base64 characters
	tests := []struct {
		name, addr, token string
		ok                bool
	}{
		{"no token", "0.0.0.0:0", "", true},
		{"a short one on loopback", "127.0.0.1:0", "x", true},
		{"a short one on localhost", "localhost:0", "x", true},
		{"a short one on an empty host", ":0", "x", true},
		{"a short one on ::1", "[::1]:0", "x", true},
		{"one character off loopback", "0.0.0.0:0", "x", false},
		{"a short one on a host name", "myhost:0", "abc", false},
		{"32 hex digits", "0.0.0.0:0", hex32, true},
		{"31 hex digits", "0.0.0.0:0", hex32[1:], false},
		{"a UUID", "0.0.0.0:0", "550e8400-e29b-41d4-a716-446655440000", true},
		{"hex with dashes but too few digits", "0.0.0.0:0", "550e8400-e29b-41d4-a716-4466554400", false},
		{"22 base64 characters", "0.0.0.0:0", b64, true},
		{"21 base64 characters and padding", "0.0.0.0:0", b64[1:] + "==", false},
		{"39 decimal digits", "0.0.0.0:0", strings.Repeat("1234567890", 4)[:39], true},
		{"38 decimal digits", "0.0.0.0:0", strings.Repeat("1234567890", 4)[:38], false},
		{"a semicolon (breaks the cookie)", "127.0.0.1:0", hex32 + ";", false},
		{"a space", "127.0.0.1:0", "two words", false},
		{"a newline", "127.0.0.1:0", hex32 + "\n", false},
		{"non-ASCII", "0.0.0.0:0", hex32 + "é", false},
		{"too long", "0.0.0.0:0", strings.Repeat("a", maxTokenLen+1), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckToken(tc.addr, tc.token)
			if (err == nil) != tc.ok {
				t.Fatalf("CheckToken(%q, token) = %v, want ok %v", tc.addr, err, tc.ok)
			}
			if err != nil && len(tc.token) > 1 && strings.Contains(err.Error(), tc.token) {
				t.Errorf("the error quotes the token: %v", err)
			}
		})
	}
	// Start applies the same rule to the address it listened on.
	if _, err := Start(context.Background(), Options{Addr: "0.0.0.0:0", Token: "short"}); err == nil || !strings.Contains(err.Error(), "too weak") {
		t.Errorf("Start off loopback with a weak token: %v", err)
	}
	s := start(t, Options{Addr: "0.0.0.0:0", Token: hex32})
	if u, _ := url.Parse(s.URL()); u.Query().Get(tokenParam) != hex32 || s.TokenGenerated() {
		t.Errorf("URL %s with a given token (generated %v)", s.URL(), s.TokenGenerated())
	}
}

// TestHostNameGiven: a dashboard on a host name that resolves to loopback
// (Debian maps the machine's name to 127.0.1.1) prints its URL with that
// name, and that URL is answered (the Host check accepts the name given),
// while other names are still refused.
func TestHostNameGiven(t *testing.T) {
	name, err := os.Hostname()
	if err != nil || name == "" || net.ParseIP(name) != nil || strings.EqualFold(name, "localhost") {
		t.Skipf("host name %q: %v", name, err)
	}
	ips, err := net.LookupIP(name)
	if err != nil || len(ips) == 0 || !ips[0].IsLoopback() {
		t.Skipf("%s does not resolve to loopback here (%v %v)", name, ips, err)
	}
	s := start(t, Options{Addr: name + ":0"})
	if !s.loopback {
		t.Skipf("%s was bound off loopback", name)
	}
	u, _ := url.Parse(s.URL())
	if u.Hostname() != strings.ToLower(name) {
		t.Fatalf("URL %s: want the host name given, %s", s.URL(), name)
	}
	res, err := http.Get(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("GET %s = %d, want 200", s.URL(), res.StatusCode)
	}
	if res := do(t, s, "GET", "~/", "evil.example:"+u.Port(), nil); res.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("another name = %d, want 421", res.StatusCode)
	}
}
