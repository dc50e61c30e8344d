package record

import (
	"testing"
	"time"
)

// usersBy is how many users the schedule has started by elapsed
// (inclusive), counted the way the spawner starts them: in order, by
// UserStart.
func usersBy(s Shape, elapsed time.Duration) int {
	n := 0
	for i := 0; ; i++ {
		at, ok := s.UserStart(i)
		if !ok || at > elapsed {
			return n
		}
		n++
	}
}

func TestShapeDefaultSteps(t *testing.T) {
	// The default shape of docs/METHOD.md: 10 users every 60 s up to 100: 10 users at 0-60 s, 20 at
	// 60-120 s, ... and the run ends after 100 users held one full step.
	s := Shape{StepUsers: 10, StepTime: 60 * time.Second, MaxUsers: 100}
	if got := s.Total(); got != 10*time.Minute {
		t.Fatalf("Total = %v, want 10m", got)
	}
	tests := []struct {
		at          time.Duration
		step, users int // users = target and (rate 10/s) started users after ramp
	}{
		{0, 1, 10},
		{59 * time.Second, 1, 10},
		{60 * time.Second, 2, 20},
		{125 * time.Second, 3, 30},
		{599 * time.Second, 10, 100},
		{700 * time.Second, 12, 100},
	}
	for _, tt := range tests {
		if got := s.StepAt(tt.at); got != tt.step {
			t.Errorf("StepAt(%v) = %d, want %d", tt.at, got, tt.step)
		}
		if got := usersBy(s, time.Duration(tt.step)*s.StepTime-1); got != tt.users {
			t.Errorf("users started by the end of step %d = %d, want %d", tt.step, got, tt.users)
		}
	}
}

func TestShapeSpawnRamp(t *testing.T) {
	// 10 users a step spawned at 2 users/s: the 10 new users of step 2 start
	// at 60, 60.5, ..., 64.5 s.
	s := Shape{StepUsers: 10, StepTime: 60 * time.Second, MaxUsers: 25, SpawnRate: 2}
	tests := []struct {
		i  int
		at time.Duration
		ok bool
	}{
		{0, 0, true},
		{1, 500 * time.Millisecond, true},
		{9, 4500 * time.Millisecond, true},
		{10, 60 * time.Second, true},
		{19, 64500 * time.Millisecond, true},
		{20, 120 * time.Second, true},
		{24, 122 * time.Second, true},
		{25, 0, false}, // beyond MaxUsers
		{-1, 0, false},
	}
	for _, tt := range tests {
		at, ok := s.UserStart(tt.i)
		if at != tt.at || ok != tt.ok {
			t.Errorf("UserStart(%d) = %v, %v; want %v, %v", tt.i, at, ok, tt.at, tt.ok)
		}
	}
	users := []struct {
		at   time.Duration
		want int
	}{
		{0, 1}, {499 * time.Millisecond, 1}, {500 * time.Millisecond, 2}, {10 * time.Second, 10},
		{60 * time.Second, 11}, {64500 * time.Millisecond, 20}, {130 * time.Second, 25},
	}
	for _, u := range users {
		if got := usersBy(s, u.at); got != u.want {
			t.Errorf("users started by %v = %d, want %d", u.at, got, u.want)
		}
	}
	// 25 users at 10 a step: three steps, the last holds 25 users.
	if got := s.Total(); got != 180*time.Second {
		t.Errorf("Total = %v, want 3m", got)
	}
}

func TestShapeDurationCutsSchedule(t *testing.T) {
	s := Shape{StepUsers: 5, StepTime: 10 * time.Second, MaxUsers: 100, Duration: 25 * time.Second}
	if _, ok := s.UserStart(15); ok {
		t.Error("user 15 would start at 30 s, after the 25 s duration")
	}
	if at, ok := s.UserStart(14); !ok || at != 20*time.Second+800*time.Millisecond {
		t.Errorf("UserStart(14) = %v, %v", at, ok)
	}
}
