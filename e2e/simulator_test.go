package e2e

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/analyzetest"
	"github.com/llmrec/llmrec/record"
	"github.com/llmrec/llmrec/record/sim"
	"github.com/llmrec/llmrec/report/view"
	"github.com/llmrec/llmrec/schemas"
	"github.com/llmrec/llmrec/schemas/runfile"
)

// These tests record real runs: the built-in simulator on a loopback port,
// driven by the recorder's engine and written by its run-file writer, then
// read back by the analyzer. They live here, not in analyze, because the
// analyzer's packages (tests included) never import the recorder.

// simShape is a short step load for real simulator runs.
type simShape struct {
	stepUsers, maxUsers int
	stepTime            time.Duration
	waitMin, waitMax    time.Duration
	maxTokens           int
}

// simConfig is a fast simulator: short prefill and token times.
func simConfig(profile string, slots int) sim.Config {
	c := sim.DefaultConfig()
	c.Profile, c.Slots, c.PrefillMS, c.TokenMS = profile, slots, 20, 2
	return c
}

var shortShape = simShape{stepUsers: 4, maxUsers: 12, stepTime: 2 * time.Second,
	waitMin: 20 * time.Millisecond, waitMax: 60 * time.Millisecond, maxTokens: 16}

// recordSimRun records a real run of the simulator (cfg) with shape sh.
func recordSimRun(t *testing.T, cfg sim.Config, sh simShape) string {
	t.Helper()
	return recordSimRunWith(t, cfg, sh, nil)
}

// recordSimRunWith is recordSimRun with set, when not nil, changing the
// recorder's configuration last.
func recordSimRunWith(t *testing.T, cfg sim.Config, sh simShape, set func(*record.Config)) string {
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
	if set != nil {
		set(&rc)
	}
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

// writeRecords writes recs with meta to a new run file at path.
func writeRecords(t *testing.T, path string, meta *schemas.RunMeta, recs []schemas.Record) string {
	t.Helper()
	if err := analyzetest.WriteRecords(path, meta, recs); err != nil {
		t.Fatal(err)
	}
	return path
}

func testOptions(warmup, window time.Duration) analyze.Options {
	o := analyze.DefaultOptions()
	o.Warmup, o.Window = warmup, window
	o.Threads = 2
	return o
}

func littleWarnings(a *analyze.Analysis) []string {
	var out []string
	for _, w := range view.WarningTexts(a.Warnings) {
		if strings.Contains(w, "Little's-law") {
			out = append(out, w)
		}
	}
	return out
}

func near(got, want *float64) bool {
	if got == nil || want == nil {
		return got == nil && want == nil
	}
	return math.Abs(*got-*want) <= 1e-9*math.Max(1, math.Abs(*want))
}

func show(v *float64) string {
	if v == nil {
		return "nil"
	}
	return fmt.Sprint(*v)
}

func ptr[T any](v T) *T { return &v }

// TestLittleLawOnSimulatorRuns records real short runs of the
// simulator's three profiles: the check stays silent on each, and fires,
// naming lost rows, once a third of a run's rows are removed.
func TestLittleLawOnSimulatorRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("records real runs (about 10 s each)")
	}
	for _, p := range sim.Profiles() {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			path := recordSimRun(t, simConfig(p, 16), shortShape)
			a, err := analyze.Analyze(context.Background(), testOptions(0, 2*time.Second), path)
			if err != nil {
				t.Fatal(err)
			}
			checked := 0
			for _, s := range a.Steps {
				if s.LittleRatio != nil {
					checked++
				}
				t.Logf("step %d users %d requests %d little %s", s.Step, s.Users, s.Requests, show(s.LittleRatio))
			}
			if checked < 2 {
				t.Fatalf("only %d steps were checked: the test would prove nothing", checked)
			}
			if w := littleWarnings(a); len(w) > 0 {
				t.Errorf("healthy %s run: %q", p, w)
			}

			recs, meta := readRunFile(t, path)
			var kept = recs[:0:0]
			for i, r := range recs {
				if i%3 != 0 {
					kept = append(kept, r)
				}
			}
			thin := writeRecords(t, filepath.Join(t.TempDir(), "thin.parquet"), meta, kept)
			a, err = analyze.Analyze(context.Background(), testOptions(0, 2*time.Second), thin)
			if err != nil {
				t.Fatal(err)
			}
			w := littleWarnings(a)
			if len(w) == 0 {
				t.Fatalf("thinned %s run: no Little's-law warning (%q)", p, a.Warnings)
			}
			if !strings.Contains(w[0], "lost rows") {
				t.Errorf("the warning does not name lost rows: %s", w[0])
			}
		})
	}
}

// TestCapacityOnKneeSimulator: against the knee profile with 4 slots, the
// capacity is at or below the last level before saturation and the peak
// is at or before saturation.
func TestCapacityOnKneeSimulator(t *testing.T) {
	if testing.Short() {
		t.Skip("records a real run (about 12 s)")
	}
	sh := shortShape
	sh.maxUsers = 20
	path := recordSimRun(t, simConfig(sim.ProfileKnee, 4), sh)
	for _, slo := range []analyze.SLO{{}, {TTFT: 200 * time.Millisecond, TPOT: 20 * time.Millisecond}} {
		o := testOptions(0, 2*time.Second)
		o.BaselineUsers, o.SLO = 4, slo
		a, err := analyze.Analyze(context.Background(), o, path)
		if err != nil {
			t.Fatal(err)
		}
		sat := a.Saturation
		if !sat.Reached {
			t.Fatalf("the knee run with 4 slots did not saturate: %s", sat.Summary)
		}
		before := 0
		for _, s := range a.Steps {
			if s.Step < *sat.Step {
				before = max(before, s.Users)
			}
		}
		if c := a.Capacity.Level; c != nil && *c > float64(before) {
			t.Errorf("slo %q: capacity %v users is past the last level before saturation (%d users, saturation at %d)", slo, *c, before, *sat.Users)
		}
		if slo == (analyze.SLO{}) && !near(a.Capacity.Level, ptr(float64(before))) {
			t.Errorf("no slo: capacity %s, want the last level before saturation %d", show(a.Capacity.Level), before)
		}
		if a.Peak.Step == nil || *a.Peak.Step > *sat.Step {
			t.Errorf("peak at step %v, after the saturation step %d", a.Peak.Step, *sat.Step)
		}
		t.Logf("slo %q: capacity %s, peak %s req/s at %s, saturation %s", slo, show(a.Capacity.Level), show(a.Peak.RPS), show(a.Peak.Level), sat.Summary)
	}
}
