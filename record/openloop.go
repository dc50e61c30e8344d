package record

import (
	"slices"
	"time"

	"github.com/llmrec/llmrec/record/target"
	"github.com/llmrec/llmrec/schemas"
)

// SafetyInFlight caps the requests in flight of an open loop without a
// MaxConcurrency. An open loop against a server that stops answering would
// otherwise hold one connection and one goroutine for every arrival until
// the timeout; past this cap arrivals wait for a slot exactly as under
// MaxConcurrency, and the wait shows as start − scheduled_at (the analyzer
// counts waits over 10 ms as throughput saturation). 8192 connections fit
// a 20,000 open-file limit even with the built-in simulator in the same
// process (two descriptors a connection).
const SafetyInFlight = schemas.SafetyInFlight

// inFlightCap is the most requests an open loop keeps in flight.
func (c *Config) inFlightCap() int {
	if c.OpenLoop.MaxConcurrency > 0 {
		return c.OpenLoop.MaxConcurrency
	}
	return SafetyInFlight
}

// arrive is the open loop's driver, in place of spawn: it takes this
// shard's arrivals in order, waits until each is due (an absolute time,
// t0 + At), takes an in-flight slot (waiting for one when the cap is
// full) and sends the request on its own goroutine, so a slow answer never
// delays a later arrival. It returns when the arrivals run out or sending
// stops (see dueBeforeCompletion); the senders it started are counted in
// e.users. It applies the rate changes made while it waits (Control).
func (e *engine) arrive() {
	arr, err := NewArrivals(e.cfg.OpenLoop, e.cfg.Shard.Index, e.cfg.Shard.Shards())
	if err != nil {
		e.end(schemas.EndError, err.Error()) // unreachable: Config.Validate checked the settings
		return
	}
	slots := make(chan struct{}, e.cfg.inFlightCap())
	d := &driver{arr: arr}
	defer d.w.stop()
	for {
		a, ok := arr.Next()
		if a, ok = e.awaitArrival(d, a, ok); !ok {
			return
		}
		due := e.t0.Add(a.At)
		if !e.takeSlot(slots) {
			e.countUnsent(a, arr)
			return
		}
		e.users.Add(1)
		go e.send(a, due, slots)
	}
}

// driver is the arrival driver's state: its arrivals, its waiter and
// the rate changes it has applied.
type driver struct {
	arr     *Arrivals
	w       waiter
	applied int
}

// awaitArrival waits until a is due (ok: there is one; else until a
// change or the end), applying the rate changes made meanwhile, which
// may move a, or bring back one that was past the end. It reports
// whether to send it: an arrival due before the schedule's end is sent
// even when the driver, late, reaches it after the end (a slow machine
// shows as lag, not as missing requests); one that would wait past an
// interrupt or saturation is not.
func (e *engine) awaitArrival(d *driver, a Arrival, ok bool) (Arrival, bool) {
	for {
		var due time.Time
		if ok {
			due = e.t0.Add(a.At)
		}
		switch d.w.wait(due, e.stopSend, e.changed) {
		case waitReached:
			return a, true
		case waitStopped:
			return a, ok && e.dueBeforeCompletion(due)
		}
		cs := e.changes()
		for _, c := range cs[d.applied:] {
			// Changes are for a step after the one they were made in,
			// and the driver applies them before it sends anything due
			// later: no arrival of that step has been sent.
			if na, nok, err := d.arr.SetRate(c.Step, c.Level); err == nil {
				a, ok = na, nok
			}
		}
		d.applied = len(cs)
	}
}

// countUnsent counts, by step, the arrivals from first on that were due
// before sending stopped (the schedule's end, or the stop) and will never
// be sent: the driver gave up waiting for a slot at first. They are
// recorded in the footer (RunMeta.Unsent), never silently absent.
func (e *engine) countUnsent(first Arrival, arr *Arrivals) {
	stop := time.Now()
	if e.deadline.Before(stop) {
		stop = e.deadline
	}
	n := map[int]int64{}
	for a, ok := first, true; ok && e.t0.Add(a.At).Before(stop); a, ok = arr.Next() {
		n[a.Step]++
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for step, c := range n {
		e.unsent = append(e.unsent, schemas.StepCount{Step: step, N: c})
	}
	slices.SortFunc(e.unsent, func(x, y schemas.StepCount) int { return x.Step - y.Step })
}

// dueBeforeCompletion reports whether the run ended by completing its
// schedule and due was before the schedule's end.
func (e *engine) dueBeforeCompletion(due time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.endReason == schemas.EndCompleted && due.Before(e.deadline)
}

// takeSlot takes an in-flight slot, waiting for one while the cap is
// full. It reports false when sending stopped, or the schedule ended,
// before a slot was free: the waiting arrival is not sent.
func (e *engine) takeSlot(slots chan struct{}) bool {
	select {
	case slots <- struct{}{}:
		return true
	default:
	}
	e.waiting.Add(1)
	defer e.waiting.Add(-1)
	select {
	case slots <- struct{}{}:
	case <-e.stopSend:
		return false
	}
	if !time.Now().Before(e.deadline) {
		<-slots // the slot came free as the schedule ended
		return false
	}
	return true
}

// send is one open-loop request: it holds its slot until the row is
// handed to the consumers.
func (e *engine) send(a Arrival, due time.Time, slots <-chan struct{}) {
	defer e.users.Done()
	defer func() { <-slots }()
	inFlight := e.active.Add(1)
	defer e.active.Add(-1)
	idx := e.pick(a.Index)
	p := e.prompts[idx]
	var prefix *int32
	var class *string
	if e.classes != nil {
		p, idx, class = e.classes.at(e.cfg.OpenLoop.Seed, a.Index)
	} else if e.pickPrefix != nil {
		k := int32(e.pickPrefix(a.Index))
		prefix = &k
		p = p.WithPrefix(e.prefixes[k])
	}
	seq := e.seq.Add(1) - 1
	res := e.client.Do(e.reqCtx, p)
	r := e.row(int32(min(a.Index, 1<<31-1)), seq, inFlight, due, &res)
	r.Step, r.Class = step32(a.Step), class
	r.Prefix = prefix
	e.requestSize(&r, idx, p)
	e.persist <- r
	e.watch <- r
}

// promptPicker chooses an open-loop arrival's prompt from its index and
// the run's seed, so the same seed sends the same prompt at the same
// arrival whatever the shard count.
func promptPicker(seed int64, n int) func(int64) int {
	return func(i int64) int { return int(splitMix(uint64(seed), i) % uint64(n)) }
}

// splitMix is SplitMix64 of (seed, index): a stateless, well-mixed draw.
func splitMix(seed uint64, i int64) uint64 {
	z := seed + uint64(i+1)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// openLoopConns is the connection pool size an open loop asks of the
// client: its in-flight cap, at most target.DefaultMaxConns more than a
// closed run's default when there is no explicit cap.
func openLoopConns(c *Config) int {
	if c.OpenLoop.MaxConcurrency > 0 {
		return c.OpenLoop.MaxConcurrency
	}
	return 4 * target.DefaultMaxConns
}
