package e2e

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/record"
	"github.com/llmrec/llmrec/record/sim"
	"github.com/llmrec/llmrec/report/view"
	"github.com/llmrec/llmrec/schemas/runfile"
)

var (
	demoOnce sync.Once
	demoPath string
	demoErr  error
)

// recordDemo records what `make demo` records, once per test binary: a
// step load of 10 users every 6 s up to 60, max tokens 64, against the
// built-in simulator's knee profile, through the recorder's real engine
// and loopback HTTP (about 40 s).
func recordDemo(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("records a 40 s run against the simulator")
	}
	demoOnce.Do(func() {
		dir, err := filepathTemp()
		if err != nil {
			demoErr = err
			return
		}
		demoPath = filepath.Join(dir, "run.parquet")
		demoErr = recordRun(context.Background(), demoPath, 64, map[string]string{"model": "sim-knee"})
	})
	if demoErr != nil {
		t.Fatal(demoErr)
	}
	return demoPath
}

// recordRun records the demo's shape to path with maxTokens.
func recordRun(ctx context.Context, path string, maxTokens int, labels map[string]string) error {
	srv, err := sim.Listen(ctx, "127.0.0.1:0", sim.DefaultConfig())
	if err != nil {
		return err
	}
	defer srv.Close()
	cfg := record.DefaultConfig()
	cfg.Target, cfg.Simulator = srv.URL, sim.DefaultConfig().Profile
	cfg.Shape = record.Shape{StepUsers: 10, StepTime: 6 * time.Second, MaxUsers: 60}
	cfg.MaxTokens = maxTokens
	cfg.Labels = labels
	cfg.Seed = 1
	if err := cfg.Validate(); err != nil {
		return err
	}
	client, err := record.Connect(ctx, &cfg)
	if err != nil {
		return err
	}
	f, err := runfile.Create(path, true, false)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = record.Run(ctx, cfg, client, f)
	return err
}

// The demo run analyzed with the default flags (--warmup auto) finds the
// saturation point that --warmup 3s finds; the old default (30 s) dropped
// five of its six steps and reported no saturation.
func TestDemoDefaultWarmup(t *testing.T) {
	path := recordDemo(t)
	analyzeWith := func(w time.Duration) *analyze.Analysis {
		o := analyze.DefaultOptions()
		o.Window = 5 * time.Second
		if w >= 0 {
			o.Warmup = w
		}
		a, err := analyze.Analyze(context.Background(), o, path)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	def, fixed := analyzeWith(-2), analyzeWith(3*time.Second)
	if !fixed.Saturation.Reached {
		t.Fatalf("the demo run does not saturate with --warmup 3s: %s", fixed.Saturation.Summary)
	}
	if !def.Saturation.Reached || *def.Saturation.Users != *fixed.Saturation.Users {
		t.Errorf("default warmup: saturation %+v; --warmup 3s: at %d users", def.Saturation, *fixed.Saturation.Users)
	}
	if !def.Settings.WarmupAuto || def.Settings.WarmupS != 3 {
		t.Errorf("default warmup: %v s (auto %v), want the auto warmup of 3 s", def.Settings.WarmupS, def.Settings.WarmupAuto)
	}
	if def.Warmup.Heavy {
		t.Errorf("the auto warmup is heavy: %+v", def.Warmup)
	}
	for _, h := range def.Health {
		if h.Signal != "growth" && h.Band != analyze.BandHealthy {
			t.Errorf("health %s is %s (%s) before saturation; the knee simulator is healthy there", h.Signal, h.Band, h.Text)
		}
	}
	var hl view.Answer
	for _, x := range view.Answers(def) {
		if x.Name == "health" {
			hl = x
		}
	}
	if hl.Answer != "Healthy" {
		t.Errorf("health headline %q (%s)", hl.Answer, hl.Detail)
	}
	old := analyzeWith(30 * time.Second)
	if !old.Warmup.Heavy || old.Warmup.WholeSteps != 5 {
		t.Errorf("a 30 s warmup of 6 s steps: %+v, want heavy with 5 whole steps", old.Warmup)
	}
}

var demoDir string

func filepathTemp() (string, error) {
	var err error
	demoDir, err = os.MkdirTemp("", "llmrec-demo-")
	return demoDir, err
}
