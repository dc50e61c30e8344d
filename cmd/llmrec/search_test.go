package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/compare"
	"github.com/llmrec/llmrec/analyze/gate"
	"github.com/llmrec/llmrec/analyze/level"
	"github.com/llmrec/llmrec/internal/testbin"
	"github.com/llmrec/llmrec/record"
	"github.com/llmrec/llmrec/record/sim"
	"github.com/llmrec/llmrec/schemas"
	"github.com/llmrec/llmrec/schemas/runfile"
)

// parseSearch parses llmrec search's flags without searching.
func parseSearch(args ...string) (*SearchOptions, error) {
	var got *SearchOptions
	var out bytes.Buffer
	cmd := NewCmdSearch(&IO{Out: &out, Err: &out}, func(o *SearchOptions) error { got = o; return nil })
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	err := cmd.ExecuteContext(context.Background())
	return got, err
}

func TestSearchFlags(t *testing.T) {
	for _, c := range []struct {
		args    []string
		check   func(*SearchOptions) string
		wantErr []string
	}{
		{args: []string{"--slo", "ttft=500ms"}, check: func(o *SearchOptions) string {
			s := o.Search
			if s.Users() || s.Run.OpenLoop.Kind != "poisson" || s.Start != 1 || s.Probe != 30*time.Second || s.Warmup != 10*time.Second || s.Looks != 5 ||
				s.Resolution != 0.1 || !s.Relative || s.Target != 0.9 || s.Alpha != 0.05 || s.SLO.TTFT != 500*time.Millisecond {
				return fmt.Sprintf("defaults %+v", s)
			}
			return ""
		}},
		{args: []string{"--slo", "latency=10s", "--users", "4", "--resolution", "2", "--slo-target", "95%"}, check: func(o *SearchOptions) string {
			s := o.Search
			if !s.Users() || s.Start != 4 || s.Min != 1 || s.Max != 1000 || s.Resolution != 2 || s.Relative || s.Target != 0.95 {
				return fmt.Sprintf("users search %+v", s)
			}
			return ""
		}},
		{args: []string{}, wantErr: []string{"--slo is needed"}},
		{args: []string{"--slo", "ttft=1s", "--slo-target", "100%"}, wantErr: []string{"--slo-target", "can never be shown met"}},
		{args: []string{"--slo", "ttft=1s", "--users", "4", "--rate", "3"}, wantErr: []string{"--rate applies to an open loop"}},
		{args: []string{"--slo", "ttft=1s", "--resolution", "150%"}, wantErr: []string{"--resolution"}},
		{args: []string{"--slo", "ttft=1s", "--arrival", "closed"}, wantErr: []string{"--arrival", "--users N"}},
		{args: []string{"--slo", "ttft=1s", "--probe", "100ms"}, wantErr: []string{"--probe must be at least 1s"}},
		{args: []string{"--slo", "ttft=1s", "--probe-looks", "30"}, wantErr: []string{"--probe-looks must be between 0 and 20"}},
		{args: []string{"--slo", "ttft=1s", "--probe-looks", "1"}, check: func(o *SearchOptions) string {
			if s := o.Search; s.Looks != 1 || s.MaxLooks() != 3 {
				return fmt.Sprintf("--probe-looks 1: %d looks a probe, %d a level; want 1 and 3", s.Looks, s.MaxLooks())
			}
			return ""
		}},
		{args: []string{"--slo", "bogus=1s"}, wantErr: []string{"unknown key"}},
		{args: []string{"--profile", "sweep"}, check: func(o *SearchOptions) string {
			s := o.Search
			if s.Sweep != 10 || s.Concurrency != 128 || s.Run.OpenLoop.Kind != "constant" || s.SLO.Set() {
				return fmt.Sprintf("sweep defaults %+v", s)
			}
			return ""
		}},
		{args: []string{"--profile", "sweep", "--users", "3"}, wantErr: []string{"--users applies to the capacity search"}},
		{args: []string{"--slo", "ttft=1s", "--sweep-points", "3"}, wantErr: []string{"--sweep-points applies to --profile sweep"}},
		{args: []string{"--profile", "fast"}, wantErr: []string{"--profile \"fast\""}},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			o, err := parseSearch(c.args...)
			if c.wantErr != nil {
				if err == nil {
					t.Fatalf("no error, want %q", c.wantErr)
				}
				for _, w := range c.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not say %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if msg := c.check(o); msg != "" {
				t.Error(msg)
			}
		})
	}
	var stdout, stderr bytes.Buffer
	if code := Main(context.Background(), []string{"search"}, nil, &stdout, &stderr); code != 2 {
		t.Errorf("search without --slo: exit %d, want 2 (%s)", code, stderr.String())
	}
}

// TestSearchAnalyzed: llmrec search against the built-in knee simulator
// prints each probe and the bracket, and writes a run file that llmrep
// reads as any run: each probe a step at its level, the good requests of
// each step exactly those the search counted (the one SLO rule, on the
// same requests: each probe's warmup left out by both), the capacity
// within the SLO the search's highest level that met, and check --min
// capacity passing at it and failing above it.
func TestSearchAnalyzed(t *testing.T) {
	if testing.Short() {
		t.Skip("records a search of about 20 s")
	}
	out := filepath.Join(t.TempDir(), "search.parquet")
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{"search", "--slo", "latency=400ms", "--arrival", "constant", "--rate", "32",
		"--probe", "2s", "--probe-warmup", "1s", "--max-tokens", "16", "--max-probes", "14", "-o", out}, nil, &stdout, &stderr)
	t.Logf("stderr:\n%s\nstdout:\n%s", stderr.String(), stdout.String())
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(stderr.String(), "probe  1  32 req/s  good ") || !strings.Contains(stdout.String(), "within latency ≤ 400 ms at 90%") {
		t.Errorf("the probes or the answer are not printed")
	}
	o := analyze.DefaultOptions()
	o.Threads = 2
	o.SLO = analyze.SLO{Latency: 400 * time.Millisecond}
	a, err := analyze.Analyze(context.Background(), o, out)
	if err != nil {
		t.Fatal(err)
	}
	sr := a.Run.Shape.Search
	if sr == nil || sr.Met == nil || sr.Missed == nil {
		t.Fatalf("search in the analysis: %+v", sr)
	}
	if a.Settings.WarmupS != 1 {
		t.Errorf("auto warmup %gs, want the probe's 1s", a.Settings.WarmupS)
	}
	if len(a.Steps) != len(sr.Probes) {
		t.Fatalf("%d steps, %d probes", len(a.Steps), len(sr.Probes))
	}
	seen := map[float64]bool{}
	for i, s := range a.Steps {
		p := sr.Probes[i]
		if s.Step != p.Step || s.Level != p.Level {
			t.Errorf("step %d at level %g; probe %d at %g", s.Step, s.Level, p.Step, p.Level)
		}
		if seen[p.Level] {
			continue // an extension's counts are pooled with the level's earlier steps
		}
		seen[p.Level] = true
		if s.Good != p.Good || s.Requests+s.Unsent != p.Due {
			t.Errorf("step %d: analyzer good %d of %d+%d, search %d of %d", s.Step, s.Good, s.Requests, s.Unsent, p.Good, p.Due)
		}
	}
	if a.Capacity.Level == nil || *a.Capacity.Level != *sr.Met {
		t.Errorf("capacity %+v, want the search's highest level that met, %g", a.Capacity, *sr.Met)
	}
	data, err := analyze.LoadRun(context.Background(), o, "search", out)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		value float64
		pass  bool
	}{{*sr.Met, true}, {*sr.Missed, false}} {
		g, err := gate.ParseGate(gate.GateMin, fmt.Sprintf("capacity=%g", c.value), 0)
		if err != nil {
			t.Fatal(err)
		}
		res, err := gate.Check(data, nil, []gate.Gate{g}, 0.05, compare.DefaultMinEffect, false)
		if err != nil {
			t.Fatal(err)
		}
		if res.Passed != c.pass {
			t.Errorf("check --min capacity=%g: passed %v, want %v (%+v)", c.value, res.Passed, c.pass, res.Gates[0].Outcome)
		}
	}
	if sr.End != schemas.SearchBracketed {
		t.Errorf("search ended %q", sr.End)
	}
}

// TestSweepAnalyzed: --profile sweep against the built-in simulator runs
// the synchronous probe, the throughput probe, then the offered rates
// planned from their completed rates, in that order; llmrep reads the
// file as an open loop whose steps are those levels, offered as planned.
func TestSweepAnalyzed(t *testing.T) {
	if testing.Short() {
		t.Skip("records a sweep of about 15 s")
	}
	out := filepath.Join(t.TempDir(), "sweep.parquet")
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{"search", "--profile", "sweep", "--sweep-points", "3", "--max-concurrency", "32",
		"--probe", "2s", "--probe-warmup", "1s", "--max-tokens", "16", "-o", out}, nil, &stdout, &stderr)
	t.Logf("stderr:\n%s\nstdout:\n%s", stderr.String(), stdout.String())
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	o := analyze.DefaultOptions()
	o.Threads = 2
	a, err := analyze.Analyze(context.Background(), o, out)
	if err != nil {
		t.Fatal(err)
	}
	sr := a.Run.Shape.Search
	if sr == nil || sr.Kind != schemas.SearchKindSweep || sr.End != schemas.SearchSwept || len(sr.Probes) != 5 {
		t.Fatalf("sweep in the footer: %+v", sr)
	}
	if sr.Probes[0].Mode != schemas.ProbeSynchronous || sr.Probes[0].Users != 1 ||
		sr.Probes[1].Mode != schemas.ProbeThroughput || sr.Probes[1].Users != 32 {
		t.Errorf("the first probes are %+v and %+v: want synchronous (1 user), then throughput (32 users)", sr.Probes[0], sr.Probes[1])
	}
	want := record.SweepRates(sr.Probes[0].Level, sr.Probes[1].Level, 3)
	if !(sr.Probes[1].Level > sr.Probes[0].Level) {
		t.Errorf("throughput %g req/s not above synchronous %g", sr.Probes[1].Level, sr.Probes[0].Level)
	}
	if len(a.Steps) != 5 {
		t.Fatalf("%d steps, want 5", len(a.Steps))
	}
	for i, s := range a.Steps {
		if s.OfferedRPS == nil || *s.OfferedRPS != sr.Probes[i].Level || s.Level != sr.Probes[i].Level {
			t.Errorf("step %d: level %g offered %v, probe level %g", s.Step, s.Level, s.OfferedRPS, sr.Probes[i].Level)
		}
		if i >= 2 {
			if sr.Probes[i].Level != want[i-2] || sr.Probes[i].Mode != "" {
				t.Errorf("probe %d at %g (%s), want the planned rate %g", i+1, sr.Probes[i].Level, sr.Probes[i].Mode, want[i-2])
			}
			if s.AchievedRPS == nil || *s.AchievedRPS < 0.8**s.OfferedRPS {
				t.Errorf("step %d sent %v req/s of %g offered", s.Step, s.AchievedRPS, *s.OfferedRPS)
			}
		}
	}
	if !strings.Contains(stdout.String(), "sweep: synchronous ") || !strings.Contains(stderr.String(), "throughput (32 users): completed") {
		t.Errorf("the sweep's probes or its range are not printed")
	}
}

// TestSearchMatchesStepRun: against the built-in knee simulator, the
// search's highest level that met the SLO lies within one resolution step
// of the capacity llmrep finds under the same SLO in an exhaustive step
// run of constant rates, 1 req/s apart. The simulator has 4 slots of
// about 370 ms (some 11 req/s) and requests are not streamed, so the one
// process holding recorder and simulator needs little CPU and the
// machine's other load moves the knee little. Wall times are logged, not
// asserted.
func TestSearchMatchesStepRun(t *testing.T) {
	if testing.Short() {
		t.Skip("records a step run and a search, about 80 s")
	}
	ctx := context.Background()
	simCfg := sim.DefaultConfig()
	simCfg.Slots, simCfg.TokenMS, simCfg.MaxTokens = 4, 20, 16
	srv, err := sim.Listen(ctx, "127.0.0.1:0", simCfg)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	run := record.DefaultConfig()
	run.Target, run.Simulator, run.Stream, run.MaxTokens, run.Grace, run.Seed = srv.URL, "knee", false, 16, 2*time.Second, 5
	dir := t.TempDir()
	record1 := func(path string, do func(record.Client, *runfile.File) error, cfg record.Config) time.Duration {
		t.Helper()
		client, err := record.Connect(ctx, &cfg)
		if err != nil {
			t.Fatal(err)
		}
		f, err := runfile.Create(path, false, false)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		t0 := time.Now()
		if err := do(client, f); err != nil {
			t.Fatal(err)
		}
		return time.Since(t0)
	}
	steps, search := filepath.Join(dir, "steps.parquet"), filepath.Join(dir, "search.parquet")
	stepCfg := run
	stepCfg.OpenLoop = record.OpenLoop{Kind: record.ArrivalConstant, Rate: 6, StepRate: 1, MaxRate: 14, StepTime: 4 * time.Second, Burstiness: 1, Seed: 5}
	stepWall := record1(steps, func(c record.Client, f *runfile.File) error {
		_, err := record.Run(ctx, stepCfg, c, f)
		return err
	}, stepCfg)
	sc := record.DefaultSearchConfig(run)
	sc.Run.OpenLoop.Kind = record.ArrivalConstant
	// From 8 req/s, below the knee: without --rate a 4 s probe would start
	// at the lowest rate it can decide, past the knee (12 req/s when a
	// level had three tests, 17 now that each probe has five looks), and
	// the probes after such an overload came out low on a machine loaded
	// some 15 times over (9 req/s against 11; TestSearchFirstRate checks
	// the first rate).
	sc.Start, sc.Max, sc.Probe, sc.Warmup = 8, 100, 4*time.Second, 3*time.Second
	sc.SLO = level.SLO{Latency: 800 * time.Millisecond}
	var probes []string
	sc.OnProbe = func(p schemas.Probe) { probes = append(probes, ProbeLine(p, "req/s", sc.LookAlpha(), false)) }
	var sum *record.SearchSummary
	searchWall := record1(search, func(c record.Client, f *runfile.File) error {
		sum, err = record.Search(ctx, sc, c, f)
		return err
	}, sc.ConnConfig())
	t.Logf("search:\n%s", strings.Join(probes, "\n"))
	o := analyze.DefaultOptions()
	o.Threads = 2
	o.SLO = analyze.SLO{Latency: 800 * time.Millisecond}
	a, err := analyze.Analyze(ctx, o, steps)
	if err != nil {
		t.Fatal(err)
	}
	if a.Capacity.Level == nil {
		t.Fatalf("the step run has no capacity: %+v", a.Capacity)
	}
	sr := sum.Search
	if sr.Met == nil || sr.Missed == nil {
		t.Fatalf("search without a bracket: %+v", sr)
	}
	stepCap, met := *a.Capacity.Level, *sr.Met
	t.Logf("step run: capacity %g req/s in %s (%d steps of %s planned); search: %g–%g req/s in %s (%d probes of %s)", stepCap,
		stepWall.Round(time.Second), len(a.Steps), stepCfg.OpenLoop.StepTime, met, *sr.Missed, searchWall.Round(time.Second),
		len(sr.Probes), sc.StepTime())
	// One resolution step: the step run's 1 req/s, or the search's 10%.
	if tol := math.Max(1, 0.1**sr.Missed); math.Abs(met-stepCap) > tol+1e-9 {
		t.Errorf("search's capacity %g req/s, the step run's %g: more than one resolution step (%g) apart", met, stepCap, tol)
	}
	b, err := analyze.Analyze(ctx, o, search)
	if err != nil {
		t.Fatal(err)
	}
	if b.Capacity.Level == nil || *b.Capacity.Level != met {
		t.Errorf("llmrep's capacity of the search file %v, the search's %g", b.Capacity.Level, met)
	}
}

// TestSearchSIGKILLThenRecover: a search killed mid-probe loses no row
// completed more than a second before the kill. The server answers every
// tenth request in 3 s and the others at once, so a request of each look's
// sample is always in flight: no look decides, and each waits as long as
// it may for its sample to settle while the probe goes on sending. The
// rows sent meanwhile are of a step not yet known; they must reach the
// journal all the same (before, they waited out the settling, half a
// warmup: 2 s here, and a kill lost those completed in its first second).
func TestSearchSIGKILLThenRecover(t *testing.T) {
	if testing.Short() {
		t.Skip("records a search for about 10 s")
	}
	var mu sync.Mutex
	var sent []time.Time
	var done []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/models" {
			fmt.Fprint(w, `{"data":[{"id":"m"}]}`)
			return
		}
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		sent = append(sent, time.Now())
		slow := len(sent)%10 == 0
		mu.Unlock()
		if slow {
			select {
			case <-time.After(3 * time.Second):
			case <-r.Context().Done():
				return
			}
		}
		fmt.Fprint(w, `{"choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`)
		w.(http.Flusher).Flush()
		mu.Lock()
		done = append(done, time.Now())
		mu.Unlock()
	}))
	defer srv.Close()
	out := filepath.Join(t.TempDir(), "search.parquet")
	cmd := exec.Command(testbin.Llmrec(t), "search", "--target", srv.URL, "--stream=false", "--slo", "latency=5s",
		"--arrival", "constant", "--rate", "20", "--probe", "10s", "--probe-warmup", "4s", "-o", out)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The first look is 2 s into the measured part, 6 s after the first
	// request; it waits up to 2 s (half the warmup) for its slow request.
	// Kill 1.8 s after it: the rows sent in its first 0.7 s completed more
	// than 1.1 s before.
	var first time.Time
	for deadline := time.Now().Add(10 * time.Second); first.IsZero(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("no request in 10 s: %s", stderr.String())
		}
		mu.Lock()
		if len(sent) > 0 {
			first = sent[0]
		}
		mu.Unlock()
	}
	time.Sleep(time.Until(first.Add(7800 * time.Millisecond)))
	killedAt := time.Now()
	cmd.Process.Kill()
	cmd.Wait()
	var rout, rerr bytes.Buffer
	if code := Main(context.Background(), []string{"recover", out}, nil, &rout, &rerr); code != 0 {
		t.Fatalf("recover exit %d: %s (search's stderr %s)", code, rerr.String(), stderr.String())
	}
	n, meta := countRows(t, out)
	mu.Lock()
	want := 0
	for _, d := range done {
		// A little slack for the answer to reach the client.
		if !d.After(killedAt.Add(-1100 * time.Millisecond)) {
			want++
		}
	}
	mu.Unlock()
	if want < 100 || n < int64(want) {
		t.Fatalf("recovered %d rows; the server finished %d more than 1.1 s before the kill", n, want)
	}
	if meta.EndReason != schemas.EndInterrupted {
		t.Errorf("end reason %s", meta.EndReason)
	}
	t.Logf("recovered %d rows, %d finished >1.1 s before the kill: %s", n, want, rout.String())
}
