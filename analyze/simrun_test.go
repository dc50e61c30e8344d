package analyze

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/llmrec/llmrec/record"
	"github.com/llmrec/llmrec/record/sim"
	"github.com/llmrec/llmrec/schemas"
	"github.com/llmrec/llmrec/schemas/runfile"
)

// simShape is a short step load for real simulator runs.
type simShape struct {
	stepUsers, maxUsers int
	stepTime            time.Duration
	waitMin, waitMax    time.Duration
	maxTokens           int
}

// recordSimRun records a real run: the built-in simulator (cfg) on a
// loopback port, driven by the recorder's engine, written by its run-file
// writer.
func recordSimRun(t *testing.T, cfg sim.Config, sh simShape) string {
	t.Helper()
	ctx := context.Background()
	srv, err := sim.Listen(ctx, "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	rc := record.DefaultConfig()
	rc.Target, rc.Simulator = srv.URL, cfg.Profile
	rc.MaxTokens = sh.maxTokens
	rc.Shape = record.Shape{StepUsers: sh.stepUsers, StepTime: sh.stepTime, MaxUsers: sh.maxUsers}
	rc.WaitMin, rc.WaitMax = sh.waitMin, sh.waitMax
	rc.Grace = 5 * time.Second
	rc.Seed = 7
	client, err := record.Connect(ctx, &rc)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), cfg.Profile+".parquet")
	f, err := runfile.Create(path, false, false)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := record.Run(ctx, rc, client, f); err != nil {
		t.Fatal(err)
	}
	return path
}

// readRunFile reads a run file's rows and metadata.
func readRunFile(t *testing.T, path string) ([]schemas.Record, *schemas.RunMeta) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	ft, err := runfile.ReadFooter(f, st.Size(), path)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := parquet.Read[schemas.Record](f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	return rows, ft.Meta
}
