package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/llmrec/llmrec/internal/testbin"
	"github.com/llmrec/llmrec/schemas"
	"github.com/llmrec/llmrec/schemas/runfile"
)

func TestRunFlags(t *testing.T) {
	t.Setenv("MY_KEY", "k-123")
	tests := []struct {
		args    []string
		check   func(*RunOptions) string
		wantErr string
	}{
		{args: nil, check: func(o *RunOptions) string {
			c := o.Config
			if c.Shape.StepUsers != 10 || c.Shape.StepTime != time.Minute || c.Shape.MaxUsers != 100 || c.WaitMin != 100*time.Millisecond || c.WaitMax != 500*time.Millisecond || c.Timeout != 120*time.Second || c.IdleTimeout != 30*time.Second || c.Grace != 30*time.Second || o.Out != "run.parquet" || !c.Stream || c.MaxTokens != 128 || c.API != "openai-chat" {
				return fmt.Sprintf("defaults differ from docs/METHOD.md: %+v", c)
			}
			return ""
		}},
		{args: []string{"--profile", "stress"}, check: func(o *RunOptions) string {
			if s := o.Config.Shape; s.StepUsers != 50 || s.MaxUsers != 200 || s.Duration != 15*time.Minute {
				return fmt.Sprintf("stress shape = %+v", s)
			}
			return ""
		}},
		{args: []string{"--profile", "stress", "--max-users", "120"}, check: func(o *RunOptions) string {
			if s := o.Config.Shape; s.StepUsers != 50 || s.MaxUsers != 120 {
				return fmt.Sprintf("explicit flag lost under a profile: %+v", s)
			}
			return ""
		}},
		// A shape of the user's own under the stress profile ends once its
		// top is held one step (as the default does), not at 15m; an
		// explicit --duration still wins.
		{args: []string{"--profile", "stress", "--step-time", "10s"}, check: func(o *RunOptions) string {
			if s := o.Config.Shape; s.StepUsers != 50 || s.MaxUsers != 200 || s.Duration != 0 || s.Total() != 40*time.Second {
				return fmt.Sprintf("stress with --step-time 10s: %+v, total %v; want 4 steps, 40s", s, s.Total())
			}
			if p := o.Config.Plan(); !strings.HasPrefix(p, "plan: 4 steps of 10s, 50 to 200 users, 50 more each step: 40s in all") {
				return "plan: " + p
			}
			return ""
		}},
		{args: []string{"--profile", "stress", "--step-time", "10s", "--duration", "5m"}, check: func(o *RunOptions) string {
			if s := o.Config.Shape; s.Duration != 5*time.Minute {
				return fmt.Sprintf("explicit --duration lost under a profile: %+v", s)
			}
			return ""
		}},
		{args: []string{"-H", "X-A: 1", "-H", "X-B:two", "--label", "model=v2", "--label", "commit=abc", "--api-key-env", "MY_KEY"}, check: func(o *RunOptions) string {
			c := o.Config
			if c.Headers.Get("X-A") != "1" || c.Headers.Get("X-B") != "two" || c.Labels["model"] != "v2" || c.Labels["commit"] != "abc" || c.APIKey != "k-123" {
				return fmt.Sprintf("headers %v labels %v key %q", c.Headers, c.Labels, c.APIKey)
			}
			return ""
		}},
		{args: []string{"--api", "http", "--target", "http://127.0.0.1:1/x", "--body", `{"q":"{{.Prompt}}"}`}, check: func(o *RunOptions) string {
			if o.Config.Stream || o.Config.Body == "" {
				return "http api: stream should default off and body be set"
			}
			return ""
		}},
		{args: []string{"-H", "NoColonSecretValue"}, wantErr: "-H #1: want 'Key: value'"},
		{args: []string{"--label", "novalue"}, wantErr: `--label #1: want key=value`},
		{args: []string{"--label", "a=b", "--label", "NoEqualsSecretValue"}, wantErr: `--label #2: want key=value`},
		{args: []string{"--label", "model=v2\x1b]0;owned\x07"}, wantErr: `--label "model": the key or the value is not valid UTF-8 or holds a control character`},
		{args: []string{"--label", "commit=a\tb"}, wantErr: `--label "commit": the key or the value`},
		{args: []string{"--label", "dir=a\u202eb"}, wantErr: `--label "dir": the key or the value`},
		{args: []string{"--step-users", "0", "--api", "soap"}, wantErr: "--step-users must be from 1 to 1000000"},
		{args: []string{"--profile", "gentle"}, wantErr: `unknown profile "gentle"`},
		{args: []string{"--target", "ftp://x"}, wantErr: "is not an http(s) URL"},
		{args: []string{"--prompts", "/nonexistent/prompts.jsonl"}, wantErr: "--prompts"},
		{args: []string{"--api", "grpc", "--step-users", "0", "--max-users", "-1", "--wait-min", "1s", "--wait-max", "1ms", "--timeout", "0s"},
			wantErr: "--api"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var got *RunOptions
			var out bytes.Buffer
			cmd := NewCmdRun(&IO{Out: &out, Err: &out}, func(o *RunOptions) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SetOut(&out)
			cmd.SetErr(&out)
			err := cmd.ExecuteContext(context.Background())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(tt.wantErr, "grpc") || slices.Contains(tt.args, "grpc") {
					// Every problem is reported at once, each by its flag.
					for _, want := range []string{"--api", "--step-users", "--max-users", "--wait-min", "--timeout"} {
						if !strings.Contains(err.Error(), want) {
							t.Errorf("error %q does not mention %s", err, want)
						}
					}
				}
				if strings.Contains(err.Error(), "NoColonSecretValue") || strings.Contains(err.Error(), "NoEqualsSecretValue") || strings.Contains(err.Error(), "owned") {
					t.Fatal("a header or label value was echoed in an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if msg := tt.check(got); msg != "" {
				t.Fatal(msg)
			}
		})
	}
}

func TestExitStatuses(t *testing.T) {
	tests := []struct {
		args []string
		want int
	}{
		{[]string{"version"}, 0},
		{[]string{"run", "--step-users", "-3"}, 2},
		{[]string{"run", "--no-such-flag"}, 2},
		{[]string{"recover"}, 2},
		{[]string{"recover", filepath.Join(t.TempDir(), "none.parquet")}, 1},
		{[]string{"run", "--target", "http://127.0.0.1:1", "--model", "m", "-o", filepath.Join(t.TempDir(), "r.parquet")}, 1},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		got := Main(context.Background(), tt.args, nil, &out, &errOut)
		if got != tt.want {
			t.Errorf("llmrec %v: exit %d, want %d (stderr %q)", tt.args, got, tt.want, errOut.String())
		}
		if got != 0 && (strings.Count(errOut.String(), "\n") != 1 || !strings.HasPrefix(errOut.String(), "llmrec: ")) {
			t.Errorf("llmrec %v: want one error line, got %q", tt.args, errOut.String())
		}
	}
}

// slowServer answers chat completions after delay and records when each
// response was finished.
type slowServer struct {
	*httptest.Server
	mu   sync.Mutex
	done []time.Time
}

func newSlowServer(t *testing.T, delay time.Duration) *slowServer {
	s := &slowServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/models" {
			fmt.Fprint(w, `{"data":[{"id":"m"}]}`)
			return
		}
		io.Copy(io.Discard, r.Body)
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
		fmt.Fprint(w, `{"choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`)
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		s.mu.Lock()
		s.done = append(s.done, time.Now())
		s.mu.Unlock()
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *slowServer) finishedBy(t time.Time) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, d := range s.done {
		if !d.After(t) {
			n++
		}
	}
	return n
}

func startRun(t *testing.T, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(testbin.Llmrec(t), append([]string{"run"}, args...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &out, &errOut
}

func countRows(t *testing.T, path string) (int64, *schemas.RunMeta) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	ft, err := runfile.ReadFooter(f, st.Size(), path)
	if err != nil {
		t.Fatalf("%s is not a valid run file: %v", path, err)
	}
	return ft.Rows, ft.Meta
}

func TestSIGINTGivesValidFile(t *testing.T) {
	srv := newSlowServer(t, 30*time.Millisecond)
	out := filepath.Join(t.TempDir(), "run.parquet")
	cmd, stdout, stderr := startRun(t, "--target", srv.URL, "--stream=false", "--step-users", "5", "--step-time", "1h", "--wait-min", "10ms", "--wait-max", "20ms", "-o", out)
	time.Sleep(1500 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Fatalf("exit %d (%v), want 130; stderr %s", code, err, stderr)
	}
	n, meta := countRows(t, out)
	if n == 0 || meta.EndReason != schemas.EndInterrupted {
		t.Fatalf("%d rows, end reason %s", n, meta.EndReason)
	}
	if !strings.Contains(stdout.String(), "interrupted") {
		t.Errorf("summary does not say interrupted: %s", stdout)
	}
}

func TestSIGKILLThenRecover(t *testing.T) {
	srv := newSlowServer(t, 20*time.Millisecond)
	out := filepath.Join(t.TempDir(), "run.parquet")
	cmd, _, stderr := startRun(t, "--target", srv.URL, "--stream=false", "--step-users", "8", "--step-time", "1h", "--wait-min", "5ms", "--wait-max", "10ms", "-o", out)
	time.Sleep(2500 * time.Millisecond)
	killedAt := time.Now()
	cmd.Process.Kill()
	cmd.Wait()
	if _, err := os.Stat(out + ".journal"); err != nil {
		t.Fatalf("no journal after SIGKILL: %v (stderr %s)", err, stderr)
	}
	// The same command again, as a user would type it, with and without
	// --force: it points to recover (exit 2), never to --force.
	for _, extra := range [][]string{nil, {"--force"}} {
		args := append([]string{"run", "--target", srv.URL, "--stream=false", "-o", out}, extra...)
		var aout, aerr bytes.Buffer
		code := Main(context.Background(), args, nil, &aout, &aerr)
		if code != exitUsage || !strings.Contains(aerr.String(), "llmrec recover "+out) || strings.Contains(aerr.String(), "pass --force") {
			t.Fatalf("rerun %v after SIGKILL: exit %d, %q; want exit 2 pointing to llmrec recover", extra, code, aerr.String())
		}
	}
	var rout, rerr bytes.Buffer
	if code := Main(context.Background(), []string{"recover", out}, nil, &rout, &rerr); code != 0 {
		t.Fatalf("recover exit %d: %s", code, rerr.String())
	}
	n, meta := countRows(t, out)
	// Every response the server finished more than a second before the kill
	// must be back (a little slack for the response to reach the client).
	want := srv.finishedBy(killedAt.Add(-1100 * time.Millisecond))
	if want < 50 || n < int64(want) {
		t.Fatalf("recovered %d rows; the server finished %d more than 1.1 s before the kill", n, want)
	}
	if meta.EndReason != schemas.EndInterrupted {
		t.Errorf("end reason %s", meta.EndReason)
	}
	t.Logf("recovered %d rows, %d finished >1.1s before the kill: %s", n, want, rout.String())
}

// TestSecretsNeverWritten plants secrets in a header, the API key variable,
// URL userinfo and a URL query, makes the server fail echoing them, and
// greps every artifact.
func TestSecretsNeverWritten(t *testing.T) {
	const hdrSecret, keySecret, userSecret, querySecret = "hdrSECRET1111", "keySECRET2222", "pwSECRET3333", "qSECRET4444"
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		i := n
		mu.Unlock()
		if r.URL.Path == "/v1/models" {
			fmt.Fprint(w, `{"data":[{"id":"m"}]}`)
			return
		}
		echo := r.Header.Get("Authorization") + " " + r.Header.Get("X-Tenant") + " " + r.URL.String()
		if i%2 == 0 {
			http.Error(w, "denied for "+echo, http.StatusInternalServerError)
			return
		}
		http.Redirect(w, r, "http://127.0.0.1:1/?token="+querySecret, http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	dir := t.TempDir()
	hostport := strings.TrimPrefix(srv.URL, "http://")
	for i, args := range [][]string{
		{"--target", "http://user:" + userSecret + "@" + hostport + "/?api_key=" + querySecret},
		{"--api", "http", "--body", `{"p":"{{.Prompt}}"}`, "--target", "http://user:" + userSecret + "@" + hostport + "/gen?token=" + querySecret + "&x=1"},
	} {
		out := filepath.Join(dir, fmt.Sprintf("run%d.parquet", i))
		cmd := exec.Command(testbin.Llmrec(t), append([]string{"run", "-H", "X-Tenant: " + hdrSecret, "--step-users", "2", "--step-time", "800ms", "--max-users", "2", "--wait-min", "10ms", "--wait-max", "20ms", "-o", out}, args...)...)
		cmd.Env = append(os.Environ(), "OPENAI_API_KEY="+keySecret)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("run %d: %v: %s", i, err, stderr.String())
		}
		file, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := countRows(t, out)
		if rows == 0 {
			t.Fatal("no rows")
		}
		for name, b := range map[string][]byte{"file": file, "stdout": stdout.Bytes(), "stderr": stderr.Bytes()} {
			for _, s := range []string{hdrSecret, keySecret, userSecret, querySecret} {
				if bytes.Contains(b, []byte(s)) {
					t.Errorf("run %d: secret %s found in %s", i, s, name)
				}
			}
		}
	}
}

// TestRunBuiltinSimulator: with no --target the command starts the
// simulator, says so, discovers its model and records both in the file.
// Before the first request it says its plan: steps, levels, length.
func TestRunBuiltinSimulator(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run.parquet")
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{"run", "--step-users", "2", "--step-time", "1s", "--max-users", "4",
		"--max-tokens", "8", "--sim-profile", "knee", "-o", out}, nil, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "load-testing the built-in simulator (profile knee)") || !strings.Contains(stderr.String(), "model: ") {
		t.Errorf("no notice of the simulator and its model: %q", stderr.String())
	}
	const plan = "plan: 2 steps of 1s, 2 to 4 users, 2 more each step: 2s in all (the top held one step), then up to 30s (--grace) for the requests in flight\n"
	if i, j := strings.Index(stderr.String(), plan), strings.Index(stderr.String(), "\nstep "); i < 0 || j < 0 || i > j {
		t.Errorf("the plan is not said before the first status line: %q", stderr.String())
	}
	n, meta := countRows(t, out)
	if n == 0 || meta.Simulator != "knee" || meta.Model == "" || meta.EndReason != schemas.EndCompleted {
		t.Fatalf("%d rows, simulator %q, model %q, end %s", n, meta.Simulator, meta.Model, meta.EndReason)
	}
}
