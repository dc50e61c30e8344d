package record

import (
	"context"
	"math"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/llmrec/llmrec/schemas"
)

// TestRunRecordsGeneratorHealth: the run metadata holds one entry per
// second of the generator's CPU use and worst scheduling lag, and its
// summary figures agree with the rows.
func TestRunRecordsGeneratorHealth(t *testing.T) {
	var seen atomic.Int64
	srv := chatServer(t, 5*time.Millisecond, &seen)
	cfg := quickConfig(t, srv.URL)
	cfg.Shape = Shape{StepUsers: 4, StepTime: 2500 * time.Millisecond, MaxUsers: 4, SpawnRate: 100}
	if _, err := runE2E(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	rows, meta := readRun(t, cfg.Out)
	g := meta.Generator
	if g.GOMAXPROCS < 1 || g.PeakGoroutines < 4 {
		t.Errorf("gomaxprocs %d, peak goroutines %d", g.GOMAXPROCS, g.PeakGoroutines)
	}
	if n := len(g.Seconds); n < 2 || n > 5 {
		t.Fatalf("%d per-second entries for a 2.5 s run", n)
	}
	var cpu, peakCPU, peakLag float64
	for i, s := range g.Seconds {
		if i > 0 && s.T < g.Seconds[i-1].T {
			t.Errorf("seconds out of order: %+v", g.Seconds)
		}
		if s.CPU < 0 || s.CPU > float64(g.GOMAXPROCS) || s.MaxLagMS < 0 {
			t.Errorf("second %+v out of range", s)
		}
		cpu += s.CPU
		peakCPU = max(peakCPU, s.CPU)
		peakLag = max(peakLag, s.MaxLagMS)
	}
	if cpu <= 0 || g.PeakCPU != peakCPU || g.PeakLagMS != peakLag {
		t.Errorf("cpu sum %.3f; peak cpu %.3f vs %.3f; peak lag %.3f vs %.3f", cpu, g.PeakCPU, peakCPU, g.PeakLagMS, peakLag)
	}
	// The worst lag of the seconds is the worst lag of the rows.
	rowLag := 0.0
	for _, r := range rows {
		rowLag = max(rowLag, float64(r.Start.Sub(r.ScheduledAt))/float64(time.Millisecond))
	}
	if math.Abs(rowLag-g.PeakLagMS) > 0.002 {
		t.Errorf("peak lag %.3f ms in the metadata, %.3f ms in the rows", g.PeakLagMS, rowLag)
	}
	if g.P99LagMS > g.PeakLagMS+0.01*g.PeakLagMS+0.002 {
		t.Errorf("p99 lag %.3f above the peak %.3f", g.P99LagMS, g.PeakLagMS)
	}
}

// TestRunForceOverwrites: with --force an existing run file is replaced by
// a complete run.
func TestRunForceOverwrites(t *testing.T) {
	var seen atomic.Int64
	srv := chatServer(t, 0, &seen)
	cfg := quickConfig(t, srv.URL)
	cfg.Force = true
	if err := os.WriteFile(cfg.Out, []byte("an older run, much longer than the new one will be? no: just bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := runE2E(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	rows, meta := readRun(t, cfg.Out)
	if int64(len(rows)) != seen.Load() || meta.EndReason != schemas.EndCompleted {
		t.Fatalf("%d rows, server saw %d, end %s", len(rows), seen.Load(), meta.EndReason)
	}
}

// TestGeneratorCPUPerSecond: the CPU use of each second is the process's
// CPU time over the wall time, at most the CPUs it may use at once; the
// run's last, partial second, a few ms long (where the kernel's tick-sized
// CPU time would read as many cores), joins the second before it, so
// every t is one second after the one before and no peak is above the
// machine. A last second of 250 ms or more is an entry of its own.
func TestGeneratorCPUPerSecond(t *testing.T) {
	const ms = time.Millisecond
	type tick struct {
		at, cpu time.Duration // since the start: wall, process CPU time
	}
	for _, tc := range []struct {
		name  string
		ticks []tick // the last is the final call, when the rows end
		want  []schemas.GenSecond
	}{
		{"final 4 ms joins the last second", []tick{{1000 * ms, 500 * ms}, {2000 * ms, 1000 * ms}, {2004 * ms, 1020 * ms}},
			[]schemas.GenSecond{{T: 1, CPU: 0.5}, {T: 2, CPU: 0.518}}},
		{"final 600 ms is a second of its own", []tick{{1000 * ms, 500 * ms}, {2000 * ms, 1000 * ms}, {2600 * ms, 1300 * ms}},
			[]schemas.GenSecond{{T: 1, CPU: 0.5}, {T: 2, CPU: 0.5}, {T: 3, CPU: 0.5}}},
		{"never above the CPUs", []tick{{1000 * ms, 3000 * ms}, {1900 * ms, 3100 * ms}},
			[]schemas.GenSecond{{T: 1, CPU: 2}, {T: 2, CPU: 0.111}}},
		{"a run shorter than 250 ms has no figure", []tick{{3 * ms, 14 * ms}}, nil},
		{"a run of 400 ms has one", []tick{{400 * ms, 100 * ms}}, []schemas.GenSecond{{T: 0, CPU: 0.25}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := engineConfig()
			t0 := time.Date(2026, 12, 6, 20, 0, 0, 0, time.UTC)
			w := newWatcher(&engine{cfg: &cfg, t0: t0})
			var cpu time.Duration
			w.cpuTime = func() time.Duration { return cpu }
			w.maxCores = 2
			w.wallPrev = t0
			for i, k := range tc.ticks {
				cpu = k.cpu
				w.health(t0.Add(k.at), i == len(tc.ticks)-1)
			}
			if len(w.seconds) != len(tc.want) {
				t.Fatalf("seconds %+v; want %+v", w.seconds, tc.want)
			}
			for i, s := range w.seconds {
				if s.T != tc.want[i].T || s.CPU != tc.want[i].CPU {
					t.Errorf("second %d: %+v; want %+v", i, s, tc.want[i])
				}
			}
		})
	}
}
