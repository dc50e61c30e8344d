package record

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sync/atomic"
	"time"

	"github.com/llmrec/llmrec/schemas"
)

// Control changes the level of a run while it goes on: the live
// dashboard's level control. Give one to Config.Control; SetLevel then
// works while Run sends. The zero value is ready to use; its methods are
// safe for concurrent use.
//
// A change holds: from the step after the one it is made in, every step's
// level is the new one (users in a closed loop, offered req/s in an open
// loop) until the next change, whatever the shape planned; the run's
// length is unchanged. In a closed loop, raising starts the new users at
// the step's start at the spawn rate; lowering retires the users started
// last at the step's start (a request they have in flight completes and
// is recorded; they send no more). Every change is recorded in the
// footer (schemas.Shape.Changes).
type Control struct {
	e atomic.Pointer[engine]
}

// Errors of Control.SetLevel; the message of a *LevelError says why in
// one line.
var (
	// ErrNotRunning: the run is not sending (not started, waiting for
	// its start time, or over).
	ErrNotRunning = errors.New("the run is not sending: its level cannot be changed")
)

// LevelError is a level SetLevel refuses, or a change it cannot make.
type LevelError struct{ Problem string }

func (e *LevelError) Error() string { return e.Problem }

// SetLevel sets the level from the next step on (see Control), made by
// who (schemas.ChangedByDashboard), and returns the change as the footer
// records it. The level is bounded by the run's own limits: in a closed
// loop a whole number of users from 1 to the shape's MaxUsers, in an
// open loop a rate above 0 and at most its MaxRate; a level beyond them
// is refused (a *LevelError), never clamped. A run split over shards
// refuses every change (the other shards could not follow it).
func (c *Control) SetLevel(level float64, who string) (schemas.ShapeChange, error) {
	e := c.e.Load()
	if e == nil {
		return schemas.ShapeChange{}, ErrNotRunning
	}
	return e.changeLevel(level, who, time.Now())
}

// checkLevel checks a level asked of the running engine.
func (e *engine) checkLevel(level float64) error {
	if e.cfg.Shard.Sharded() {
		return &LevelError{"the run is split over shards: a change on one shard's dashboard would not reach the others"}
	}
	if math.IsNaN(level) || math.IsInf(level, 0) {
		return &LevelError{"the level must be a number"}
	}
	if e.cfg.open() {
		top := e.cfg.OpenLoop.maxRate()
		if level <= 0 || level > top {
			return &LevelError{fmt.Sprintf("the rate must be above 0 and at most the run's maximum rate, %g req/s; got %g", top, level)}
		}
		return nil
	}
	top := e.cfg.Shape.MaxUsers
	if level != math.Trunc(level) || level < 1 || level > float64(top) {
		return &LevelError{fmt.Sprintf("the users must be a whole number from 1 to the run's maximum users, %d; got %g", top, level)}
	}
	return nil
}

// changeLevel makes a change at now (see Control.SetLevel): it records
// it and wakes the goroutine that applies it, the spawner or the
// arrival driver.
func (e *engine) changeLevel(level float64, who string, now time.Time) (schemas.ShapeChange, error) {
	if err := e.checkLevel(level); err != nil {
		return schemas.ShapeChange{}, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	elapsed := now.Sub(e.t0)
	if e.ended || elapsed < 0 || e.phase.Load() != "running" {
		return schemas.ShapeChange{}, ErrNotRunning
	}
	step := e.cfg.stepAt(elapsed) + 1
	if time.Duration(step-1)*e.cfg.stepTime() >= e.cfg.total() {
		return schemas.ShapeChange{}, &LevelError{fmt.Sprintf("step %d is the run's last: there is no next step to change", step-1)}
	}
	old := e.changes()
	if len(old) >= schemas.MaxShapeChanges {
		return schemas.ShapeChange{}, &LevelError{fmt.Sprintf("the run's level was changed %d times already, the most a run records", len(old))}
	}
	c := schemas.ShapeChange{At: now.UTC(), AtS: round3(elapsed.Seconds()), Step: step, Level: level, By: who}
	next := append(slices.Clip(old), c)
	e.plan.Store(&next)
	select {
	case e.changed <- struct{}{}:
	default: // already signalled: the goroutine reads every change
	}
	return c, nil
}

// changes are the changes made so far, in order; never modified (a
// change stores a new slice).
func (e *engine) changes() []schemas.ShapeChange {
	if p := e.plan.Load(); p != nil {
		return *p
	}
	return nil
}

// changedMeta returns what the persister checkpoints at a flush (see
// Checkpointer): the metadata as at the start with the changes made so
// far, or nil when none was made since the last it returned. Called
// after begin, from the persister only.
func (e *engine) changedMeta() func() *schemas.RunMeta {
	start := *e.meta // a copy: the run writes e.meta again only as it ends
	var last *[]schemas.ShapeChange
	return func() *schemas.RunMeta {
		p := e.plan.Load()
		if p == last {
			return nil
		}
		last = p
		m := start
		m.Shape.Changes = *p
		return &m
	}
}

// changedLevel is the level a change set for step k: that of the last
// change from a step at or before k; ok is false when no change applies.
func changedLevel(cs []schemas.ShapeChange, k int) (level float64, ok bool) {
	for i := len(cs) - 1; i >= 0; i-- {
		if cs[i].Step <= k {
			return cs[i].Level, true
		}
	}
	return 0, false
}

// rateOf is an open loop's offered rate of step k, changes included.
func (e *engine) rateOf(k int) float64 {
	if v, ok := changedLevel(e.changes(), k); ok {
		return v
	}
	return e.cfg.OpenLoop.RateOf(k)
}

// usersCap bounds a closed loop's `users` at elapsed by the level a change
// set for its step: users retired at the step's start no longer count,
// even in the instant before the spawner has retired them.
func (e *engine) usersCap(elapsed time.Duration, active int32) int32 {
	if v, ok := changedLevel(e.changes(), e.cfg.stepAt(elapsed)); ok {
		return min(active, int32(v))
	}
	return active
}
