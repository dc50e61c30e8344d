package record

import (
	"math"
	"time"
)

// Shape is the step load shape (docs/METHOD.md): StepUsers users are added every
// StepTime, up to MaxUsers, each step's new users spawned at SpawnRate users
// per second. It is a pure function of elapsed time: nothing here reads a
// clock, so the schedule is tested as a table of numbers.
type Shape struct {
	StepUsers int
	StepTime  time.Duration
	MaxUsers  int
	SpawnRate float64 // users per second; <= 0 means StepUsers per second
	// Duration is the whole run; 0 means until MaxUsers has been held for
	// one full step (see Total).
	Duration time.Duration
}

// rate is the effective spawn rate.
func (s Shape) rate() float64 {
	if s.SpawnRate > 0 {
		return s.SpawnRate
	}
	return float64(s.StepUsers)
}

// Steps is the number of steps it takes to reach MaxUsers.
func (s Shape) Steps() int {
	if s.StepUsers <= 0 {
		return 0
	}
	return (s.MaxUsers + s.StepUsers - 1) / s.StepUsers
}

// Total is the planned length of the run: Duration when set, else Steps
// whole steps (the last of which holds MaxUsers for one full step).
func (s Shape) Total() time.Duration { return plannedTotal(s.Duration, s.Steps(), s.StepTime) }

// plannedTotal is a schedule's planned length: duration when set, else
// steps whole steps of stepTime.
func plannedTotal(duration time.Duration, steps int, stepTime time.Duration) time.Duration {
	if duration > 0 {
		return duration
	}
	return time.Duration(steps) * stepTime
}

// StepAt is the 1-based step at elapsed time: floor(elapsed/StepTime)+1,
// as in docs/METHOD.md. Steps keep counting once MaxUsers is reached.
func (s Shape) StepAt(elapsed time.Duration) int { return stepAt(elapsed, s.StepTime) }

// stepAt is the 1-based step at elapsed time of steps stepTime long,
// floor(elapsed/stepTime)+1; step 1 before the start or without a step
// time.
func stepAt(elapsed, stepTime time.Duration) int {
	if elapsed < 0 || stepTime <= 0 {
		return 1
	}
	return int(elapsed/stepTime) + 1
}

// UserStart is when user i (0-based, in spawn order) starts: in step
// k = i / StepUsers, the j-th new user (j = i mod StepUsers) starts at
// (k × StepTime) + j / SpawnRate. ok is false when user i is never started
// (i ≥ MaxUsers, or its start falls at or after Total).
func (s Shape) UserStart(i int) (at time.Duration, ok bool) {
	if i < 0 || i >= s.MaxUsers || s.StepUsers <= 0 {
		return 0, false
	}
	k, j := i/s.StepUsers, i%s.StepUsers
	at = time.Duration(k)*s.StepTime + time.Duration(math.Round(float64(j)/s.rate()*float64(time.Second)))
	if at >= s.Total() {
		return 0, false
	}
	return at, true
}
