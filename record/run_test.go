package record

import (
	"context"
	"errors"
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

	"github.com/llmrec/llmrec/schemas"
	"github.com/llmrec/llmrec/schemas/runfile"
)

func TestRunLatencyHonesty(t *testing.T) {
	// A server with a fixed 50 ms delay: recorded latencies sit just above it.
	var seen atomic.Int64
	srv := chatServer(t, 50*time.Millisecond, &seen)
	cfg := quickConfig(t, srv.URL)
	if _, err := runE2E(context.Background(), cfg); err != nil {
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

func TestRunRefusesExistingOutput(t *testing.T) {
	var seen atomic.Int64
	srv := chatServer(t, 0, &seen)
	cfg := quickConfig(t, srv.URL)
	os.WriteFile(cfg.Out, []byte("precious"), 0o644)
	_, err := runE2E(context.Background(), cfg)
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
	_, err := runE2E(context.Background(), cfg)
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
	// Each problem is keyed by its field; flag names are the command's business.
	var fields []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var fe *FieldError
		if !errors.As(e, &fe) {
			t.Fatalf("%v is not a *FieldError", e)
		}
		fields = append(fields, fe.Field)
	}
	if want := []string{"API", "Shape.StepUsers", "Shape.MaxUsers", "WaitMin/WaitMax", "Timeout"}; !slices.Equal(fields, want) {
		t.Errorf("fields %v, want %v", fields, want)
	}
	if strings.Contains(err.Error(), "--") {
		t.Errorf("the library names a flag: %q", err)
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
			// The notice that the simulator is used is the command's: cmd/llmrec tests it.
			if _, err := runE2E(context.Background(), cfg); err != nil {
				t.Fatal(err)
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
		_, err := runE2E(context.Background(), cfg)
		if err == nil || !strings.Contains(err.Error(), out) {
			t.Fatalf("%s: err = %v", out, err)
		}
	}
	if seen.Load() != 0 {
		t.Fatalf("%d requests sent before the output was checked", seen.Load())
	}
}
