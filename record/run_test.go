package record

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/llmrec/llmrec/schemas"
	"github.com/llmrec/llmrec/schemas/runfile"
)

// readRun reads a run file back with parquet-go: its rows and metadata.
func readRun(t *testing.T, path string) ([]schemas.Record, *schemas.RunMeta) {
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

func quickConfig(t *testing.T, tgt string) Config {
	cfg := DefaultConfig()
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

func TestRunOneRowPerRequest(t *testing.T) {
	var seen atomic.Int64
	srv := chatServer(t, 20*time.Millisecond, &seen)
	cfg := quickConfig(t, srv.URL)
	sum, err := Run(context.Background(), cfg, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	rows, meta := readRun(t, cfg.Out)
	if int64(len(rows)) != seen.Load() || sum.Rows != seen.Load() || len(rows) < 20 {
		t.Fatalf("server saw %d requests, file has %d rows, summary %d", seen.Load(), len(rows), sum.Rows)
	}
	if _, err := os.Stat(runfile.JournalPath(cfg.Out)); !os.IsNotExist(err) {
		t.Error("journal left beside a complete run")
	}
	if meta.EndReason != schemas.EndCompleted || meta.Model != "m1" || meta.Labels["commit"] != "abc" || meta.Requests != int64(len(rows)) {
		t.Errorf("meta = %+v", meta)
	}
	if meta.Shape.StepUsers != 2 || meta.Shape.MaxUsers != 4 || meta.Timeouts.GraceS != 2 || meta.Generator.GOMAXPROCS == 0 {
		t.Errorf("meta shape/timeouts/generator = %+v %+v %+v", meta.Shape, meta.Timeouts, meta.Generator)
	}
	seqs := make([]int64, len(rows))
	for i, r := range rows {
		seqs[i] = r.Seq
		if !r.OK || r.Status != 200 || r.RunID != meta.RunID || r.LatencyMS < 20 {
			t.Fatalf("row %d = %+v", i, r)
		}
		if r.Start.Before(r.ScheduledAt) || r.Start.Before(meta.StartedAt) {
			t.Fatalf("row %d: start %v before scheduled %v or run start", i, r.Start, r.ScheduledAt)
		}
		wantStep := int32(r.Start.Sub(meta.StartedAt)/cfg.Shape.StepTime) + 1
		if r.Step != wantStep || r.Users < 1 || r.Users > 4 || r.User < 1 || r.User > 4 {
			t.Fatalf("row %d: step %d (want %d), users %d, user %d", i, r.Step, wantStep, r.Users, r.User)
		}
		if r.PromptTokens == nil || *r.PromptTokens != 3 || *r.OutputTokens != 2 {
			t.Fatalf("row %d: usage not recorded", i)
		}
	}
	slices.Sort(seqs)
	for i, s := range seqs {
		if s != int64(i) {
			t.Fatalf("sequence numbers are not 0..n-1: %v", seqs)
		}
	}
}

func TestRunLatencyHonesty(t *testing.T) {
	// A server with a fixed 50 ms delay: recorded latencies sit just above it.
	var seen atomic.Int64
	srv := chatServer(t, 50*time.Millisecond, &seen)
	cfg := quickConfig(t, srv.URL)
	if _, err := Run(context.Background(), cfg, Hooks{}); err != nil {
		t.Fatal(err)
	}
	rows, _ := readRun(t, cfg.Out)
	lat := make([]float64, len(rows))
	for i, r := range rows {
		lat[i] = r.LatencyMS
	}
	slices.Sort(lat)
	if lat[0] < 50 {
		t.Fatalf("a latency below the server's fixed delay: %.3f ms", lat[0])
	}
	if med := lat[len(lat)/2]; med > 75 {
		t.Fatalf("median latency %.2f ms: more than 25 ms of client overhead over a 50 ms server", med)
	}
}

func TestRunGraceCancels(t *testing.T) {
	var seen atomic.Int64
	srv := chatServer(t, time.Hour, &seen) // never answers
	cfg := quickConfig(t, srv.URL)
	cfg.Model = "m1"
	cfg.Shape = Shape{StepUsers: 3, StepTime: 300 * time.Millisecond, MaxUsers: 3, SpawnRate: 1000}
	cfg.Grace = 200 * time.Millisecond
	if _, err := Run(context.Background(), cfg, Hooks{}); err != nil {
		t.Fatal(err)
	}
	rows, meta := readRun(t, cfg.Out)
	if len(rows) != 3 || meta.EndReason != schemas.EndCompleted {
		t.Fatalf("%d rows, end %s; want 3 canceled rows", len(rows), meta.EndReason)
	}
	for _, r := range rows {
		if r.OK || r.ErrorClass == nil || *r.ErrorClass != schemas.ErrCanceled {
			t.Fatalf("row %+v: want error_class canceled", r)
		}
		if r.LatencyMS < 450 || r.LatencyMS > 5000 {
			t.Fatalf("canceled after %.0f ms; want the 300 ms run plus 200 ms grace", r.LatencyMS)
		}
	}
}

func TestRunInterruptedWritesValidFile(t *testing.T) {
	var seen atomic.Int64
	srv := chatServer(t, 10*time.Millisecond, &seen)
	cfg := quickConfig(t, srv.URL)
	cfg.Shape.StepTime = time.Hour
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if _, err := Run(ctx, cfg, Hooks{}); err != nil {
		t.Fatal(err)
	}
	rows, meta := readRun(t, cfg.Out)
	if meta.EndReason != schemas.EndInterrupted || int64(len(rows)) != seen.Load() || len(rows) == 0 {
		t.Fatalf("end %s, %d rows, server saw %d", meta.EndReason, len(rows), seen.Load())
	}
}

func TestRunRefusesExistingOutput(t *testing.T) {
	var seen atomic.Int64
	srv := chatServer(t, 0, &seen)
	cfg := quickConfig(t, srv.URL)
	os.WriteFile(cfg.Out, []byte("precious"), 0o644)
	_, err := Run(context.Background(), cfg, Hooks{})
	if !errors.Is(err, runfile.ErrOutputExists) {
		t.Fatalf("err = %v, want ErrOutputExists", err)
	}
	if b, _ := os.ReadFile(cfg.Out); string(b) != "precious" || seen.Load() != 0 {
		t.Fatalf("existing file touched or requests sent (%d)", seen.Load())
	}
}

func TestRunUnreachableTarget(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	cfg := quickConfig(t, url)
	start := time.Now()
	_, err := Run(context.Background(), cfg, Hooks{})
	if err == nil || time.Since(start) > 15*time.Second {
		t.Fatalf("err = %v after %v", err, time.Since(start))
	}
	if _, serr := os.Stat(cfg.Out); !os.IsNotExist(serr) {
		t.Error("run file created for a run that never started")
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	cfg := DefaultConfig()
	cfg.API = "grpc"
	cfg.Shape.StepUsers = 0
	cfg.Shape.MaxUsers = -1
	cfg.WaitMin, cfg.WaitMax = time.Second, time.Millisecond
	cfg.Timeout = 0
	err := cfg.Validate()
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"--api", "--step-users", "--max-users", "--wait-min", "--timeout"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

// stepFigures gives the exact p95 (linear interpolation) of successful latencies
// per step, and the failure rate per step.
func stepFigures(rows []schemas.Record) (p95 map[int32]float64, fail map[int32]float64) {
	lat := map[int32][]float64{}
	n, bad := map[int32]int{}, map[int32]int{}
	for _, r := range rows {
		if r.ErrorClass != nil && *r.ErrorClass == schemas.ErrCanceled {
			continue // in flight when the run ended
		}
		n[r.Step]++
		if r.OK {
			lat[r.Step] = append(lat[r.Step], r.LatencyMS)
		} else {
			bad[r.Step]++
		}
	}
	p95, fail = map[int32]float64{}, map[int32]float64{}
	for s, c := range n {
		fail[s] = float64(bad[s]) / float64(c)
		v := lat[s]
		slices.Sort(v)
		if len(v) == 0 {
			p95[s] = math.NaN()
			continue
		}
		pos := 0.95 * float64(len(v)-1)
		lo := int(pos)
		hi := min(lo+1, len(v)-1)
		p95[s] = v[lo] + (pos-float64(lo))*(v[hi]-v[lo])
	}
	return p95, fail
}

// TestRunSimulatorProfiles records a whole run against each profile of the
// built-in simulator and checks the growth each is meant to show.
func TestRunSimulatorProfiles(t *testing.T) {
	if testing.Short() {
		t.Skip("records three short runs")
	}
	for _, profile := range []string{"linear", "knee", "shed"} {
		t.Run(profile, func(t *testing.T) {
			t.Parallel()
			cfg := quickConfig(t, "")
			cfg.Stream = true
			cfg.Sim.Profile = profile
			cfg.Sim.Slots = 4
			cfg.Sim.Seed = 1
			cfg.MaxTokens = 16 // ~130 ms a request at no load
			cfg.Shape = Shape{StepUsers: 4, StepTime: 2 * time.Second, MaxUsers: 16}
			cfg.WaitMin, cfg.WaitMax = 50*time.Millisecond, 100*time.Millisecond
			var notices []string
			if _, err := Run(context.Background(), cfg, Hooks{Notice: func(s string) { notices = append(notices, s) }}); err != nil {
				t.Fatal(err)
			}
			if len(notices) == 0 || !strings.Contains(notices[0], "built-in simulator") {
				t.Errorf("no notice that the simulator is used: %q", notices)
			}
			rows, meta := readRun(t, cfg.Out)
			if meta.Simulator != profile || meta.Model == "" {
				t.Errorf("meta simulator %q model %q", meta.Simulator, meta.Model)
			}
			p95, fail := stepFigures(rows)
			t.Logf("%s: p95 by step %v, failure rate %v", profile, p95, fail)
			switch profile {
			case "linear", "knee":
				if !(p95[4] > 1.5*p95[1]) {
					t.Errorf("p95 at 16 users %.0f ms is not well above p95 at 4 users %.0f ms", p95[4], p95[1])
				}
				if fail[4] > 0 {
					t.Errorf("failures under %s: %v", profile, fail)
				}
				for _, r := range rows {
					if r.OK && (r.TTFTMS == nil || r.OutputTokens == nil || r.Chunks == 0) {
						t.Fatalf("streamed row without ttft/tokens/chunks: %+v", r)
					}
				}
			case "shed":
				if fail[1] > 0 || fail[4] < 0.2 {
					t.Errorf("shed: failure rate by step %v; want none at 4 users, many at 16", fail)
				}
				if p95[4] > 2*p95[1] {
					t.Errorf("shed: latency grew (%.0f → %.0f ms); want it flat", p95[1], p95[4])
				}
			}
		})
	}
}

func TestRunStopOnSaturation(t *testing.T) {
	cfg := quickConfig(t, "")
	cfg.Sim.Profile = "shed"
	cfg.Sim.Slots = 3
	cfg.Shape = Shape{StepUsers: 3, StepTime: 1500 * time.Millisecond, MaxUsers: 30}
	cfg.BaselineUsers = 3
	cfg.StopOnSaturation = true
	cfg.WaitMin, cfg.WaitMax = 10*time.Millisecond, 30*time.Millisecond
	sum, err := Run(context.Background(), cfg, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Meta.EndReason != schemas.EndSaturated || sum.Meta.EndDetail == "" {
		t.Fatalf("end %q (%s); want saturated", sum.Meta.EndReason, sum.Meta.EndDetail)
	}
	if d := sum.Meta.EndedAt.Sub(sum.Meta.StartedAt); d > 10*time.Second {
		t.Fatalf("ran %v of a 15 s schedule; saturation should stop it early", d)
	}
	js, _ := json.Marshal(sum.Meta)
	t.Logf("%s", js)
}

func TestRunRefusesUnwritableOutput(t *testing.T) {
	var seen atomic.Int64
	srv := chatServer(t, 0, &seen)
	for _, out := range []string{
		filepath.Join(t.TempDir(), "no-such-dir", "run.parquet"),
		filepath.Join(t.TempDir(), "file-not-dir", "run.parquet"),
	} {
		os.WriteFile(filepath.Dir(filepath.Dir(out))+"/file-not-dir", nil, 0o644)
		cfg := quickConfig(t, srv.URL)
		cfg.Out = out
		_, err := Run(context.Background(), cfg, Hooks{})
		if err == nil || !strings.Contains(err.Error(), out) {
			t.Fatalf("%s: err = %v", out, err)
		}
	}
	if seen.Load() != 0 {
		t.Fatalf("%d requests sent before the output was checked", seen.Load())
	}
}
