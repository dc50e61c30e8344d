package record

import (
	"fmt"
	"math"
	"runtime"
	"syscall"
	"time"

	"github.com/llmrec/llmrec/schemas"
)

// watcher is the consumer of the rows that watches the run: the live
// statistics, and once a second the generator's health (CPU, send lag,
// goroutines), the status report and the live saturation rule.
type watcher struct {
	e        *engine
	live     *live
	sat      saturation
	cpuPrev  time.Duration
	wallPrev time.Time
	seconds  []schemas.GenSecond
	peakG    int
	table    table
	// fired is the first firing of the live saturation rule (step 0:
	// not yet): the dashboard's persistent marker.
	fired struct {
		step   int
		at     time.Duration
		detail string
	}
	// sent and sentAt are the requests sent by each of the last
	// windowSeconds+1 ticks, for the window's achieved rate.
	sent [windowSeconds + 1]int64
	tick int
}

func newWatcher(e *engine) *watcher {
	cfg := e.cfg
	return &watcher{
		e:    e,
		live: newLive(e.t0, min(30*time.Second, cfg.stepTime()/2), cfg.stepTime(), cfg.total()),
		sat:  saturation{baselineUsers: cfg.BaselineUsers, latencyThreshold: cfg.LatencyThreshold, errorThreshold: cfg.ErrorThreshold},
	}
}

// loop runs until rows is closed and drained.
func (w *watcher) loop(rows <-chan schemas.Record) {
	w.cpuPrev, w.wallPrev = cpuTime(), time.Now()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case r, ok := <-rows:
			if !ok {
				w.second(time.Now())
				return
			}
			w.live.add(&r)
			if w.e.cfg.Observe != nil {
				w.e.cfg.Observe(&r)
			}
		case now := <-tick.C:
			w.second(now)
		}
	}
}

// second runs once a second: generator health, the status line and the
// live saturation rule.
func (w *watcher) second(now time.Time) {
	e := w.e
	cpu := cpuTime()
	wall := now.Sub(w.wallPrev)
	cores := 0.0
	if wall > 0 {
		cores = float64(cpu-w.cpuPrev) / float64(wall)
	}
	w.cpuPrev, w.wallPrev = cpu, now
	elapsed := now.Sub(e.t0)
	lag := w.live.secLag
	w.seconds = append(w.seconds, schemas.GenSecond{T: int(elapsed / time.Second), CPU: round3(cores), MaxLagMS: round3(lag)})
	w.live.secLag = 0
	w.peakG = max(w.peakG, runtime.NumGoroutine())

	var st Status
	if e.cfg.Progress != nil || e.cfg.Snapshot != nil {
		st = w.status(now, elapsed)
	}
	if e.cfg.Progress != nil {
		e.cfg.Progress(st)
	}
	// The live rule runs whether or not it stops the run: the dashboard
	// marks where it first fired.
	fired, detail := w.sat.check(w.live, e.cfg, elapsed)
	if fired && w.fired.step == 0 {
		w.fired.step, w.fired.at, w.fired.detail = e.cfg.stepAt(min(elapsed, e.cfg.total()-1)), elapsed, detail
	}
	if e.cfg.StopOnSaturation {
		if fired {
			if !e.cfg.Shard.Sharded() {
				e.end(schemas.EndSaturated, detail)
			} else {
				// Each shard judges its own rows: stopping the others needs
				// a coordination the shards do not have.
				detail = fmt.Sprintf("%s; only %s stopped, the other shards go on", detail, e.cfg.Shard)
				if e.end(schemas.EndSaturated, detail) {
					e.notice("--stop-on-saturation: " + detail)
				}
			}
		}
	}
	if e.cfg.Snapshot != nil {
		e.cfg.Snapshot(w.snapshot(st, elapsed, cores, lag))
	}
	clear(w.live.secClass)
}

// status is the live status at elapsed.
func (w *watcher) status(now time.Time, elapsed time.Duration) Status {
	e := w.e
	h, ok, bad := w.live.window(int64(elapsed / time.Second))
	span := min(elapsed.Seconds(), windowSeconds)
	st := Status{
		Elapsed: elapsed, Total: e.cfg.total(), Step: e.cfg.stepAt(min(elapsed, e.cfg.total()-1)), Users: int(e.usersAt(now)), Here: int(e.active.Load()),
		Phase: e.phase.Load().(string), P50: quantileMS(h, 50), P95: quantileMS(h, 95),
		Requests: w.live.rows, Failures: w.live.fails, WindowFailures: bad,
	}
	if span > 0 {
		st.RPS = float64(ok+bad) / span
	}
	if e.cfg.open() {
		st.Open, st.OfferedRPS, st.Waiting = true, e.cfg.OpenLoop.RateOf(st.Step), e.waiting.Load() > 0
	}
	return st
}

func (w *watcher) generatorMeta(g *schemas.Generator) {
	g.GOMAXPROCS = runtime.GOMAXPROCS(0)
	g.PeakGoroutines = w.peakG
	var sum float64
	for _, s := range w.seconds {
		g.PeakCPU = max(g.PeakCPU, s.CPU)
		g.PeakLagMS = max(g.PeakLagMS, s.MaxLagMS)
		sum += s.CPU
	}
	if n := len(w.seconds); n > 0 {
		g.MeanCPU = round3(sum / float64(n))
	}
	if w.live.lag.TotalCount() > 0 {
		g.P99LagMS = round3(quantileMS(w.live.lag, 99))
	}
	g.Seconds = w.seconds
}

func round3(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return math.Round(v*1000) / 1000
}

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
