package record

import (
	"math"
	"sync/atomic"
	"time"
)

// spawner starts a closed loop's users at the times the shape gives,
// and applies the level changes made while the run goes on (Control):
// one goroutine, engine.spawn, owns it.
//
// Its work is a queue in time order: the shape's planned starts
// (planned, from the global schedule, up to cutoff), then the actions of
// the changes: at a changed step's start, set the level (retire the
// users started last, or queue new starts at the spawn rate).
type spawner struct {
	e       *engine
	planned []int         // this shard's global users in start order (e.global.mine)
	pi      int           // the next of planned
	cutoff  time.Duration // planned starts at or after it are dropped (a change holds from there)
	queue   []spawnAction // the changes' actions, in time order, all at or after cutoff
	running []*userHandle // started and not retired, in start order
	maxID   int32         // the highest user id started
	applied int           // the changes applied so far
	w       waiter
}

// spawnAction is one entry of the spawner's queue, at elapsed time at:
// start user id (id > 0), or set the level to level users (id 0).
type spawnAction struct {
	at    time.Duration
	id    int32
	level int
}

// userHandle is a running closed-loop user: closing quit retires it.
type userHandle struct {
	quit chan struct{}
	gone atomic.Bool // counted out of engine.active already
}

// leave counts the user out of the active users, once: by itself when
// it ends, or by the spawner when it retires it.
func (h *userHandle) leave(e *engine) {
	if h.gone.CompareAndSwap(false, true) {
		e.active.Add(-1)
	}
}

// spawn runs the spawner until sending stops. When the recorder joined
// late, the users whose start had passed start at once, scheduled now:
// the wait to join is not the generator's send lag.
func (e *engine) spawn() {
	s := &spawner{e: e, planned: e.global.mine, cutoff: math.MaxInt64}
	defer s.w.stop()
	for {
		a, planned, ok := s.peek()
		var at time.Time // zero: nothing queued, wait for a change
		if ok {
			at = s.due(a)
		}
		switch s.w.wait(at, e.stopSend, e.changed) {
		case waitStopped:
			return
		case waitWoken:
			s.apply()
			continue
		}
		if planned {
			s.pi++
		} else {
			s.queue = s.queue[1:]
		}
		s.do(a, at)
	}
}

// peek is the next action: a planned start before the cutoff (planned
// is then true), else the head of the queue; ok is false when there is
// none.
func (s *spawner) peek() (a spawnAction, planned, ok bool) {
	if s.pi < len(s.planned) {
		j := s.planned[s.pi]
		if at := s.e.global.starts[j]; at < s.cutoff {
			return spawnAction{at: at, id: int32(j + 1)}, true, true
		}
	}
	if len(s.queue) > 0 {
		return s.queue[0], false, true
	}
	return spawnAction{}, false, false
}

// due is when a is due: on the schedule's clock, or now for a start
// that had passed when the recorder joined.
func (s *spawner) due(a spawnAction) time.Time {
	e := s.e
	if a.at < e.joined.Sub(e.t0) {
		return time.Now()
	}
	return e.t0.Add(a.at)
}

// do carries out a, due at at.
func (s *spawner) do(a spawnAction, at time.Time) {
	e := s.e
	if a.id > 0 {
		h := &userHandle{quit: make(chan struct{})}
		e.active.Add(1)
		e.users.Add(1)
		s.running = append(s.running, h)
		s.maxID = max(s.maxID, a.id)
		go e.user(a.id, at, h)
		return
	}
	cur := len(s.running)
	for _, h := range s.running[min(a.level, cur):] {
		close(h.quit)
		h.leave(e)
	}
	s.running = s.running[:min(a.level, cur)]
	var starts []spawnAction
	limit := time.Duration(math.MaxInt64)
	if len(s.queue) > 0 {
		limit = s.queue[0].at // a later change decides from there
	}
	rate := e.cfg.Shape.rate()
	for i := range max(a.level-cur, 0) {
		at := a.at + time.Duration(math.Round(float64(i)/rate*float64(time.Second)))
		if at >= limit {
			break
		}
		starts = append(starts, spawnAction{at: at, id: s.maxID + 1 + int32(i)})
	}
	s.queue = append(starts, s.queue...)
}

// apply takes the changes made since the last call: from each change's
// step start B on, the planned starts and queued actions are dropped and
// an action sets the level at B.
func (s *spawner) apply() {
	cs := s.e.changes()
	for _, c := range cs[s.applied:] {
		b := time.Duration(c.Step-1) * s.e.cfg.Shape.StepTime
		s.cutoff = min(s.cutoff, b)
		kept := s.queue[:0]
		for _, a := range s.queue {
			if a.at < b {
				kept = append(kept, a)
			}
		}
		s.queue = append(kept, spawnAction{at: b, level: int(c.Level)})
	}
	s.applied = len(cs)
}
