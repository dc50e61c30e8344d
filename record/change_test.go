package record

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/llmrec/llmrec/schemas"
)

// changeAt sets the level at elapsed (a goroutine of the bubble) and
// hands back what SetLevel returned.
func changeAt(ctl *Control, at time.Duration, level float64) <-chan error {
	done := make(chan error, 1)
	go func() {
		time.Sleep(at)
		_, err := ctl.SetLevel(level, schemas.ChangedByDashboard)
		done <- err
	}()
	return done
}

// stepUsers are, by step, the most users of a row sent in it and the
// users (ids) that sent in it.
func stepUsers(rows []schemas.Record) (most map[int32]int32, ids map[int32][]int32) {
	most, ids = map[int32]int32{}, map[int32][]int32{}
	for _, r := range rows {
		most[r.Step] = max(most[r.Step], r.Users)
		if !slices.Contains(ids[r.Step], r.User) {
			ids[r.Step] = append(ids[r.Step], r.User)
		}
	}
	for k := range ids {
		slices.Sort(ids[k])
	}
	return most, ids
}

// TestChangeClosedLoop: a closed loop planned at 5 then 10 users a step
// is lowered to 3 users during step 2 (from step 3 on: the users started
// last retire at its start) and raised to 6 during step 3 (from step 4
// on: three new users, with new ids); the rows of each step carry its
// level as their most users, and the footer records both changes.
func TestChangeClosedLoop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := engineConfig()
		cfg.Shape = Shape{StepUsers: 5, StepTime: time.Second, MaxUsers: 10, SpawnRate: 100, Duration: 5 * time.Second}
		var ctl Control
		cfg.Control = &ctl
		if _, err := ctl.SetLevel(3, schemas.ChangedByDashboard); !errors.Is(err, ErrNotRunning) {
			t.Errorf("before the run: %v, want ErrNotRunning", err)
		}
		low, high := changeAt(&ctl, 1500*time.Millisecond, 3), changeAt(&ctl, 2500*time.Millisecond, 6)
		sink := &memSink{}
		if _, err := Run(context.Background(), cfg, &fakeClient{delay: 50 * time.Millisecond}, sink); err != nil {
			t.Fatal(err)
		}
		if err := errors.Join(<-low, <-high); err != nil {
			t.Fatal(err)
		}
		most, ids := stepUsers(sink.rows)
		want := map[int32]int32{1: 5, 2: 10, 3: 3, 4: 6, 5: 6}
		for k, w := range want {
			if most[k] != w {
				t.Errorf("step %d: most users %d, want %d (ids %v)", k, most[k], w, ids[k])
			}
		}
		if !slices.Equal(ids[3], []int32{1, 2, 3}) || !slices.Equal(ids[5], []int32{1, 2, 3, 11, 12, 13}) {
			t.Errorf("users sending in step 3: %v, want the first three; in step 5: %v, want those and three new", ids[3], ids[5])
		}
		got := sink.final.Shape.Changes
		if len(got) != 2 || got[0].Step != 3 || got[0].Level != 3 || got[0].AtS != 1.5 || got[0].By != "dashboard" ||
			got[1].Step != 4 || got[1].Level != 6 || !got[1].At.Equal(sink.final.StartedAt.Add(2500*time.Millisecond)) {
			t.Errorf("footer changes %+v", got)
		}
		if _, err := ctl.SetLevel(3, schemas.ChangedByDashboard); !errors.Is(err, ErrNotRunning) {
			t.Errorf("after the run: %v, want ErrNotRunning", err)
		}
	})
}

// TestChangeRefused: levels beyond the run's limits, a change in the last
// step and a sharded run are refused with a reason; nothing is recorded.
func TestChangeRefused(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := engineConfig()
		cfg.Shape = Shape{StepUsers: 2, StepTime: time.Second, MaxUsers: 4}
		var ctl Control
		cfg.Control = &ctl
		errs := make(chan []error, 1)
		go func() {
			time.Sleep(500 * time.Millisecond)
			var got []error
			for _, v := range []float64{0, 5, 2.5, math.NaN(), -1} {
				_, err := ctl.SetLevel(v, schemas.ChangedByDashboard)
				got = append(got, err)
			}
			time.Sleep(time.Second) // step 2, the last
			_, err := ctl.SetLevel(3, schemas.ChangedByDashboard)
			errs <- append(got, err)
		}()
		sink := &memSink{}
		if _, err := Run(context.Background(), cfg, &fakeClient{delay: 50 * time.Millisecond}, sink); err != nil {
			t.Fatal(err)
		}
		for i, err := range <-errs {
			var le *LevelError
			if !errors.As(err, &le) || le.Problem == "" {
				t.Errorf("change %d: %v, want a LevelError", i, err)
			}
		}
		if c := sink.final.Shape.Changes; len(c) != 0 {
			t.Errorf("refused changes recorded: %+v", c)
		}
	})
	sharded := engineConfig()
	sharded.Shard = Sharding{Index: 0, Count: 2}
	e := &engine{cfg: &sharded}
	var le *LevelError
	if err := e.checkLevel(2); !errors.As(err, &le) {
		t.Errorf("sharded: %v, want a LevelError", err)
	}
}

// TestChangeOpenLoop: constant arrivals at 10 then 15 req/s; lowered to
// 0.1 req/s during step 2 (step 3's only arrival is at its start; the next
// falls past the end) and raised to 20 req/s during step 3 (step 4 takes
// the arrival back and sends 20). Arrivals are exact: S_i = i mapped
// through the changed rates.
func TestChangeOpenLoop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := openConfig(ArrivalConstant, 10, 5, 20, time.Second)
		cfg.OpenLoop.Duration = 4 * time.Second
		var ctl Control
		cfg.Control = &ctl
		low, high := changeAt(&ctl, 1500*time.Millisecond, 0.1), changeAt(&ctl, 2500*time.Millisecond, 20)
		sink := &memSink{}
		if _, err := Run(context.Background(), cfg, &fakeClient{delay: 20 * time.Millisecond}, sink); err != nil {
			t.Fatal(err)
		}
		if err := errors.Join(<-low, <-high); err != nil {
			t.Fatal(err)
		}
		if _, err := ctl.SetLevel(21, schemas.ChangedByDashboard); err == nil {
			t.Error("a rate above the maximum was taken")
		}
		// Λ: 10 by 1 s, 25 by 2 s, 25.1 by 3 s, 45.1 by 4 s.
		want := func(i int) time.Duration {
			var s float64
			switch {
			case i < 10:
				s = float64(i) / 10
			case i < 25:
				s = 1 + float64(i-10)/15
			case i == 25:
				s = 2
			default:
				s = 3 + (float64(i)-25.1)/20
			}
			return time.Duration(math.Round(s * 1e9))
		}
		rows := slices.Clone(sink.rows)
		slices.SortFunc(rows, func(a, b schemas.Record) int { return int(a.User - b.User) })
		if len(rows) != 46 {
			t.Fatalf("%d rows, want 46 arrivals", len(rows))
		}
		t0 := sink.final.StartedAt
		for i, r := range rows {
			if d := r.ScheduledAt.Sub(t0) - want(i); r.User != int32(i) || d < -time.Microsecond || d > time.Microsecond {
				t.Fatalf("arrival %d (user %d) due at +%v, want +%v", i, r.User, r.ScheduledAt.Sub(t0), want(i))
			}
		}
		c := sink.final.Shape.Changes
		if len(c) != 2 || c[0].Step != 3 || c[0].Level != 0.1 || c[1].Step != 4 || c[1].Level != 20 {
			t.Errorf("footer changes %+v", c)
		}
	})
}

// TestArrivalsSetRate: a poisson sequence whose rate changes from step 3
// on keeps every arrival before step 3 and maps the later ones through
// the new rate: t = 2 s + (S − Λ(2 s)) / 40, where S is what the
// unchanged sequence (rate 10) gives, 10·t. The arrival pending when the
// change comes is placed again.
func TestArrivalsSetRate(t *testing.T) {
	o := OpenLoop{Kind: ArrivalPoisson, Rate: 10, StepTime: time.Second, Duration: 60 * time.Second, Burstiness: 0.7, Seed: 11}
	ref, err := NewArrivals(o, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	o.Duration = 10 * time.Second
	got, _ := NewArrivals(o, 0, 1)
	var n int
	for {
		r, ok := ref.Next()
		if !ok {
			t.Fatal("the reference ran out")
		}
		g, gok := got.Next()
		if n > 0 && r.At >= 2*time.Second && g.At == r.At {
			// The first arrival of step 3 is pending: change now.
			if g, gok, err = got.SetRate(3, 40); err != nil {
				t.Fatal(err)
			}
		}
		want := r.At
		if r.At >= 2*time.Second {
			s := 10 * r.At.Seconds()
			want = 2*time.Second + time.Duration(math.Round((s-20)/40*1e9))
		}
		if want >= o.Duration {
			if gok {
				t.Fatalf("arrival %d at %v past the end", n, g.At)
			}
			break
		}
		if d := g.At - want; !gok || g.Index != r.Index || d < -2 || d > 2 {
			t.Fatalf("arrival %d: %v (%v), want %v", n, g.At, gok, want)
		}
		if wantStep := int(want/time.Second) + 1; g.Step != wantStep || (wantStep >= 3 && g.Rate != 40) {
			t.Fatalf("arrival %d: step %d rate %g", n, g.Step, g.Rate)
		}
		n++
	}
	if n < 300 {
		t.Errorf("only %d arrivals compared", n)
	}
	sharded, _ := NewArrivals(o, 0, 2)
	if _, _, err := sharded.SetRate(2, 5); err == nil {
		t.Error("a sharded sequence took a rate change")
	}
}
