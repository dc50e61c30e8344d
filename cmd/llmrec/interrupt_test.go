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
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/llmrec/llmrec/internal/testbin"
	"github.com/llmrec/llmrec/schemas"
)

// TestSecondSIGINTStopsAtOnce: the first Ctrl-C starts the grace period,
// which waits for requests the server never finishes, and says so (the
// grace's length, "Ctrl-C again"); a second Ctrl-C ends the process at
// once, and llmrec recover rebuilds the file with every row completed more
// than a second before. The same when llmrec starts with SIGINT ignored,
// as a shell script's "llmrec ... &" starts it: both Ctrl-Cs still work.
func TestSecondSIGINTStopsAtOnce(t *testing.T) {
	for _, tt := range []struct {
		name    string
		ignored bool
	}{{"SIGINT caught", false}, {"started with SIGINT ignored", true}} {
		t.Run(tt.name, func(t *testing.T) { testSecondSIGINT(t, tt.ignored) })
	}
}

func testSecondSIGINT(t *testing.T, ignored bool) {
	var hang atomic.Bool
	var mu sync.Mutex
	var done []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		delay := 20 * time.Millisecond
		if hang.Load() {
			delay = time.Hour
		}
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
		fmt.Fprint(w, `{"choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]}`)
		w.(http.Flusher).Flush()
		mu.Lock()
		done = append(done, time.Now())
		mu.Unlock()
	}))
	defer srv.Close()

	out := filepath.Join(t.TempDir(), "run.parquet")
	args := []string{"--target", srv.URL, "--model", "m", "--stream=false", "--step-users", "6", "--step-time", "1h",
		"--wait-min", "5ms", "--wait-max", "10ms", "--grace", "30s", "-o", out}
	var cmd *exec.Cmd
	stderr := &bytes.Buffer{}
	if ignored {
		// sh execs llmrec in place: the signals go to llmrec itself, which
		// inherits SIGINT ignored.
		cmd = exec.Command("sh", append([]string{"-c", `trap "" INT; exec "$0" run "$@"`, testbin.Llmrec(t)}, args...)...)
		cmd.Stderr = stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
	} else {
		cmd, _, stderr = startRun(t, args...)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	time.Sleep(2500 * time.Millisecond) // 50 rows or more: sh starts the second case later
	hang.Store(true)                    // from now on requests stay in flight
	time.Sleep(100 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGINT)
	select {
	case err := <-exited:
		t.Fatalf("the first SIGINT did not wait for in-flight requests (exit %v): the test proves nothing; stderr %s", err, stderr)
	case <-time.After(1500 * time.Millisecond): // a status tick or more: the notice is out
	}
	second := time.Now()
	cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-exited:
	case <-time.After(3 * time.Second):
		cmd.Process.Kill()
		<-exited
		t.Fatalf("still running 3 s after the second SIGINT (grace 30s); stderr %s", stderr)
	}
	took := time.Since(second)
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !(ws.Signaled() && ws.Signal() == syscall.SIGINT) && cmd.ProcessState.ExitCode() != 130 {
		t.Errorf("process state %v; want killed by SIGINT or exit 130", cmd.ProcessState)
	}
	if took > time.Second {
		t.Errorf("the second SIGINT took %v to stop the process", took)
	}
	for _, want := range []string{"interrupted by SIGINT (Ctrl-C): no new requests; those in flight get up to 30s (--grace)",
		"Ctrl-C again to stop at once", "llmrec recover " + out, "SIGINT (Ctrl-C) again: stopped at once"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}

	if _, err := os.Stat(out + ".journal"); err != nil {
		t.Fatalf("no journal after the second SIGINT: %v", err)
	}
	var rout, rerr bytes.Buffer
	if code := Main(context.Background(), []string{"recover", out}, nil, &rout, &rerr); code != 0 {
		t.Fatalf("recover exit %d: %s", code, rerr.String())
	}
	n, meta := countRows(t, out)
	mu.Lock()
	want := 0
	for _, d := range done {
		if d.Before(second.Add(-1100 * time.Millisecond)) {
			want++
		}
	}
	mu.Unlock()
	if want < 50 || n < int64(want) {
		t.Fatalf("recovered %d rows; the server finished %d more than 1.1 s before the second SIGINT", n, want)
	}
	if meta.EndReason != schemas.EndInterrupted {
		t.Errorf("end reason %s", meta.EndReason)
	}
	t.Logf("stopped %v after the second SIGINT; recovered %d rows (%d required)", took.Round(time.Millisecond), n, want)
}
