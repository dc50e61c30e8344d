package main

import (
	"bytes"
	"context"
	"errors"
	"github.com/llmrec/llmrec/internal/testbin"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/llmrec/llmrec/internal/browsertest"
)

// TestDashboardTokenSources: the dashboard's token comes from
// --dashboard-token or --dashboard-token-file (not both), else from
// $LLMREC_DASHBOARD_TOKEN; a flag wins over the environment and says so;
// a token file is a small regular file whose trailing newline is dropped
// (a FIFO is refused without waiting for a writer); off loopback a weak
// token is refused. Every refusal is a usage error that never quotes the
// token.
func TestDashboardTokenSources(t *testing.T) {
	dir := t.TempDir()
	const strong = "0123456789abcdef0123456789abcdef"
	const other = "fedcba9876543210fedcba9876543210"
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	nl, crlf := write("nl", strong+"\n"), write("crlf", strong+"\r\n")
	empty, big := write("empty", "\n"), write("big", strings.Repeat("a", 5000))
	weak := write("weak", "hunter2\n")
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		env       string
		args      []string
		want      string // the token, when accepted
		note      bool   // a note says the environment is ignored
		wantErr   string
		secretErr string // must not appear in the error
	}{
		{name: "the flag", args: []string{"--dashboard", "127.0.0.1:0", "--dashboard-token", "abc"}, want: "abc"},
		{name: "the environment", env: strong, args: []string{"--dashboard", "0.0.0.0:0"}, want: strong},
		{name: "no token on loopback", args: []string{"--dashboard", "127.0.0.1:0"}, want: ""},
		{name: "a file with a newline", args: []string{"--dashboard", "0.0.0.0:0", "--dashboard-token-file", nl}, want: strong},
		{name: "a file with CRLF", args: []string{"--dashboard", "0.0.0.0:0", "--dashboard-token-file", crlf}, want: strong},
		{name: "the flag wins over the environment", env: other, args: []string{"--dashboard", "0.0.0.0:0", "--dashboard-token", strong}, want: strong, note: true},
		{name: "the file wins over the environment", env: other, args: []string{"--dashboard", "0.0.0.0:0", "--dashboard-token-file", nl}, want: strong, note: true},
		{name: "the environment without --dashboard is ignored", env: "x", args: nil, want: ""},
		{name: "flag and file", args: []string{"--dashboard", "0.0.0.0:0", "--dashboard-token", strong, "--dashboard-token-file", nl}, wantErr: "--dashboard-token or --dashboard-token-file"},
		{name: "a flag without --dashboard", args: []string{"--dashboard-token", strong}, wantErr: "need --dashboard"},
		{name: "an empty flag", args: []string{"--dashboard", "127.0.0.1:0", "--dashboard-token", ""}, wantErr: "--dashboard-token is empty"},
		{name: "a FIFO", args: []string{"--dashboard", "0.0.0.0:0", "--dashboard-token-file", fifo}, wantErr: "not a regular file"},
		{name: "a directory", args: []string{"--dashboard", "0.0.0.0:0", "--dashboard-token-file", dir}, wantErr: "not a regular file"},
		{name: "a big file", args: []string{"--dashboard", "0.0.0.0:0", "--dashboard-token-file", big}, wantErr: "at most 4096 bytes"},
		{name: "an empty file", args: []string{"--dashboard", "0.0.0.0:0", "--dashboard-token-file", empty}, wantErr: "is empty"},
		{name: "a missing file", args: []string{"--dashboard", "0.0.0.0:0", "--dashboard-token-file", filepath.Join(dir, "nope")}, wantErr: "no such file"},
		{name: "one character off loopback", args: []string{"--dashboard", "0.0.0.0:0", "--dashboard-token", "x"}, wantErr: "--dashboard-token: the dashboard token is too weak"},
		{name: "a weak environment off loopback", env: "hunter2", args: []string{"--dashboard", "0.0.0.0:0"}, wantErr: "$LLMREC_DASHBOARD_TOKEN: the dashboard token is too weak", secretErr: "hunter2"},
		{name: "a weak file off loopback", args: []string{"--dashboard", "[::]:0", "--dashboard-token-file", weak}, wantErr: "--dashboard-token-file: the dashboard token is too weak", secretErr: "hunter2"},
		{name: "a cookie-breaking token", args: []string{"--dashboard", "127.0.0.1:0", "--dashboard-token", "a;b"}, wantErr: "may hold only letters"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(dashboardTokenEnv, tc.env)
			var got *RunOptions
			var out bytes.Buffer
			cmd := NewCmdRun(&IO{Out: &out, Err: &out}, func(o *RunOptions) error { got = o; return nil })
			cmd.SetArgs(tc.args)
			cmd.SetOut(&out)
			cmd.SetErr(&out)
			done := make(chan error, 1)
			go func() { done <- cmd.ExecuteContext(context.Background()) }()
			var err error
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("flag parsing hangs")
			}
			if tc.wantErr != "" {
				var ue usageError
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.As(err, &ue) {
					t.Fatalf("err = %v, want the usage error %q", err, tc.wantErr)
				}
				if tc.secretErr != "" && strings.Contains(err.Error(), tc.secretErr) {
					t.Errorf("the error quotes the token: %v", err)
				}
				return
			}
			if err != nil || got == nil {
				t.Fatalf("err = %v", err)
			}
			if got.DashboardToken != tc.want {
				t.Errorf("token %q, want %q", got.DashboardToken, tc.want)
			}
			if note := got.dashboardTokenNote; tc.note != (note != "") || strings.Contains(note, other) {
				t.Errorf("note %q, want one: %v (never the token)", note, tc.note)
			}
		})
	}
}

// TestDashboardTokenFromFile: a run whose dashboard listens on every
// interface with its token in a file (and another in the environment,
// ignored) answers only that token, and prints neither: the URL it prints
// names where the token is, and the terminal and the run file hold no
// token.
func TestDashboardTokenFromFile(t *testing.T) {
	dir := t.TempDir()
	const tok = "Zm9vYmFyYmF6cXV4cXV1eDEyMw" // 26 base64 characters
	const envTok = "fedcba9876543210fedcba9876543210"
	file := filepath.Join(dir, "token")
	if err := os.WriteFile(file, []byte(tok+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "run.parquet")
	cmd := exec.Command(testbin.Llmrec(t), "run", "--dashboard", "0.0.0.0:0", "--dashboard-token-file", file, "--step-users", "2", "--step-time", "1h",
		"--wait-min", "10ms", "--wait-max", "20ms", "--sim-profile", "linear", "-o", out)
	cmd.Env = append(os.Environ(), dashboardTokenEnv+"="+envTok)
	run := startDashRunCmd(t, cmd)
	u, err := url.Parse(run.url)
	if err != nil || u.RawQuery != "" || len(u.Path) < 3 {
		t.Fatalf("printed URL %q: want the page's address without the token", run.url)
	}
	local := "http://127.0.0.1:" + u.Port() + u.Path
	get := func(raw string, h http.Header) int {
		req, _ := http.NewRequest("GET", raw, nil)
		req.Header = h
		c := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := get(local, nil); code != http.StatusUnauthorized {
		t.Errorf("GET %s without the token = %d, want 401", local, code)
	}
	if code := get(local, http.Header{"Authorization": {"Bearer " + envTok}}); code != http.StatusUnauthorized {
		t.Errorf("with the environment's token (the file's wins) = %d, want 401", code)
	}
	if code := get(local, http.Header{"Authorization": {"Bearer " + tok}}); code != http.StatusOK {
		t.Errorf("with the file's token = %d, want 200", code)
	}
	if code := get(local+"?token="+tok, nil); code != http.StatusSeeOther {
		t.Errorf("with ?token= = %d, want 303", code)
	}
	time.Sleep(1500 * time.Millisecond)
	_ = run.cmd.Process.Signal(syscall.SIGINT)
	if code := run.wait(t, 40*time.Second); code != exitInterrupted {
		t.Fatalf("exit %d after SIGINT: %s", code, run.output())
	}
	text := run.output()
	if strings.Contains(text, tok) || strings.Contains(text, envTok) {
		t.Errorf("a token reached the terminal:\n%s", text)
	}
	if !strings.Contains(text, "--dashboard-token-file") || !strings.Contains(text, "$"+dashboardTokenEnv+" is ignored") {
		t.Errorf("the terminal does not say where the token is and that the environment's is ignored:\n%s", text)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(tok)) {
		t.Error("the run file holds the token")
	}
}

// TestDashboardTokenInBrowser: a dashboard on every interface opened in a
// real headless Chromium at the URL llmrec printed (through 127.0.0.1):
// the token is traded for a cookie the page's script cannot read, taken
// out of the address bar, and the event stream is authorized by that
// cookie (updates arrive); a reload keeps the session.
func TestDashboardTokenInBrowser(t *testing.T) {
	chromium := browsertest.RequireChromium(t, "the dashboard's token cookie")
	out := filepath.Join(t.TempDir(), "run.parquet")
	run := startDashRun(t, "--dashboard", "0.0.0.0:0", "--step-users", "2", "--step-time", "1h",
		"--wait-min", "10ms", "--wait-max", "50ms", "--sim-profile", "linear", "-o", out)
	u, err := url.Parse(run.url)
	if err != nil || u.Query().Get("token") == "" {
		t.Fatalf("URL %q: want a generated token", run.url)
	}
	u.Host = "127.0.0.1:" + u.Port() // the browser reaches loopback only
	b := browsertest.Start(t, chromium, true)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	session := b.Open(t, ctx, false, "")
	var st struct {
		Updates int    `json:"updates"`
		Path    string `json:"path"`
		Search  string `json:"search"`
		Cookie  string `json:"cookie"`
	}
	const js = `({updates: window.llmrecDashboard ? window.llmrecDashboard.updates() : 0,
	  path: location.pathname, search: location.search, cookie: document.cookie})`
	waitUpdates := func(n int, what string) {
		t.Helper()
		for by := time.Now().Add(30 * time.Second); ; {
			err := b.Eval(ctx, session, js, &st)
			if err == nil && st.Updates >= n {
				return
			}
			if time.Now().After(by) {
				t.Fatalf("%s: %d updates after 30 s (%v); page %+v; llmrec: %s", what, st.Updates, err, st, run.output())
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	if _, err := b.Call(ctx, session, "Page.navigate", map[string]any{"url": u.String()}); err != nil {
		t.Fatal(err)
	}
	waitUpdates(2, "the printed URL")
	if st.Path != u.Path || st.Search != "" || st.Cookie != "" {
		t.Errorf("page at %q%q, document.cookie %q: want %s without the token, and a cookie the script cannot read", st.Path, st.Search, st.Cookie, u.Path)
	}
	if _, err := b.Call(ctx, session, "Page.reload", map[string]any{}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	waitUpdates(2, "after a reload")
	_ = run.cmd.Process.Signal(syscall.SIGINT)
	run.wait(t, 40*time.Second)
}
