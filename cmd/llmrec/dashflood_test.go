package main

import (
	"context"
	"fmt"
	"github.com/llmrec/llmrec/internal/testbin"
	"net"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestDashboardFloodDoesNotFailTheRun: under `ulimit -n 300`, a short run
// of 40 users against the built-in simulator (80 sockets) with a loopback
// dashboard, while 300 raw TCP connections that send half a request are
// held open against the dashboard (and reopened as soon as it closes
// them), from before the first step to the end. Every request of the run
// succeeds, and no http.Server error ("http: Accept error") reaches the
// terminal: the dashboard holds at most its cap of connections, the
// others wait in the kernel's queue, and the run's file descriptors are
// its own.
func TestDashboardFloodDoesNotFailTheRun(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the file limit is set with ulimit -n, on linux")
	}
	out := filepath.Join(t.TempDir(), "run.parquet")
	run := startDashRunCmd(t, exec.Command("/bin/sh", "-c", `ulimit -n 300 && exec "$0" "$@"`, testbin.Llmrec(t), "run",
		"--dashboard", "127.0.0.1:0", "--step-users", "10", "--max-users", "40", "--step-time", "2s",
		"--wait-min", "10ms", "--wait-max", "30ms", "--sim-profile", "linear", "--grace", "3s", "-o", out))
	u, err := url.Parse(run.url)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 300 {
		wg.Go(func() { holdHalfRequests(ctx, u.Host) })
	}
	code := run.wait(t, 60*time.Second)
	cancel()
	wg.Wait()
	text := run.output()
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, text)
	}
	m := regexp.MustCompile(`(\d+) requests, (\d+) failed`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no summary:\n%s", text)
	}
	n, _ := strconv.Atoi(m[1])
	failed, _ := strconv.Atoi(m[2])
	if n < 100 || failed != 0 {
		t.Errorf("%d requests, %d failed while the dashboard was flooded; want none failed:\n%s", n, failed, text)
	}
	if strings.Contains(text, "http: ") {
		t.Errorf("http.Server errors reached the terminal:\n%s", text)
	}
	if rows, _ := countRows(t, out); rows != int64(n) {
		t.Errorf("file has %d rows, summary says %d", rows, n)
	}
}

// holdHalfRequests keeps one connection to addr open with half a request
// sent, reopening it whenever the server closes it, until ctx ends.
func holdHalfRequests(ctx context.Context, addr string) {
	d := net.Dialer{Timeout: time.Second}
	for ctx.Err() == nil {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			select {
			case <-ctx.Done():
			case <-time.After(50 * time.Millisecond):
			}
			continue
		}
		fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: %s\r\n", addr)
		stop := context.AfterFunc(ctx, func() { c.Close() })
		var b [1]byte
		_, _ = c.Read(b[:]) // until the server closes it or ctx ends
		stop()
		c.Close()
	}
}
