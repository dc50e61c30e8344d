package target

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// watchdog enforces the whole-request timeout and the idle timeout of one
// request with a single timer. Body reads only store a timestamp (touch);
// when the timer fires it checks the deadline and the time since the last
// read, cancels the request's context with errTimeout or errIdleTimeout as
// the cause, or re-arms itself for the earlier of the two. Do tells which
// fired from context.Cause.
type watchdog struct {
	mu       sync.Mutex
	t        *time.Timer
	cancel   context.CancelCauseFunc
	base     time.Time     // the request's start (monotonic)
	deadline time.Duration // since base; 0 = none
	idle     time.Duration // 0 = none
	armed    bool          // idle watching started (after the headers)
	done     bool
	last     atomic.Int64 // since base: last body bytes (ns)
}

func (w *watchdog) start(base time.Time, cancel context.CancelCauseFunc, timeout, idle time.Duration) {
	w.base, w.cancel, w.deadline, w.idle = base, cancel, timeout, idle
	if timeout > 0 {
		w.mu.Lock()
		w.t = time.AfterFunc(timeout, w.fire)
		w.mu.Unlock()
	}
}

// armIdle starts idle watching: called once the response headers arrived.
func (w *watchdog) armIdle() {
	if w.idle <= 0 {
		return
	}
	now := time.Since(w.base)
	w.last.Store(int64(now))
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return
	}
	w.armed = true
	w.schedule(now)
}

// touch records body activity.
func (w *watchdog) touch() {
	if w.idle > 0 {
		w.last.Store(int64(time.Since(w.base)))
	}
}

// drain replaces both limits by a short deadline d from now (reading the
// end of a body after the measurement is complete).
func (w *watchdog) drain(d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return
	}
	now := time.Since(w.base)
	if w.deadline == 0 || now+d < w.deadline {
		w.deadline = now + d
	}
	w.armed = false
	w.schedule(now)
}

// schedule (re)arms the timer for the next check. Called with mu held.
func (w *watchdog) schedule(now time.Duration) {
	next := time.Duration(math.MaxInt64)
	if w.deadline > 0 {
		next = w.deadline - now
	}
	if w.armed {
		gap := now - time.Duration(w.last.Load())
		next = min(next, w.idle-gap)
	}
	next = max(next, 0)
	if w.t == nil {
		w.t = time.AfterFunc(next, w.fire)
	} else {
		w.t.Reset(next)
	}
}

func (w *watchdog) fire() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return
	}
	now := time.Since(w.base)
	if w.deadline > 0 && now >= w.deadline {
		w.done = true
		w.cancel(errTimeout)
		return
	}
	if w.armed && now-time.Duration(w.last.Load()) >= w.idle {
		w.done = true
		w.cancel(errIdleTimeout)
		return
	}
	w.schedule(now)
}

// stop ends the watch; a later fire does nothing.
func (w *watchdog) stop() {
	w.mu.Lock()
	w.done = true
	if w.t != nil {
		w.t.Stop()
	}
	w.mu.Unlock()
}
