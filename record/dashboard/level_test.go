package dashboard

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// levelCalls records the levels SetLevel was called with; levels of 7 or
// more are refused, as the run refuses a level beyond its maximum.
type levelCalls struct {
	mu  sync.Mutex
	got []float64
}

func (c *levelCalls) set(v float64) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.got = append(c.got, v)
	if v >= 7 {
		return 0, errors.New("the users must be a whole number from 1 to the run's maximum users, 6; got 7")
	}
	return 4, nil
}

func (c *levelCalls) levels() []float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]float64(nil), c.got...)
}

// postLevel sends a level change (form value level) to the dashboard with
// the Host header and headers given; it returns the status and the body.
func postLevel(t *testing.T, s *Server, host, level string, h map[string]string) (int, string) {
	t.Helper()
	u, _ := url.Parse(s.URL())
	req, err := http.NewRequest("POST", "http://"+u.Host+s.prefix+"level", strings.NewReader(url.Values{"level": {level}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if host != "" {
		req.Host = host
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	res, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestLevelControl: on loopback a level change needs the page's
// anti-CSRF header and no foreign Origin or site, as Stop does; a level
// that is not a number or that the run refuses is a 400 whose body is the
// reason in one line; a change made answers the step it applies from. A
// dashboard without SetLevel offers no control and refuses the POST.
func TestLevelControl(t *testing.T) {
	var calls levelCalls
	s := start(t, Options{Addr: "127.0.0.1:0", SetLevel: calls.set})
	u, _ := url.Parse(s.URL())
	page := map[string]string{csrfHeader: s.csrf, "Origin": "http://" + u.Host, "Sec-Fetch-Site": "same-origin"}
	for _, h := range []map[string]string{nil, {csrfHeader: "nope"}, {csrfHeader: s.csrf, "Origin": "http://evil.example"},
		{csrfHeader: s.csrf, "Sec-Fetch-Site": "cross-site"}} {
		if code, body := postLevel(t, s, "", "3", h); code != http.StatusForbidden || !strings.Contains(body, "level change refused") {
			t.Errorf("headers %v: %d %q, want 403", h, code, body)
		}
	}
	if n := len(calls.levels()); n != 0 {
		t.Fatalf("refused requests changed the level %d times", n)
	}
	for _, tc := range []struct {
		level string
		code  int
		body  string
	}{
		{"abc", 400, "the level must be a number, such as 30\n"},
		{"NaN", 400, "the level must be a number, such as 30\n"},
		{"7", 400, "the users must be a whole number from 1 to the run's maximum users, 6; got 7\n"},
		{" 3 ", 200, `{"step":4,"level":3}` + "\n"},
	} {
		if code, body := postLevel(t, s, "", tc.level, page); code != tc.code || body != tc.body {
			t.Errorf("level %q: %d %q, want %d %q", tc.level, code, body, tc.code, tc.body)
		}
	}
	if got := calls.levels(); len(got) != 2 || got[0] != 7 || got[1] != 3 {
		t.Errorf("SetLevel called with %v, want 7 then 3", got)
	}
	if !strings.Contains(string(s.page), `"change":true`) {
		t.Error("the page's settings do not offer the level control")
	}
	none := start(t, Options{Addr: "127.0.0.1:0"})
	nu, _ := url.Parse(none.URL())
	if code, _ := postLevel(t, none, "", "3", map[string]string{csrfHeader: none.csrf, "Origin": "http://" + nu.Host}); code != http.StatusNotFound {
		t.Errorf("without SetLevel: %d, want 404", code)
	}
	if !strings.Contains(string(none.page), `"change":false`) {
		t.Error("a dashboard without SetLevel offers the level control")
	}
}

// TestLevelTokenOffLoopback: off loopback a level change without the
// token is refused (401) before anything else, even with the page's
// anti-CSRF header; with the token's cookie it works from the page's
// origin and is refused from another.
func TestLevelTokenOffLoopback(t *testing.T) {
	var calls levelCalls
	s := start(t, Options{Addr: "0.0.0.0:0", SetLevel: calls.set})
	u, _ := url.Parse(s.URL())
	tok := u.Query().Get(tokenParam)
	host := "127.0.0.1:" + u.Port()
	for _, h := range []map[string]string{{csrfHeader: s.csrf}, {csrfHeader: s.csrf, "Authorization": "Bearer wrong"}} {
		if code, _ := postLevel(t, s, host, "3", h); code != http.StatusUnauthorized {
			t.Errorf("without the token (%v): %d, want 401", h, code)
		}
	}
	cookie := "llmrec_dashboard_" + u.Port() + "=" + tok
	if code, _ := postLevel(t, s, host, "3", map[string]string{"Cookie": cookie, csrfHeader: s.csrf, "Origin": "http://evil.example"}); code != http.StatusForbidden {
		t.Errorf("with the token from a foreign origin: %d, want 403", code)
	}
	if n := len(calls.levels()); n != 0 {
		t.Fatalf("refused requests changed the level %d times", n)
	}
	if code, body := postLevel(t, s, host, "3", map[string]string{"Cookie": cookie, csrfHeader: s.csrf, "Origin": "http://" + host}); code != 200 || !strings.Contains(body, `"step":4`) {
		t.Errorf("with the token from the page: %d %q", code, body)
	}
}
