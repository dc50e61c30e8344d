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
	e    *engine
	live *live
	sat  saturation
	// cpuTime is the process's CPU time so far (the function cpuTime; a
	// test's fake); maxCores bounds the cores a second may report.
	cpuTime  func() time.Duration
	maxCores float64
	cpuPrev  time.Duration
	wallPrev time.Time
	// lastCPU and lastWall are the CPU and wall time of the interval of
	// the last entry of seconds, for a short final one to join it.
	lastCPU, lastWall time.Duration
	seconds           []schemas.GenSecond
	peakG             int
	table             table
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

// minCPUInterval is the shortest interval whose CPU use is an entry of its
// own: the CPU time the kernel reports moves in scheduler ticks (1 to 10
// ms), so over a few ms it can read as several cores. The run's last,
// partial second joins the one before it when it is shorter.
const minCPUInterval = 250 * time.Millisecond

func newWatcher(e *engine) *watcher {
	cfg := e.cfg
	return &watcher{
		e:        e,
		live:     newLive(e.t0, min(30*time.Second, cfg.stepTime()/2), cfg.stepTime(), cfg.total()),
		sat:      saturation{baselineUsers: cfg.BaselineUsers, latencyThreshold: cfg.LatencyThreshold, errorThreshold: cfg.ErrorThreshold},
		cpuTime:  cpuTime,
		maxCores: float64(min(runtime.GOMAXPROCS(0), runtime.NumCPU())),
	}
}

// loop runs until rows is closed and drained.
func (w *watcher) loop(rows <-chan schemas.Record) {
	w.cpuPrev, w.wallPrev = w.cpuTime(), time.Now()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case r, ok := <-rows:
			if !ok {
				w.second(time.Now(), true)
				return
			}
			w.live.add(&r)
			if w.e.cfg.Observe != nil {
				w.e.cfg.Observe(&r)
			}
		case now := <-tick.C:
			w.second(now, false)
		}
	}
}

// health adds the generator's health over the interval ending at now to
// seconds and returns its CPU use in cores: the CPU time over the wall
// time, at most maxCores (the CPUs the process's Go code can use at once:
// more is the tick granularity, not work). Each entry's t is a second
// after the one before, at least; the final interval, shorter than
// minCPUInterval, joins the entry before it (or, the run's only one, is
// left out: no figure).
func (w *watcher) health(now time.Time, final bool) (cores, lag float64) {
	cpu := w.cpuTime()
	dcpu, wall := cpu-w.cpuPrev, now.Sub(w.wallPrev)
	w.cpuPrev, w.wallPrev = cpu, now
	lag = w.live.secLag
	w.live.secLag = 0
	n := len(w.seconds)
	if final && wall < minCPUInterval {
		if n == 0 {
			// A run shorter than that has no CPU figure worth keeping.
			return 0, lag
		}
		dcpu, wall = dcpu+w.lastCPU, wall+w.lastWall
		last := &w.seconds[n-1]
		lag = max(lag, last.MaxLagMS)
		w.seconds = w.seconds[:n-1]
	}
	if wall > 0 {
		cores = min(float64(dcpu)/float64(wall), w.maxCores)
	}
	t := int(now.Sub(w.e.t0) / time.Second)
	if n := len(w.seconds); n > 0 {
		t = max(t, w.seconds[n-1].T+1)
	}
	w.lastCPU, w.lastWall = dcpu, wall
	w.seconds = append(w.seconds, schemas.GenSecond{T: t, CPU: round3(cores), MaxLagMS: round3(lag)})
	return cores, lag
}

// second runs once a second (and once more, final, when the rows end):
// generator health, the status line and the live saturation rule.
func (w *watcher) second(now time.Time, final bool) {
	e := w.e
	cores, lag := w.health(now, final)
	elapsed := now.Sub(e.t0)
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
	fired, detail := w.sat.check(w.live, e.cfg, e.rateOf, elapsed)
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
		st.Open, st.OfferedRPS, st.Waiting = true, e.rateOf(st.Step), e.waiting.Load() > 0
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
