package record

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/llmrec/llmrec/record/sim"
	"github.com/llmrec/llmrec/schemas"
	"github.com/llmrec/llmrec/schemas/runfile"
)

// The tests that use runE2E drive the engine against real loopback servers
// (httptest or the built-in simulator) and write real run files: they
// check what the target client and the engine do together under faults.
// The engine's own logic is tested in engine_test.go on a fake clock.

// e2eConfig is a Config plus what llmrec run adds around it.
type e2eConfig struct {
	Config
	Out   string
	Force bool
	Sim   sim.Config // started when Target is empty
}

// runE2E does what llmrec run does: check the output path, start the
// simulator when there is no target, connect, create the run file, run.
func runE2E(ctx context.Context, c e2eConfig) (*Summary, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if err := runfile.CheckPath(c.Out, c.Force, false); err != nil {
		return nil, err
	}
	if c.Target == "" {
		srv, err := sim.Listen(context.WithoutCancel(ctx), "127.0.0.1:0", c.Sim)
		if err != nil {
			return nil, err
		}
		defer srv.Close()
		c.Target, c.Simulator = srv.URL, c.Sim.Profile
	}
	client, err := Connect(ctx, &c.Config)
	if err != nil {
		return nil, err
	}
	f, err := runfile.Create(c.Out, c.Force, false)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Run(ctx, c.Config, client, f)
}

// readRun reads a run file back with parquet-go: its rows and metadata.
func readRun(t testing.TB, path string) ([]schemas.Record, *schemas.RunMeta) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	ft, err := runfile.ReadFooter(f, st.Size(), path)
	if err != nil {
		t.Fatalf("run file is not valid: %v", err)
	}
	meta := ft.Meta
	rows, err := parquet.Read[schemas.Record](f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	return rows, meta
}

// chatServer is a minimal OpenAI-compatible server: non-streaming chat
// completions after delay, counting the requests it saw.
func chatServer(t *testing.T, delay time.Duration, seen *atomic.Int64) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/models" {
			fmt.Fprint(w, `{"object":"list","data":[{"id":"m1","object":"model"}]}`)
			return
		}
		seen.Add(1)
		io.Copy(io.Discard, r.Body) // the server notices a client going away only once the body is read
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"hi there"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}`)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func quickConfig(t *testing.T, tgt string) e2eConfig {
	cfg := e2eConfig{Config: DefaultConfig(), Sim: sim.DefaultConfig()}
	cfg.Target = tgt
	cfg.Stream = false
	cfg.Shape = Shape{StepUsers: 2, StepTime: 700 * time.Millisecond, MaxUsers: 4}
	cfg.WaitMin, cfg.WaitMax = 5*time.Millisecond, 20*time.Millisecond
	cfg.Grace = 2 * time.Second
	cfg.Out = filepath.Join(t.TempDir(), "run.parquet")
	cfg.Labels = map[string]string{"model": "m1", "commit": "abc"}
	cfg.Seed = 7
	return cfg
}
