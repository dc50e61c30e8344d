package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/llmrec/llmrec/record/sim"
)

// TestTargetKeyNeverShown: an API key that is a path segment of --target
// (a gateway that takes it in the path) reaches neither the live
// dashboard's page (a real GET while the run goes) nor the terminal nor
// the run file, and no error about the target quotes it: a scheme that is
// not http(s), no host, a URL that does not parse, a port that refuses.
func TestTargetKeyNeverShown(t *testing.T) {
	const key = "sk-TESTSECRET-abcdef0123456789"
	t.Setenv("OPENAI_API_KEY", key)
	s, err := sim.New(sim.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.StripPrefix("/"+key, s))
	t.Cleanup(srv.Close)

	t.Run("dashboard", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "run.parquet")
		run := startDashRun(t, "--target", srv.URL+"/"+key+"/", "--dashboard", "127.0.0.1:0",
			"--step-users", "1", "--max-users", "1", "--step-time", "1h", "--wait-min", "10ms", "--wait-max", "20ms", "-o", out)
		c := &http.Client{Timeout: 5 * time.Second}
		res, err := c.Get(run.url)
		if err != nil {
			t.Fatal(err)
		}
		page, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %v", run.url, res.StatusCode, err)
		}
		if bytes.Contains(page, []byte(key[:12])) {
			t.Errorf("the dashboard page holds the key: %s", page[bytes.Index(page, []byte(key[:12]))-80:][:160])
		}
		if want := `<span id="target">` + srv.URL + `/REDACTED/</span>`; !bytes.Contains(page, []byte(want)) {
			t.Errorf("the page does not show the target as %s", want)
		}
		time.Sleep(500 * time.Millisecond)
		run.cmd.Process.Signal(syscall.SIGINT)
		if code := run.wait(t, 40*time.Second); code != exitInterrupted {
			t.Fatalf("exit %d after SIGINT: %s", code, run.output())
		}
		raw, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if rows, _ := countRows(t, out); rows == 0 {
			t.Errorf("no rows: %s", run.output())
		}
		for name, b := range map[string][]byte{"terminal": []byte(run.output()), "run file": raw} {
			if bytes.Contains(b, []byte(key[:12])) {
				t.Errorf("the %s holds the key", name)
			}
		}
	})

	for _, tgt := range []string{
		"ftp://127.0.0.1:1/" + key + "/",           // not http(s)
		"http:///" + key + "/",                     // no host
		"http://127.0.0.1:1/" + key + "/%zz",       // does not parse
		"http://127.0.0.1:1/" + key + "/?k=" + key, // refuses connections
	} {
		t.Run(tgt, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Main(context.Background(), []string{"run", "--target", tgt, "--model", "m", "--step-users", "1", "--max-users", "1",
				"--step-time", "1s", "-o", filepath.Join(t.TempDir(), "run.parquet")}, nil, &stdout, &stderr)
			msg := stderr.String()
			if code == 0 || !strings.Contains(msg, "target") {
				t.Fatalf("exit %d, stderr %q: want a failure about the target", code, msg)
			}
			if strings.Contains(msg+stdout.String(), key[:12]) {
				t.Errorf("the error quotes the key: %q", msg)
			}
			t.Logf("exit %d: %s", code, strings.TrimSpace(msg))
		})
	}
}
