package browsertest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Browser is a headless Chromium driven over the DevTools protocol on a
// pipe (--remote-debugging-pipe: commands on fd 3, replies and events on
// fd 4, each message JSON ended by a NUL byte). Standard library only.
type Browser struct {
	cmd  *exec.Cmd
	in   io.WriteCloser // our end of fd 3
	done chan struct{}  // closed when the reader stops

	mu      sync.Mutex
	next    int
	pending map[int]chan Message
	events  []Message
	readErr error
}

type Message struct {
	ID        int             `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

// FindChromium returns the path of a Chromium binary on PATH, or "".
func FindChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// RequireChromium returns the Chromium to test what in a browser. Without
// one it fails under CI (where .ci/run installs it) and otherwise skips
// loudly, on stderr too, so that a missing browser is never silent.
func RequireChromium(t *testing.T, what string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	path := FindChromium()
	if path == "" {
		msg := "NO CHROMIUM on PATH: " + what + " was NOT checked in a browser. Install it: apt-get install -y chromium"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		fmt.Fprintln(os.Stderr, "!!! "+t.Name()+" SKIPPED: "+msg)
		t.Skip(msg)
	}
	return path
}

// Start starts Chromium headless with every network path closed: no
// background services, all host names unresolvable and a proxy that
// refuses connections, loopback addresses included unless loopback is set
// (127.0.0.1 only, for a page served by the test). It is stopped when the test
// ends.
func Start(t *testing.T, path string, loopback bool) *Browser {
	t.Helper()
	profile := t.TempDir()
	resolve, bypass := "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-bypass-list=<-loopback>" // even loopback goes to the refusing proxy
	if loopback {
		// Only 127.0.0.1 is reachable, directly.
		resolve, bypass = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--proxy-bypass-list=127.0.0.1"
	}
	toChrome, ourIn, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	ourOut, fromChrome, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(path,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-extensions", "--disable-default-apps", "--no-first-run", "--no-default-browser-check",
		"--disable-domain-reliability", "--disable-client-side-phishing-detection", "--metrics-recording-only",
		resolve, "--proxy-server=127.0.0.1:9", bypass,
		"--window-size=1280,1800", "--hide-scrollbars",
		"--user-data-dir="+profile, "--remote-debugging-pipe", "about:blank")
	cmd.ExtraFiles = []*os.File{toChrome, fromChrome} // fd 3, fd 4
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, err := os.CreateTemp(profile, "stderr")
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	toChrome.Close()
	fromChrome.Close()
	b := &Browser{cmd: cmd, in: ourIn, done: make(chan struct{}), pending: map[int]chan Message{}}
	go b.read(ourOut)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_, _ = b.Call(ctx, "", "Browser.close", nil)
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // the browser's own process group
			<-exited
		}
		ourIn.Close()
		ourOut.Close()
		stderr.Close()
	})
	return b
}

func (b *Browser) read(r io.Reader) {
	defer close(b.done)
	br := bufio.NewReaderSize(r, 1<<20)
	for {
		raw, err := br.ReadBytes(0)
		if err != nil {
			b.mu.Lock()
			b.readErr = err
			for id, ch := range b.pending {
				close(ch)
				delete(b.pending, id)
			}
			b.mu.Unlock()
			return
		}
		var m Message
		if json.Unmarshal(raw[:len(raw)-1], &m) != nil {
			continue
		}
		b.mu.Lock()
		if m.ID != 0 {
			if ch, ok := b.pending[m.ID]; ok {
				ch <- m
				delete(b.pending, m.ID)
			}
		} else {
			b.events = append(b.events, m)
		}
		b.mu.Unlock()
	}
}

// Call sends one command (to a page session when session is set) and
// waits for its reply.
func (b *Browser) Call(ctx context.Context, session, method string, params any) (json.RawMessage, error) {
	b.mu.Lock()
	if b.readErr != nil {
		b.mu.Unlock()
		return nil, fmt.Errorf("%s: browser gone: %w", method, b.readErr)
	}
	b.next++
	id := b.next
	ch := make(chan Message, 1)
	b.pending[id] = ch
	b.mu.Unlock()
	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if session != "" {
		msg["sessionId"] = session
	}
	raw, err := json.Marshal(msg)
	if err != nil {
		return nil, err
	}
	if _, err := b.in.Write(append(raw, 0)); err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	select {
	case m, ok := <-ch:
		if !ok {
			return nil, fmt.Errorf("%s: browser closed the pipe", method)
		}
		if m.Error != nil {
			return nil, fmt.Errorf("%s: %s (%d)", method, m.Error.Message, m.Error.Code)
		}
		return m.Result, nil
	case <-ctx.Done():
		b.mu.Lock()
		delete(b.pending, id)
		b.mu.Unlock()
		return nil, fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

// EventsOf returns the events received so far for one session.
func (b *Browser) EventsOf(session string) []Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []Message
	for _, e := range b.events {
		if e.SessionID == session {
			out = append(out, e)
		}
	}
	return out
}

// OpenPage creates a fresh tab, attaches to it and turns on the domains
// the checks observe, with the network emulated offline when offline is
// set (a page from file://; a page served from loopback needs it on). It returns the
// session id and a function that closes the tab.
func (b *Browser) OpenPage(ctx context.Context, offline bool) (string, func(), error) {
	res, err := b.Call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"})
	if err != nil {
		return "", nil, err
	}
	var tg struct {
		TargetID string `json:"targetId"`
	}
	if err := json.Unmarshal(res, &tg); err != nil {
		return "", nil, err
	}
	closeTab := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, _ = b.Call(ctx, "", "Target.closeTarget", map[string]any{"targetId": tg.TargetID})
	}
	res, err = b.Call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": tg.TargetID, "flatten": true})
	if err != nil {
		return "", closeTab, err
	}
	var at struct {
		SessionID string `json:"sessionId"`
	}
	if err := json.Unmarshal(res, &at); err != nil {
		return "", closeTab, err
	}
	s := at.SessionID
	for _, c := range []struct {
		method string
		params any
	}{
		{"Page.enable", nil},
		{"Runtime.enable", nil},
		{"Log.enable", nil},
		{"Network.enable", nil},
		{"Network.emulateNetworkConditions", map[string]any{"offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}},
	} {
		if _, err := b.Call(ctx, s, c.method, c.params); err != nil {
			return "", closeTab, err
		}
	}
	return s, closeTab, nil
}

// Eval evaluates a JavaScript expression in the page and decodes its
// value into v.
func (b *Browser) Eval(ctx context.Context, session, expr string, v any) error {
	res, err := b.Call(ctx, session, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true})
	if err != nil {
		return err
	}
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	if err := json.Unmarshal(res, &r); err != nil {
		return err
	}
	if r.ExceptionDetails != nil {
		return errors.New("evaluate: " + r.ExceptionDetails.Text + " " + r.ExceptionDetails.Exception.Description)
	}
	return json.Unmarshal(r.Result.Value, v)
}

// Open is OpenPage for a test: the tab is closed when the test ends, and
// a failure to open it, or to navigate it to url (skipped when url is ""),
// fails the test. It returns the session id.
func (b *Browser) Open(t *testing.T, ctx context.Context, offline bool, url string) string {
	t.Helper()
	session, closeTab, err := b.OpenPage(ctx, offline)
	if closeTab != nil {
		t.Cleanup(closeTab)
	}
	if err != nil {
		t.Fatal(err)
	}
	if url != "" {
		if _, err := b.Call(ctx, session, "Page.navigate", map[string]any{"url": url}); err != nil {
			t.Fatal(err)
		}
	}
	return session
}
