package record

import (
	"cmp"
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/llmrec/llmrec/record/target"
	"github.com/llmrec/llmrec/schemas"
)

// The replay's tests run in a synctest bubble: with the fake clock a
// request sent on time is sent at exactly its offset, so the replay's
// offsets must equal the original's to the microsecond.

// record runs cfg against a client that takes delay and returns the
// footer, the rows and the prompts the client saw (sorted).
func record(t *testing.T, cfg Config, delay time.Duration) (*schemas.RunMeta, []schemas.Record, []string) {
	t.Helper()
	client := &promptClient{fakeClient: fakeClient{delay: delay}}
	sink := &memSink{}
	if _, err := Run(context.Background(), cfg, client, sink); err != nil {
		t.Fatal(err)
	}
	sink.final.SchemaVersion = schemas.Version
	return sink.final, sink.rows, client.sorted()
}

// replayOf builds the replay of rows (as a file of version) into a
// config with the test's target.
func replayOf(t *testing.T, meta *schemas.RunMeta, rows []schemas.Record, version, shard int) Config {
	t.Helper()
	rp, err := NewReplay(meta, []string{"/some/dir/orig.parquet"}, shard)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		rp.Add(&rows[i], version)
	}
	cfg := engineConfig()
	if err := rp.Configure(&cfg); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// byRequest orders rows by user, then send: an open loop's user is its
// arrival, a closed loop's user sends one request after another.
func byRequest(rows []schemas.Record) []schemas.Record {
	rows = slices.Clone(rows)
	slices.SortFunc(rows, func(a, b schemas.Record) int {
		return cmp.Or(cmp.Compare(a.Shard, b.Shard), cmp.Compare(a.User, b.User), a.Start.Compare(b.Start))
	})
	return rows
}

// TestReplaySendsTheRecordedSchedule: a replay sends each request of an
// open loop (synthetic prompts, drawn max_tokens) and of a closed loop
// (built-in prompts, think times) at the original's offset — an open
// loop's scheduled_at, a closed loop's send — in its step, with its
// prompt and max_tokens, though the replay's target answers 3× slower;
// the footer names the original and keeps its shape.
func TestReplaySendsTheRecordedSchedule(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  func() Config
	}{
		{"open loop", func() Config {
			cfg := openConfig(ArrivalPoisson, 40, 40, 80, time.Second)
			cfg.Workload = Workload{InputTokens: target.Range{Min: 10, Max: 90}, OutputTokens: target.Range{Min: 5, Max: 50}}
			return cfg
		}},
		{"closed loop", engineConfig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				meta, orig, origPrompts := record(t, tc.cfg(), 60*time.Millisecond)
				cfg := replayOf(t, meta, orig, schemas.Version, -1)
				rmeta, rep, repPrompts := record(t, cfg, 180*time.Millisecond)
				if len(orig) < 20 || len(rep) != len(orig) {
					t.Fatalf("original %d rows, replay %d", len(orig), len(rep))
				}
				if !slices.Equal(origPrompts, repPrompts) {
					t.Error("the replay sent other prompts (or max_tokens) than the original")
				}
				checkReplayed(t, meta, byRequest(orig), rmeta, byRequest(rep))
				want := schemas.Replay{RunID: meta.RunID, Files: []string{"orig.parquet"}, Shard: -1, Requests: int64(len(orig)),
					Prompts: schemas.ReplaySamePrompts, MaxTokens: schemas.ReplayRecordedMax}
				if rmeta.Replay == nil || !reflect.DeepEqual(*rmeta.Replay, want) {
					t.Errorf("footer's replay %+v, want %+v", rmeta.Replay, want)
				}
				if !reflect.DeepEqual(rmeta.Shape, meta.Shape) || rmeta.RunID == meta.RunID {
					t.Errorf("replay's shape %+v (id %s), want the original's %+v under another id", rmeta.Shape, rmeta.RunID, meta.Shape)
				}
			})
		})
	}
}

// checkReplayed compares the rows of an original and its replay, request
// by request (both in byRequest order).
func checkReplayed(t *testing.T, meta *schemas.RunMeta, orig []schemas.Record, rmeta *schemas.RunMeta, rep []schemas.Record) {
	t.Helper()
	open := meta.Shape.OpenLoop()
	for i, o := range orig {
		r := rep[i]
		at := o.Start
		if open {
			at = o.ScheduledAt
		}
		want := at.Sub(meta.StartedAt)
		if got := r.ScheduledAt.Sub(rmeta.StartedAt); got != want || r.Start.Sub(rmeta.StartedAt) != want {
			t.Fatalf("request %d (user %d): replay scheduled at +%v, sent at +%v; the original's offset is +%v",
				i, o.User, got, r.Start.Sub(rmeta.StartedAt), want)
		}
		if r.Step != o.Step || r.User != o.User || *r.PromptIndex != *o.PromptIndex || *r.MaxTokens != *o.MaxTokens {
			t.Fatalf("request %d: replay step %d user %d prompt %d max_tokens %d; original %d %d %d %d",
				i, r.Step, r.User, *r.PromptIndex, *r.MaxTokens, o.Step, o.User, *o.PromptIndex, *o.MaxTokens)
		}
		if !open && r.Users != o.Users {
			t.Fatalf("request %d: replay users %d, original %d", i, r.Users, o.Users)
		}
	}
}

// TestReplayOlderFile: a file without max_tokens and prompt_index
// (version 2) replays an open loop's prompts by its arrivals (the same
// ones) with the run's max_tokens; a closed loop's prompts are drawn, and
// the footer says so.
func TestReplayOlderFile(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     func() Config
		prompts string
	}{
		{"open loop", func() Config { return openConfig(ArrivalConstant, 20, 0, 0, time.Second) }, schemas.ReplaySamePrompts},
		{"closed loop", engineConfig, schemas.ReplayDrawnPrompts},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				meta, orig, origPrompts := record(t, tc.cfg(), 10*time.Millisecond)
				for i := range orig {
					orig[i].MaxTokens, orig[i].PromptIndex = nil, nil
				}
				meta.SchemaVersion = 2
				cfg := replayOf(t, meta, orig, 2, -1)
				rmeta, rep, repPrompts := record(t, cfg, 10*time.Millisecond)
				if len(rep) != len(orig) || rmeta.Replay.Prompts != tc.prompts || rmeta.Replay.MaxTokens != schemas.ReplayFooterMax {
					t.Fatalf("%d rows of %d; footer %+v", len(rep), len(orig), rmeta.Replay)
				}
				if same := slices.Equal(origPrompts, repPrompts); same != (tc.prompts == schemas.ReplaySamePrompts) {
					t.Errorf("same prompts: %v; the footer says %s", same, tc.prompts)
				}
				for _, r := range rep {
					if *r.MaxTokens != int32(meta.MaxTokens) {
						t.Fatalf("max_tokens %d, want the run's %d", *r.MaxTokens, meta.MaxTokens)
					}
				}
			})
		})
	}
}

// TestReplaySharded: each shard of a two-shard open loop replays its own
// rows as that shard, from one time zero; together they are the
// original's requests at the original's offsets, under one run id.
func TestReplaySharded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The shards of each run start together, as separate recorders do.
		shards := func(cfg func(i int) Config) (metas [2]*schemas.RunMeta, rows [2][]schemas.Record) {
			var wg sync.WaitGroup
			for i := range 2 {
				wg.Go(func() { metas[i], rows[i], _ = record(t, cfg(i), 20*time.Millisecond) })
			}
			wg.Wait()
			return metas, rows
		}
		start := time.Now().Add(time.Second)
		metas, rows := shards(func(i int) Config {
			cfg := openConfig(ArrivalPoisson, 30, 0, 0, time.Second)
			cfg.Shard = Sharding{Index: i, Count: 2, StartAt: start}
			return cfg
		})
		orig := append(rows[0], rows[1]...)
		restart := time.Now().Add(time.Second)
		rmetas, reps := shards(func(i int) Config {
			cfg := replayOf(t, metas[i], orig, schemas.Version, i)
			cfg.Shard.StartAt = restart
			return cfg
		})
		for i, m := range rmetas {
			if m.Shard != i || m.Shards != 2 || m.RunID != rmetas[0].RunID || m.RunID == metas[0].RunID {
				t.Fatalf("replay of shard %d: footer shard %d/%d, run id %s (shard 0's %s, the original's %s)", i, m.Shard, m.Shards, m.RunID, rmetas[0].RunID, metas[0].RunID)
			}
			if m.Replay.Skipped != int64(len(orig)-len(reps[i])) {
				t.Errorf("shard %d skipped %d rows, want the other shard's %d", i, m.Replay.Skipped, len(orig)-len(reps[i]))
			}
		}
		rep, rmeta := append(reps[0], reps[1]...), rmetas[0]
		if len(rep) != len(orig) || len(orig) < 20 {
			t.Fatalf("replayed %d of %d rows", len(rep), len(orig))
		}
		checkReplayed(t, metas[0], byRequest(orig), rmeta, byRequest(rep))
	})
}

// TestReplayRefuses: a capacity search, a run without rows, a prompt
// file the run needs and a prompt file too short for its indexes.
func TestReplayRefuses(t *testing.T) {
	base := func() *schemas.RunMeta {
		return &schemas.RunMeta{RunID: "r", API: target.APIChat, MaxTokens: 64, Shards: 1, SchemaVersion: 3,
			StartedAt: time.Unix(100, 0), EndedAt: time.Unix(200, 0), EndReason: schemas.EndCompleted,
			Shape:    schemas.Shape{Profile: "default", StepUsers: 1, StepTimeS: 10, MaxUsers: 1, DurationS: 10, Arrival: schemas.ArrivalClosed},
			Timeouts: schemas.Timeouts{TimeoutS: 10, IdleTimeoutS: 10, GraceS: 1}}
	}
	row := func(prompt int32) schemas.Record {
		return schemas.Record{RunID: "r", Step: 1, Users: 1, Start: time.Unix(101, 0), ScheduledAt: time.Unix(101, 0), PromptIndex: &prompt}
	}
	for _, tc := range []struct {
		name    string
		meta    func(*schemas.RunMeta)
		rows    []schemas.Record
		prompts []target.Prompt
		want    string
	}{
		{"search", func(m *schemas.RunMeta) { m.Shape.Search = &schemas.Search{Kind: "users"} }, nil, nil, "capacity search"},
		{"no rows", func(*schemas.RunMeta) {}, []schemas.Record{{RunID: "other"}}, nil, "no request to replay (1 rows skipped)"},
		{"conversation", func(*schemas.RunMeta) {}, []schemas.Record{func() schemas.Record { r := row(0); r.Turn = new(int32(2)); return r }()}, nil, "belong to a conversation (turn)"},
		{"prompt file needed", func(m *schemas.RunMeta) { m.Workload = &schemas.Workload{Prompts: "file"} }, []schemas.Record{row(0)}, nil, "Prompts is needed"},
		{"prompt file short", func(m *schemas.RunMeta) { m.Workload = &schemas.Workload{Prompts: "file"} }, []schemas.Record{row(2)},
			[]target.Prompt{{Text: "a"}, {Text: "b"}}, "has 2 prompts, but the run sent prompt 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := base()
			tc.meta(m)
			err := func() error {
				rp, err := NewReplay(m, []string{"f.parquet"}, -1)
				if err != nil {
					return err
				}
				for i := range tc.rows {
					rp.Add(&tc.rows[i], 3)
				}
				cfg := engineConfig()
				cfg.Prompts = tc.prompts
				if err := rp.Configure(&cfg); err != nil {
					return err
				}
				return errors.Join(cfg.Validate(), cfg.CheckReplay())
			}()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
