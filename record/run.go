package record

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/llmrec/llmrec/record/sim"
	"github.com/llmrec/llmrec/record/target"
	"github.com/llmrec/llmrec/schemas"
	"github.com/llmrec/llmrec/schemas/runfile"
)

// Status is the live view of a run, reported about once a second.
type Status struct {
	Elapsed, Total time.Duration
	Step, Users    int
	Phase          string  // "running" or "grace"
	RPS            float64 // completed requests per second over the last window
	P50, P95       float64 // window latency of successes, ms; NaN when none
	Requests       int64   // rows written so far
	Failures       int64
	WindowFailures int64
}

// Hooks let the caller watch a run without the engine knowing about the
// terminal. Every field may be nil. They are called from the engine's
// goroutines, one call at a time.
type Hooks struct {
	Notice   func(msg string) // one-off facts, e.g. "load-testing the built-in simulator at …"
	Progress func(Status)
}

// Summary is what a finished run reports.
type Summary struct {
	Meta     *schemas.RunMeta
	Out      string
	Rows     int64
	Failures int64
	// P50, P95, P99 are live HdrHistogram figures over successes (3
	// significant digits), NaN when none; llmrep analyze gives exact ones.
	P50, P95, P99 float64
}

// Run executes the step load of cfg and writes every request to cfg.Out.
// Canceling ctx ends the run like Ctrl-C: no new requests, in-flight ones
// get cfg.Grace, then are canceled and recorded; the file is complete and
// its end reason is "interrupted". Run returns an error only when the run
// could not start or its output could not be written; a finished run's
// end reason is in Summary.Meta.EndReason.
func Run(ctx context.Context, cfg Config, hooks Hooks) (*Summary, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := runfile.CheckPath(cfg.Out, cfg.Force); err != nil {
		return nil, err
	}
	notice := func(format string, a ...any) {
		if hooks.Notice != nil {
			hooks.Notice(fmt.Sprintf(format, a...))
		}
	}

	// The simulator lives as long as this run.
	simCtx, stopSim := context.WithCancel(context.WithoutCancel(ctx))
	defer stopSim()
	meta := newMeta(&cfg)
	if cfg.Target == "" {
		srv, err := sim.Listen(simCtx, "127.0.0.1:0", cfg.Sim)
		if err != nil {
			return nil, fmt.Errorf("start the built-in simulator: %w", err)
		}
		defer srv.Close()
		cfg.Target = srv.URL
		meta.Simulator = cfg.Sim.Profile
		notice("no --target: load-testing the built-in simulator (profile %s) at %s", cfg.Sim.Profile, srv.URL)
	}
	meta.Target = target.RedactURL(cfg.Target)

	topts := targetOptions(&cfg)
	if cfg.Model == "" && cfg.API != target.APIHTTP {
		dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		model, err := target.DiscoverModel(dctx, topts)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("target %s is not usable: %w (pass --model to skip model discovery)", meta.Target, err)
		}
		topts.Model, cfg.Model = model, model
		notice("model: %s (first of GET /v1/models)", model)
	} else if err := probe(ctx, cfg.Target); err != nil {
		return nil, fmt.Errorf("target %s is unreachable: %w", meta.Target, err)
	}
	meta.Model = cfg.Model
	client, err := target.New(topts)
	if err != nil {
		return nil, err
	}
	prompts := cfg.Prompts
	if len(prompts) == 0 {
		prompts = target.BuiltinPrompts()
	}

	e := &engine{cfg: &cfg, client: client, prompts: prompts, hooks: hooks, meta: meta}
	return e.run(ctx)
}

// probe checks that the target's host accepts TCP connections.
func probe(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("bad URL")
	}
	host := u.Host
	if u.Port() == "" {
		port := "80"
		if u.Scheme == "https" {
			port = "443"
		}
		host = net.JoinHostPort(u.Hostname(), port)
	}
	d := net.Dialer{Timeout: 5 * time.Second}
	c, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return errors.New(target.Classify(err) + ": cannot connect to " + host)
	}
	return c.Close()
}

func targetOptions(cfg *Config) target.Options {
	return target.Options{
		Target: cfg.Target, API: cfg.API, Method: cfg.Method, Body: cfg.Body, Model: cfg.Model,
		MaxTokens: cfg.MaxTokens, Stream: cfg.Stream, Headers: cfg.Headers, APIKey: cfg.APIKey,
		Timeout: cfg.Timeout, IdleTimeout: cfg.IdleTimeout, MaxBodyBytes: cfg.MaxBodyBytes,
		MaxConns: cfg.Shape.MaxUsers,
	}
}

func newMeta(cfg *Config) *schemas.RunMeta {
	host, _ := os.Hostname()
	labels := map[string]string{}
	for k, v := range cfg.Labels {
		labels[k] = v
	}
	s := cfg.Shape
	return &schemas.RunMeta{
		RunID: newRunID(), ToolVersion: schemas.ToolVersion, API: cfg.API, Stream: cfg.Stream,
		MaxTokens: cfg.MaxTokens, Labels: labels, Hostname: host, Shards: 1,
		Shape: schemas.Shape{
			Profile: cfg.Profile, StepUsers: s.StepUsers, StepTimeS: s.StepTime.Seconds(), MaxUsers: s.MaxUsers,
			SpawnRate: s.rate(), DurationS: s.Total().Seconds(), WaitMinS: cfg.WaitMin.Seconds(),
			WaitMaxS: cfg.WaitMax.Seconds(), StopOnSaturation: cfg.StopOnSaturation,
		},
		Timeouts: schemas.Timeouts{TimeoutS: cfg.Timeout.Seconds(), IdleTimeoutS: cfg.IdleTimeout.Seconds(), GraceS: cfg.Grace.Seconds()},
	}
}

func newRunID() string {
	var b [8]byte
	for i := range b {
		b[i] = byte(rand.Uint32())
	}
	return fmt.Sprintf("%s-%x", time.Now().UTC().Format("20060102T150405Z"), b)
}

// engine is one run in progress. Its goroutines: the spawner (starts users
// on schedule), one per user, and the writer (owns the files and the live
// statistics). Run waits for all of them before it returns.
type engine struct {
	cfg     *Config
	client  target.Client
	prompts []target.Prompt
	hooks   Hooks
	meta    *schemas.RunMeta

	t0       time.Time
	deadline time.Time     // t0 + the schedule's total
	stopSend chan struct{} // closed: users send no more requests
	reqCtx   context.Context
	active   atomic.Int32
	seq      atomic.Int64
	recs     chan schemas.Record
	users    sync.WaitGroup

	endOnce   sync.Once
	endReason string
	endDetail string
	phase     atomic.Value // string
}

// end stops sending, recording the first reason given.
func (e *engine) end(reason, detail string) {
	e.endOnce.Do(func() {
		e.endReason, e.endDetail = reason, detail
		e.phase.Store("grace")
		close(e.stopSend)
	})
}

func (e *engine) run(ctx context.Context) (*Summary, error) {
	cfg := e.cfg
	file, err := runfile.Create(cfg.Out, cfg.Force)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	e.t0 = time.Now()
	e.deadline = e.t0.Add(cfg.Shape.Total())
	e.meta.StartedAt = e.t0.UTC()
	if err := file.Begin(e.meta); err != nil {
		return nil, err
	}

	e.stopSend = make(chan struct{})
	e.recs = make(chan schemas.Record, 8192)
	e.phase.Store("running")
	reqCtx, cancelReqs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelReqs()
	e.reqCtx = reqCtx

	w := &writer{e: e, file: file, live: newLive(e.t0, min(30*time.Second, cfg.Shape.StepTime/2))}
	writerDone := make(chan struct{})
	go func() { defer close(writerDone); w.loop() }()

	spawnerDone := make(chan struct{})
	go func() { defer close(spawnerDone); e.spawn() }()

	total := time.NewTimer(cfg.Shape.Total())
	select {
	case <-total.C:
		e.end(schemas.EndCompleted, "")
	case <-ctx.Done():
		e.end(schemas.EndInterrupted, "interrupted by the user (Ctrl-C)")
	case <-e.stopSend: // saturation or a write error ended it
	}
	total.Stop()
	<-spawnerDone

	// In-flight requests get the grace period, then are canceled; users
	// record the canceled requests before they return.
	usersDone := make(chan struct{})
	go func() { e.users.Wait(); close(usersDone) }()
	grace := time.NewTimer(cfg.Grace)
	select {
	case <-usersDone:
	case <-grace.C:
		cancelReqs()
		<-usersDone
	}
	grace.Stop()
	close(e.recs)
	<-writerDone

	m := e.meta
	m.EndedAt = time.Now().UTC()
	m.EndReason, m.EndDetail = e.endReason, e.endDetail
	m.Requests = file.Rows()
	w.generatorMeta(&m.Generator)
	werr := w.err
	if werr == nil {
		werr = file.Finish(m)
	}
	if werr != nil {
		// The journal keeps what the Parquet file could not: say how to get it back.
		return nil, fmt.Errorf("%w; the rows written so far can be rebuilt with: llmrec recover %s", werr, cfg.Out)
	}
	return &Summary{
		Meta: m, Out: cfg.Out, Rows: file.Rows(), Failures: w.live.fails,
		P50: quantileMS(w.live.total, 50), P95: quantileMS(w.live.total, 95), P99: quantileMS(w.live.total, 99),
	}, nil
}

// spawn starts the users at the times the shape gives, until the schedule
// ends or sending stops.
func (e *engine) spawn() {
	var w waiter
	defer w.stop()
	for i := 0; ; i++ {
		at, ok := e.cfg.Shape.UserStart(i)
		if !ok {
			return
		}
		startAt := e.t0.Add(at)
		if !w.until(startAt, e.stopSend) {
			return
		}
		e.users.Add(1)
		go e.user(int32(i+1), startAt)
	}
}

// user is one closed-loop virtual user: send, wait for the whole response,
// think for a uniform time in [WaitMin, WaitMax], send again.
func (e *engine) user(id int32, next time.Time) {
	defer e.users.Done()
	e.active.Add(1)
	defer e.active.Add(-1)
	rng := rand.New(rand.NewPCG(uint64(e.cfg.Seed), uint64(id)))
	if e.cfg.Seed == 0 {
		rng = rand.New(rand.NewPCG(rand.Uint64(), uint64(id)))
	}
	wmin, span := e.cfg.WaitMin, e.cfg.WaitMax-e.cfg.WaitMin
	var w waiter
	defer w.stop()
	for {
		if !w.until(next, e.stopSend) {
			return
		}
		if !time.Now().Before(e.deadline) {
			return // the schedule is over; the main loop is about to stop sending
		}
		p := e.prompts[rng.IntN(len(e.prompts))]
		seq := e.seq.Add(1) - 1
		users := e.active.Load()
		res := e.client.Do(e.reqCtx, p)
		e.recs <- e.row(id, seq, users, next, &res)
		think := wmin
		if span > 0 {
			think += time.Duration(rng.Int64N(int64(span) + 1))
		}
		next = time.Now().Add(think)
	}
}

// waiter sleeps until a time unless sending stops; one per goroutine.
// Its timer is made on first use rather than made long and stopped: once,
// under load, Reset of such a stopped timer was measured waking its waiter
// up to ~450 ms late while fresh timers were not (BENCHMARKS.md, "Timers on
// this Go"; not reproduced on a quiet machine). The fresh form costs
// nothing and is never worse.
type waiter struct{ t *time.Timer }

// until waits for at and reports whether sending goes on.
func (w *waiter) until(at time.Time, stop <-chan struct{}) bool {
	if d := time.Until(at); d > 0 {
		if w.t == nil {
			w.t = time.NewTimer(d)
		} else {
			w.t.Reset(d)
		}
		select {
		case <-w.t.C:
		case <-stop:
			return false
		}
	}
	select {
	case <-stop:
		return false
	default:
		return true
	}
}

func (w *waiter) stop() {
	if w.t != nil {
		w.t.Stop()
	}
}

// row turns a result into the file's record: the one place where a
// request's sequence number and timestamps become a row.
func (e *engine) row(user int32, seq int64, users int32, scheduled time.Time, res *target.Result) schemas.Record {
	r := schemas.Record{
		RunID: e.meta.RunID, Seq: seq, User: user, Users: users,
		Step:        int32(e.cfg.Shape.StepAt(res.Start.Sub(e.t0))),
		ScheduledAt: scheduled.UTC(), Start: res.Start.UTC(),
		LatencyMS: float64(res.Latency) / float64(time.Millisecond),
		Status:    int32(res.Status), OK: res.OK, Chunks: res.Chunks, BytesIn: res.BytesIn,
	}
	if res.HasTTFT {
		v := float64(res.TTFT) / float64(time.Millisecond)
		r.TTFTMS = &v
	}
	if res.HasUsage {
		p, o := res.PromptTokens, res.OutputTokens
		r.PromptTokens, r.OutputTokens = &p, &o
	}
	if !res.OK {
		cls := res.ErrorClass
		if cls == "" {
			cls = schemas.ErrProtocol
		}
		r.ErrorClass = &cls
		if res.Error != "" {
			msg := res.Error
			r.Error = &msg
		}
	}
	return r
}

// writer is the one goroutine that owns the journal, the Parquet writer and
// the live statistics.
type writer struct {
	e     *engine
	file  *runfile.File
	live  *live
	batch []schemas.Record
	err   error // first write error; later rows are dropped

	sat      saturation
	cpuPrev  time.Duration
	wallPrev time.Time
	seconds  []schemas.GenSecond
	peakG    int
}

func (w *writer) loop() {
	cfg := w.e.cfg
	w.sat = saturation{baselineUsers: cfg.BaselineUsers, latencyThreshold: cfg.LatencyThreshold, errorThreshold: cfg.ErrorThreshold}
	w.cpuPrev, w.wallPrev = cpuTime(), time.Now()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	w.batch = make([]schemas.Record, 0, 1024)
	for {
		select {
		case r, ok := <-w.e.recs:
			if !ok {
				w.flush()
				w.second(time.Now())
				return
			}
			w.add(r)
			if len(w.batch) == cap(w.batch) {
				w.writeBatch()
			}
		case now := <-tick.C:
			w.flush()
			w.second(now)
		}
	}
}

func (w *writer) add(r schemas.Record) {
	w.live.add(&r)
	w.batch = append(w.batch, r)
}

func (w *writer) writeBatch() {
	if len(w.batch) == 0 {
		return
	}
	if w.err == nil {
		if err := w.file.Write(w.batch); err != nil {
			w.fail(err)
		}
	}
	w.batch = w.batch[:0]
}

// flush writes the batch and hands the journal to the kernel: what was
// completed before this call survives a SIGKILL.
func (w *writer) flush() {
	w.writeBatch()
	if w.err == nil {
		if err := w.file.Flush(); err != nil {
			w.fail(err)
		}
	}
}

func (w *writer) fail(err error) {
	if w.err == nil {
		w.err = err
		w.e.end(schemas.EndError, err.Error())
	}
}

// second runs once a second: generator health, the status line and the
// live saturation rule.
func (w *writer) second(now time.Time) {
	e := w.e
	cpu := cpuTime()
	wall := now.Sub(w.wallPrev)
	cores := 0.0
	if wall > 0 {
		cores = float64(cpu-w.cpuPrev) / float64(wall)
	}
	w.cpuPrev, w.wallPrev = cpu, now
	elapsed := now.Sub(e.t0)
	w.seconds = append(w.seconds, schemas.GenSecond{T: int(elapsed / time.Second), CPU: round3(cores), MaxLagMS: round3(w.live.secLag)})
	w.live.secLag = 0
	w.peakG = max(w.peakG, runtime.NumGoroutine())

	if e.hooks.Progress != nil {
		h, ok, bad := w.live.window(int64(elapsed / time.Second))
		span := min(elapsed.Seconds(), windowSeconds)
		st := Status{
			Elapsed: elapsed, Total: e.cfg.Shape.Total(), Step: e.cfg.Shape.StepAt(min(elapsed, e.cfg.Shape.Total()-1)), Users: int(e.active.Load()),
			Phase: e.phase.Load().(string), P50: quantileMS(h, 50), P95: quantileMS(h, 95),
			Requests: w.live.rows, Failures: w.live.fails, WindowFailures: bad,
		}
		if span > 0 {
			st.RPS = float64(ok+bad) / span
		}
		e.hooks.Progress(st)
	}
	if e.cfg.StopOnSaturation {
		if fired, detail := w.sat.check(w.live, e.cfg.Shape, elapsed); fired {
			e.end(schemas.EndSaturated, detail)
		}
	}
}

func (w *writer) generatorMeta(g *schemas.Generator) {
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
