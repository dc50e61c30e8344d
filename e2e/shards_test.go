package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/internal/testbin"
	"github.com/llmrec/llmrec/report/view"
	"github.com/llmrec/llmrec/schemas"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if demoDir != "" {
		os.RemoveAll(demoDir) // the demo run demo_test.go recorded
	}
	os.Exit(code)
}

// serviceTime is the server's fixed time per request: long enough that
// the loaded machine's scheduling noise is small beside it, so per-step
// p95 is stable from run to run.
const serviceTime = 200 * time.Millisecond

// fixedServer answers every chat completion after serviceTime, counting
// the requests it saw.
func fixedServer(t *testing.T, seen *atomic.Int64) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" {
			http.NotFound(w, r)
			return
		}
		seen.Add(1)
		io.Copy(io.Discard, r.Body)
		select {
		case <-time.After(serviceTime):
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// shape: three 4 s steps of 6 users up to 18; with 200 ms per request and
// 10-30 ms of think time a user sends ~4 requests a second, so step 1 has
// ~100 samples.
func runFlags(target string) []string {
	return []string{"run", "--target", target, "--model", "m", "--stream=false", "--step-users", "6", "--step-time", "4s",
		"--max-users", "18", "--wait-min", "10ms", "--wait-max", "30ms", "--grace", "5s", "--seed", "11"}
}

func startShards(t *testing.T, dir, target string, n int, extra ...string) ([]*exec.Cmd, []*bytes.Buffer) {
	t.Helper()
	bin := testbin.Llmrec(t) // before the start time is set: a first call may build it
	at := time.Now().Add(3 * time.Second).UTC().Format(time.RFC3339Nano)
	var cmds []*exec.Cmd
	var errs []*bytes.Buffer
	for i := range n {
		args := append(runFlags(target), append([]string{"--shard", fmt.Sprintf("%d/%d", i, n), "--start-at", at,
			"-o", filepath.Join(dir, fmt.Sprintf("shard-%d.parquet", i))}, extra...)...)
		cmd := exec.Command(bin, args...)
		var errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &errOut, &errOut
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, errs = append(cmds, cmd), append(errs, &errOut)
	}
	return cmds, errs
}

func readRows(t *testing.T, path string) []schemas.Record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	rows, err := parquet.Read[schemas.Record](f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func analyzeRun(t *testing.T, paths ...string) *analyze.Analysis {
	t.Helper()
	opts := analyze.DefaultOptions()
	opts.Warmup, opts.Window, opts.Threads = 0, 4*time.Second, 2
	a, err := analyze.Analyze(context.Background(), opts, paths...)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// shardWarnings are the warnings about the shards as a set (missing,
// started apart, joined late). A shard's own generator health (it sent
// late, it was CPU-bound) is left out: on a busy machine it is a true
// warning, and not what these tests are about.
func shardWarnings(a *analyze.Analysis) []string {
	var w []string
	for _, s := range view.WarningTexts(a.Warnings) {
		if strings.Contains(s, "shard") && !strings.HasPrefix(s, "the load generator of shard") {
			w = append(w, s)
		}
	}
	return w
}

// TestThreeShardsAreOneRun: three `llmrec run --shard i/3 --start-at T`
// processes against one server make one run: the shape's user counts per
// step, unique (shard, seq) pairs, a row for every request the server
// saw, and per-step p95 within 10% of one recorder with the same flags.
func TestThreeShardsAreOneRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs four recorders for about 30 s")
	}
	var seen atomic.Int64
	srv := fixedServer(t, &seen)
	dir := t.TempDir()

	single := filepath.Join(dir, "single.parquet")
	if out, err := exec.Command(testbin.Llmrec(t), append(runFlags(srv.URL), "-o", single)...).CombinedOutput(); err != nil {
		t.Fatalf("single recorder: %v\n%s", err, out)
	}
	one := analyzeRun(t, single)
	seen.Store(0)

	cmds, outs := startShards(t, dir, srv.URL, 3)
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("shard %d: %v\n%s", i, err, outs[i])
		}
		if o := outs[i].String(); !strings.Contains(o, fmt.Sprintf("shard %d/3: waiting for start-at", i)) ||
			!strings.Contains(o, fmt.Sprintf("shard %d/3: ran 6 of the schedule's 18 users (33%% of the load)", i)) {
			t.Errorf("shard %d did not say it waited and what share it ran:\n%s", i, o)
		}
	}
	a := analyzeRun(t, filepath.Join(dir, "shard-*.parquet"))
	if w := shardWarnings(a); len(w) > 0 {
		t.Errorf("shard warnings on a clean sharded run: %q", w)
	}
	if len(a.Run.Shards) != 3 || a.Run.Rows != seen.Load() {
		t.Fatalf("%d shards, %d rows; the server saw %d requests", len(a.Run.Shards), a.Run.Rows, seen.Load())
	}
	pairs := map[[2]int64]bool{}
	for k := range 3 {
		for _, r := range readRows(t, filepath.Join(dir, fmt.Sprintf("shard-%d.parquet", k))) {
			p := [2]int64{int64(r.Shard), r.Seq}
			if pairs[p] || r.Shard != int32(k) || (r.User-1)%3 != int32(k) || !r.OK {
				t.Fatalf("shard %d: row shard %d seq %d user %d ok %t (duplicate %t)", k, r.Shard, r.Seq, r.User, r.OK, pairs[p])
			}
			pairs[p] = true
		}
	}
	if int64(len(pairs)) != seen.Load() {
		t.Errorf("%d unique (shard, seq) pairs; the server saw %d requests", len(pairs), seen.Load())
	}
	if len(a.Steps) != 3 || len(one.Steps) != 3 {
		t.Fatalf("steps: sharded %d, single %d; want 3", len(a.Steps), len(one.Steps))
	}
	for i, s := range a.Steps {
		if want := 6 * (i + 1); s.Users != want || one.Steps[i].Users != want {
			t.Errorf("step %d: %d users sharded, %d single; the shape has %d", s.Step, s.Users, one.Steps[i].Users, want)
		}
		p, q := *s.P95MS, *one.Steps[i].P95MS
		if math.Abs(p-q) > 0.1*q || s.Samples < 80 {
			t.Errorf("step %d: p95 %.1f ms over %d samples sharded, %.1f ms single: more than 10%% apart", s.Step, p, s.Samples, q)
		}
		t.Logf("step %d: %d users, p95 %.1f ms sharded (%d samples), %.1f ms single (%d)", s.Step, s.Users, p, s.Samples, q, one.Steps[i].Samples)
	}
}

// TestShardKilledThenRecovered: a shard killed mid-run (SIGKILL) and
// rebuilt with `llmrec recover` reads with the others as a complete run
// with nothing missing; without one shard's file the analysis names it.
func TestShardKilledThenRecovered(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three recorders for about 15 s")
	}
	var seen atomic.Int64
	srv := fixedServer(t, &seen)
	dir := t.TempDir()
	cmds, outs := startShards(t, dir, srv.URL, 3)
	time.Sleep(3*time.Second + 6*time.Second) // start-at, then half the schedule
	if err := cmds[1].Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for i, c := range cmds {
		err := c.Wait()
		if i != 1 && err != nil {
			t.Fatalf("shard %d: %v\n%s", i, err, outs[i])
		}
	}
	killed := filepath.Join(dir, "shard-1.parquet")
	if out, err := exec.Command(testbin.Llmrec(t), "recover", killed).CombinedOutput(); err != nil {
		t.Fatalf("llmrec recover: %v\n%s", err, out)
	}
	a := analyzeRun(t, filepath.Join(dir, "shard-*.parquet"))
	if w := shardWarnings(a); len(w) > 0 {
		t.Errorf("warnings about shards after recover: %q", w)
	}
	rows := map[int]int64{}
	for _, s := range a.Run.Shards {
		rows[s.Shard] = s.Rows
	}
	if len(rows) != 3 || rows[1] < 20 || rows[1] >= rows[0] || a.Run.Rows > seen.Load() {
		t.Fatalf("shards' rows %v (shard 1 was killed half-way), %d in all, the server saw %d", rows, a.Run.Rows, seen.Load())
	}
	if len(a.Steps) != 3 || a.Steps[2].Users != 18 {
		t.Errorf("steps %d; the last with %d users; want 3 and 18", len(a.Steps), a.Steps[len(a.Steps)-1].Users)
	}

	if err := os.Remove(filepath.Join(dir, "shard-2.parquet")); err != nil {
		t.Fatal(err)
	}
	a = analyzeRun(t, filepath.Join(dir, "shard-*.parquet"))
	if w := shardWarnings(a); len(w) != 1 || !strings.HasPrefix(w[0], "shard 2 of 3 is missing") {
		t.Errorf("without shard 2's file, shard warnings %q; want one: shard 2 of 3 is missing", w)
	}
}
