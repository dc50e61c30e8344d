package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/llmrec/llmrec/internal/browsertest"
	"github.com/llmrec/llmrec/internal/testbin"
	"github.com/llmrec/llmrec/record"
	"github.com/llmrec/llmrec/schemas"
)

// dashRun is llmrec run started with --dashboard, its stderr collected as
// it comes.
type dashRun struct {
	cmd    *exec.Cmd
	url    string
	exited chan struct{}
	mu     sync.Mutex
	stderr bytes.Buffer
	stdout bytes.Buffer
}

// startDashRun starts llmrec run with args and waits for the line that
// prints the dashboard's URL.
func startDashRun(t *testing.T, args ...string) *dashRun {
	t.Helper()
	return startDashRunCmd(t, exec.Command(testbin.Llmrec(t), append([]string{"run"}, args...)...))
}

// startDashRunCmd starts cmd, an llmrec run with --dashboard, and waits
// for the line that prints the dashboard's URL.
func startDashRunCmd(t *testing.T, cmd *exec.Cmd) *dashRun {
	t.Helper()
	r := &dashRun{cmd: cmd, exited: make(chan struct{})}
	r.cmd.Stdout = &lockedWriter{mu: &r.mu, w: &r.stdout}
	errPipe, err := r.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan string, 1)
	go func() {
		defer close(r.exited)
		sc := bufio.NewScanner(errPipe)
		for sc.Scan() {
			line := sc.Text()
			r.mu.Lock()
			r.stderr.WriteString(line + "\n")
			r.mu.Unlock()
			if u, ok := strings.CutPrefix(line, "live dashboard: "); ok {
				u, _, _ = strings.Cut(u, " ") // the URL, without a note after it
				found <- u
			}
		}
		_ = r.cmd.Wait()
	}()
	t.Cleanup(func() {
		select {
		case <-r.exited:
		default:
			_ = r.cmd.Process.Kill()
			<-r.exited
		}
	})
	select {
	case r.url = <-found:
	case <-r.exited:
		t.Fatalf("llmrec exited before printing the dashboard URL: %s", r.output())
	case <-time.After(30 * time.Second):
		t.Fatalf("no dashboard URL after 30 s: %s", r.output())
	}
	return r
}

func (r *dashRun) output() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stdout.String() + r.stderr.String()
}

// wait waits for the process to end and returns its exit status.
func (r *dashRun) wait(t *testing.T, d time.Duration) int {
	t.Helper()
	select {
	case <-r.exited:
	case <-time.After(d):
		t.Fatalf("llmrec still running %v later: %s", d, r.output())
	}
	return r.cmd.ProcessState.ExitCode()
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// dashState is what the browser test reads from the page.
type dashState struct {
	Updates  int             `json:"updates"`
	Charts   int             `json:"charts"`
	Painted  int             `json:"painted"`
	Step     string          `json:"step"`
	Users    string          `json:"users"`
	State    string          `json:"state"`
	RunFile  string          `json:"runfile"`
	Command  string          `json:"command"`
	Note     string          `json:"note"`
	Images   int             `json:"images"`
	Last     json.RawMessage `json:"last"`
	Disabled bool            `json:"disabled"`
}

const dashStateJS = `(() => {
  const charts = document.querySelectorAll("div.chart");
  let painted = 0;
  for (const el of charts) {
    const c = el.querySelector("canvas");
    if (!c || !c.width || !c.height) continue;
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < d.length; i += 4 * 7) { if (d[i] !== 0) { painted++; break; } }
  }
  const t = id => document.getElementById(id).textContent;
  const api = window.llmrecDashboard;
  return {updates: api ? api.updates() : 0, charts: charts.length, painted: painted,
    step: t("step"), users: t("users"), state: t("state"), runfile: t("runfile"), command: t("command"),
    note: document.querySelector(".note").textContent, images: document.images.length,
    last: api ? api.last() : null, disabled: document.getElementById("stop").disabled};
})()`

// TestDashboardInBrowser: a short run against the built-in simulator with
// the dashboard on a free loopback port, opened in a real headless
// Chromium that can reach nothing but loopback. After three updates every
// chart has a painted canvas and the step and users shown are those of the
// schedule; the console has no error (a CSP violation would be one) and
// no request leaves the dashboard. The Stop button then ends the run as
// Ctrl-C does: exit 130, a complete file, end reason interrupted with the
// dashboard named. The run file's name is hostile markup: it shows as text.
func TestDashboardInBrowser(t *testing.T) {
	chromium := browsertest.RequireChromium(t, "the live dashboard")
	dir := t.TempDir()
	name := `<img src=x onerror=alert(1)>.parquet`
	out := filepath.Join(dir, name)
	shape := record.Shape{StepUsers: 2, StepTime: 2 * time.Second, MaxUsers: 20}
	run := startDashRun(t, "--dashboard", "127.0.0.1:0", "--step-users", "2", "--step-time", "2s", "--max-users", "20",
		"--wait-min", "10ms", "--wait-max", "50ms", "--sim-profile", "linear", "-o", out)
	base, err := url.Parse(run.url)
	if err != nil || base.Hostname() != "127.0.0.1" || base.Port() == "0" || base.RawQuery != "" {
		t.Fatalf("dashboard URL %q: want http://127.0.0.1:PORT/ without a token", run.url)
	}

	b := browsertest.Start(t, chromium, true)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	session := b.Open(t, ctx, false, run.url)
	var st dashState
	for by := time.Now().Add(45 * time.Second); ; {
		err := b.Eval(ctx, session, dashStateJS, &st) // fails until the page has loaded
		if err != nil {
			var href string
			_ = b.Eval(ctx, session, "location.href + ' ' + document.title", &href)
			err = fmt.Errorf("%w (page %s)", err, href)
		}
		if err == nil && st.Updates >= 3 && st.Charts > 0 && st.Painted == st.Charts {
			break
		}
		if time.Now().After(by) {
			t.Fatalf("after 45 s: %d updates, %d charts, %d painted; state %q; last read: %v; problems:\n%s\nllmrec: %s",
				st.Updates, st.Charts, st.Painted, st.State, err, problems(b.EventsOf(session), base), run.output())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if st.Charts != 6 {
		t.Errorf("%d charts, want 6 (users/rps, latency, TTFT, tokens/s, failures, generator)", st.Charts)
	}
	var last struct {
		T     float64 `json:"t"`
		Step  int     `json:"step"`
		Users int     `json:"users"`
	}
	if err := json.Unmarshal(st.Last, &last); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Duration(last.T * float64(time.Second))
	if want := shape.StepAt(elapsed); last.Step != want || st.Step != strings.Join([]string{strconv.Itoa(want), strconv.Itoa(shape.Steps())}, " / ") {
		t.Errorf("at %v the page shows step %q (point %d); the schedule is at step %d of %d", elapsed, st.Step, last.Step, want, shape.Steps())
	}
	// Users are started on schedule: those due by now, give or take a late spawn.
	lo, hi := usersBy(shape, elapsed-300*time.Millisecond), usersBy(shape, elapsed)
	if last.Users < lo || last.Users > hi || st.Users != strconv.Itoa(last.Users) {
		t.Errorf("at %v the page shows %q users (point %d); the schedule has %d..%d", elapsed, st.Users, last.Users, lo, hi)
	}
	if !strings.Contains(st.Note, "live and approximate") || st.Command != "llmrep analyze "+out {
		t.Errorf("note %q, command %q: want the live/approximate warning and llmrep analyze %s", st.Note, st.Command, out)
	}
	if !strings.Contains(st.RunFile, name) || st.Images != 0 {
		t.Errorf("run file shown as %q with %d images: the hostile name must show as text", st.RunFile, st.Images)
	}
	if st.Disabled {
		t.Error("the Stop button is disabled during the run")
	}

	// Stop through the page.
	var clicked bool
	if err := b.Eval(ctx, session, `(() => { document.getElementById("stop").click(); return true; })()`, &clicked); err != nil {
		t.Fatal(err)
	}
	code := run.wait(t, 40*time.Second)
	if code != exitInterrupted {
		t.Errorf("exit status %d after Stop, want %d; %s", code, exitInterrupted, run.output())
	}
	rows, meta := countRows(t, out)
	if meta.EndReason != schemas.EndInterrupted || meta.EndDetail != errStoppedFromDashboard.Error() || rows == 0 || rows != meta.Requests {
		t.Errorf("file: %d rows, meta requests %d, end %s (%q); want a complete interrupted file naming the dashboard", rows, meta.Requests, meta.EndReason, meta.EndDetail)
	}
	if _, err := os.Stat(out + ".journal"); !os.IsNotExist(err) {
		t.Errorf("the journal is still there after a graceful stop: %v", err)
	}
	for _, p := range problems(b.EventsOf(session), base) {
		// The stream ends when the server shuts down; a reconnect attempt after that is no fault of the page.
		if !strings.Contains(p, "ERR_CONNECTION_REFUSED") {
			t.Error(p)
		}
	}
}

// usersBy is how many users the shape has started by elapsed.
func usersBy(s record.Shape, elapsed time.Duration) int {
	n := 0
	for i := 0; ; i++ {
		at, ok := s.UserStart(i)
		if !ok || at > elapsed {
			return n
		}
		n++
	}
}

// problems lists what is wrong in a page's events: console errors (CSP
// violations are reported as such), uncaught exceptions, dialogs, and
// requests anywhere but the dashboard.
func problems(events []browsertest.Message, base *url.URL) []string {
	var out []string
	for _, e := range events {
		var p struct {
			Type             string `json:"type"`
			ExceptionDetails struct {
				Text      string `json:"text"`
				Exception struct {
					Description string `json:"description"`
				} `json:"exception"`
			} `json:"exceptionDetails"`
			Entry struct {
				Level, Source, Text, URL string
			} `json:"entry"`
			Request struct {
				URL string `json:"url"`
			} `json:"request"`
			Message string `json:"message"`
			Args    []struct {
				Value any `json:"value"`
			} `json:"args"`
		}
		_ = json.Unmarshal(e.Params, &p)
		switch e.Method {
		case "Runtime.consoleAPICalled":
			if p.Type == "error" || p.Type == "assert" {
				b, _ := json.Marshal(p.Args)
				out = append(out, "console."+p.Type+": "+string(b))
			}
		case "Runtime.exceptionThrown":
			out = append(out, "uncaught exception: "+p.ExceptionDetails.Text+" "+p.ExceptionDetails.Exception.Description)
		case "Log.entryAdded":
			if p.Entry.Level == "error" {
				out = append(out, "console error ("+p.Entry.Source+"): "+p.Entry.Text+" "+p.Entry.URL)
			}
		case "Network.requestWillBeSent":
			// data: URLs are ECharts painting (img-src data:); they go nowhere.
			u, err := url.Parse(p.Request.URL)
			if err != nil || (u.Scheme != "data" && (u.Scheme != "http" || u.Host != base.Host)) {
				out = append(out, "a request left the dashboard: "+p.Request.URL)
			}
		case "Page.javascriptDialogOpening":
			out = append(out, "a dialog opened: "+p.Message)
		}
	}
	return out
}

// TestDashboardTokenOffLoopback: on every interface with no token given,
// llmrec generates one; a request without it is refused (401), with it
// the page and its stream answer; and the token appears nowhere but the
// one line that prints the URL: not elsewhere in the terminal, not in the
// run file.
func TestDashboardTokenOffLoopback(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run.parquet")
	run := startDashRun(t, "--dashboard", "0.0.0.0:0", "--step-users", "2", "--step-time", "1h", "--wait-min", "10ms", "--wait-max", "20ms",
		"--sim-profile", "linear", "-o", out)
	u, err := url.Parse(run.url)
	if err != nil {
		t.Fatal(err)
	}
	tok := u.Query().Get("token")
	if len(tok) < 32 {
		t.Fatalf("URL %q carries no generated token", run.url)
	}
	local := "http://127.0.0.1:" + u.Port() + strings.TrimSuffix(u.Path, "/") // the page is under a random prefix
	get := func(path string, h http.Header) int {
		req, _ := http.NewRequest("GET", local+path, nil)
		for k, v := range h {
			req.Header[k] = v
		}
		c := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for _, p := range []string{"/", "/events", "/?token=" + strings.Repeat("0", len(tok))} {
		if code := get(p, nil); code != http.StatusUnauthorized {
			t.Errorf("GET %s without the token = %d, want 401", p, code)
		}
	}
	if code := get("/", http.Header{"Authorization": {"Bearer " + tok}}); code != http.StatusOK {
		t.Errorf("GET / with the token = %d", code)
	}
	if code := get("/?token="+tok, nil); code != http.StatusSeeOther {
		t.Errorf("GET /?token=TOKEN = %d, want 303 (the token traded for a cookie)", code)
	}
	time.Sleep(1500 * time.Millisecond)
	run.cmd.Process.Signal(syscall.SIGINT)
	if code := run.wait(t, 40*time.Second); code != exitInterrupted {
		t.Fatalf("exit %d after SIGINT: %s", code, run.output())
	}
	text := run.output()
	if n := strings.Count(text, tok); n != 1 {
		t.Errorf("the token appears %d times in the terminal, want once (the URL line):\n%s", n, text)
	}
	if line := regexp.MustCompile(`(?m)^.*` + tok + `.*$`).FindString(text); !strings.HasPrefix(line, "live dashboard: http://") {
		t.Errorf("the token is printed in %q, not only in the URL line", line)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if rows, _ := countRows(t, out); rows == 0 || bytes.Contains(raw, []byte(tok)) {
		t.Errorf("run file: %d rows, contains the token: %v", rows, bytes.Contains(raw, []byte(tok)))
	}
}

// TestDashboardLinger: with --dashboard-linger the page stays up after the
// run, showing its end, then the server is shut down and llmrec exits.
func TestDashboardLinger(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run.parquet")
	run := startDashRun(t, "--dashboard", ":0", "--dashboard-linger", "3s", "--step-users", "2", "--step-time", "1s", "--max-users", "2",
		"--wait-min", "10ms", "--wait-max", "20ms", "--sim-profile", "linear", "--grace", "5s", "-o", out)
	u, err := url.Parse(run.url)
	if err != nil || u.Hostname() != "127.0.0.1" {
		t.Fatalf("--dashboard :0 gave %q; want a loopback URL", run.url)
	}
	waitUntil := time.Now().Add(30 * time.Second)
	for !strings.Contains(run.output(), "stays up for 3s") {
		if time.Now().After(waitUntil) {
			t.Fatalf("the run did not end and linger: %s", run.output())
		}
		time.Sleep(50 * time.Millisecond)
	}
	res, err := http.Get(run.url + "events")
	if err != nil {
		t.Fatalf("the dashboard is down during the linger: %v", err)
	}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(nil, 1<<20)
	var events []string
	for sc.Scan() && len(events) < 3 {
		if name, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
			events = append(events, name)
		}
	}
	// The server ends the stream when the linger is over.
	ended := make(chan struct{})
	go func() { io.Copy(io.Discard, res.Body); close(ended) }()
	if strings.Join(events, ",") != "history,table,end" {
		t.Errorf("events during the linger: %v; want history, table, end", events)
	}
	if code := run.wait(t, 15*time.Second); code != 0 {
		t.Errorf("exit %d after the linger: %s", code, run.output())
	}
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Error("the event stream was not ended when llmrec exited")
	}
	res.Body.Close()
	if rows, meta := countRows(t, out); rows == 0 || meta.EndReason != schemas.EndCompleted {
		t.Errorf("%d rows, end %s", rows, meta.EndReason)
	}
}

// TestDashboardFlag: a --dashboard value that is not host:port is a usage
// error, found before anything starts.
func TestDashboardFlag(t *testing.T) {
	tests := []struct {
		addr, wantErr string
	}{
		{"127.0.0.1:0", ""},
		{":8089", ""},
		{"0.0.0.0:0", ""},
		{"8089", `--dashboard: address "8089": want host:port`},
		{"127.0.0.1:http", `--dashboard: address "127.0.0.1:http"`},
		{"127.0.0.1:70000", `--dashboard: address "127.0.0.1:70000"`},
	}
	for _, tc := range tests {
		t.Run(tc.addr, func(t *testing.T) {
			ran := false
			var out bytes.Buffer
			cmd := NewCmdRun(&IO{Out: &out, Err: &out}, func(*RunOptions) error { ran = true; return nil })
			cmd.SetArgs([]string{"--dashboard", tc.addr})
			cmd.SetOut(&out)
			cmd.SetErr(&out)
			err := cmd.ExecuteContext(context.Background())
			if tc.wantErr == "" {
				if err != nil || !ran {
					t.Fatalf("err = %v", err)
				}
				return
			}
			var ue usageError
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.As(err, &ue) || ran {
				t.Fatalf("err = %v (ran %v), want the usage error %q", err, ran, tc.wantErr)
			}
		})
	}
}
