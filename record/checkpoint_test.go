package record

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/llmrec/llmrec/schemas"
)

// cpSink is a memSink that implements Checkpointer: it keeps a copy of
// every checkpoint and the order of the calls ("write", "flush",
// "checkpoint", "finish").
type cpSink struct {
	memSink
	cmu   sync.Mutex
	cps   []*schemas.RunMeta
	calls []string
}

func (s *cpSink) log(call string) {
	s.cmu.Lock()
	s.calls = append(s.calls, call)
	s.cmu.Unlock()
}

func (s *cpSink) Write(rows []schemas.Record) error { s.log("write"); return s.memSink.Write(rows) }
func (s *cpSink) Flush() error                      { s.log("flush"); return s.memSink.Flush() }
func (s *cpSink) Finish(m *schemas.RunMeta) error   { s.log("finish"); return s.memSink.Finish(m) }

// Checkpoint keeps a deep copy of meta, as a journal does (its JSON).
func (s *cpSink) Checkpoint(meta *schemas.RunMeta) error {
	s.log("checkpoint")
	js, err := json.Marshal(meta)
	if err != nil {
		return err
	}
	var m schemas.RunMeta
	if err := json.Unmarshal(js, &m); err != nil {
		return err
	}
	s.cmu.Lock()
	s.cps = append(s.cps, &m)
	s.cmu.Unlock()
	return nil
}

// flushedAfterEach checks that every checkpoint is followed by a flush
// before the sink's Finish.
func (s *cpSink) flushedAfterEach(t *testing.T) {
	t.Helper()
	pending := false
	for i, c := range s.calls {
		switch c {
		case "checkpoint":
			pending = true
		case "flush":
			pending = false
		case "finish":
			if pending {
				t.Errorf("call %d: Finish with a checkpoint not flushed (calls %v)", i, s.calls)
			}
		}
	}
}

// TestChangeCheckpointed: each live level change reaches a Checkpointer
// sink at the flush after it (within a second), with the changes made so
// far and the metadata as at the start; a run without a change
// checkpoints nothing.
func TestChangeCheckpointed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := engineConfig()
		cfg.Shape = Shape{StepUsers: 5, StepTime: time.Second, MaxUsers: 10, SpawnRate: 100, Duration: 5 * time.Second}
		var ctl Control
		cfg.Control = &ctl
		low, high := changeAt(&ctl, 1500*time.Millisecond, 3), changeAt(&ctl, 2500*time.Millisecond, 6)
		sink := &cpSink{}
		if _, err := Run(context.Background(), cfg, &fakeClient{delay: 50 * time.Millisecond}, sink); err != nil {
			t.Fatal(err)
		}
		if err := errors.Join(<-low, <-high); err != nil {
			t.Fatal(err)
		}
		final := sink.final.Shape.Changes
		if len(sink.cps) != 2 || len(final) != 2 {
			t.Fatalf("%d checkpoints for %d changes, want one each", len(sink.cps), len(final))
		}
		for i, m := range sink.cps {
			got := m.Shape.Changes
			if len(got) != i+1 || !got[i].At.Equal(final[i].At) || got[i].Level != final[i].Level || got[i].Step != final[i].Step ||
				m.RunID != sink.begun.RunID || !m.StartedAt.Equal(sink.begun.StartedAt) || m.Shape.MaxUsers != 10 {
				t.Errorf("checkpoint %d: changes %+v, run %s started %v; want the first %d of %+v", i, got, m.RunID, m.StartedAt, i+1, final)
			}
		}
		sink.flushedAfterEach(t)

		cfg.Control = nil
		plain := &cpSink{}
		if _, err := Run(context.Background(), cfg, &fakeClient{delay: 50 * time.Millisecond}, plain); err != nil {
			t.Fatal(err)
		}
		if len(plain.cps) != 0 {
			t.Errorf("a run without changes checkpointed %d times", len(plain.cps))
		}
	})
}

// TestSearchCheckpoints: a search hands a Checkpointer sink its footer as
// it stands as each probe starts (the levels with the probe's, the ends
// of the steps before) and as each ends (its step's end, its probe), each
// flushed; the last is the final footer's levels, step ends and probes.
func TestSearchCheckpoints(t *testing.T) {
	if testing.Short() {
		t.Skip("records a search of about 4 s")
	}
	sc, s := kneeSearch()
	sc.Start, sc.Probe, sc.Warmup, sc.MaxProbes = 2, time.Second, time.Second, 2
	sink := &cpSink{}
	sum := searchInto(t, sc, s, sink)
	sh := sink.final.Shape
	if len(sh.Levels) != 2 || len(sh.StepEndsS) != 2 || len(sink.cps) != 4 {
		t.Fatalf("final levels %v, ends %v; %d checkpoints, want 4 (two probes, each starting and ending)", sh.Levels, sh.StepEndsS, len(sink.cps))
	}
	for i, m := range sink.cps {
		k, ended := i/2+1, i%2 // probe k, started (ended 0) or ended (1)
		got := m.Shape
		done := k - 1 + ended
		if !slices.Equal(got.Levels, sh.Levels[:k]) || !slices.Equal(got.StepEndsS, sh.StepEndsS[:done]) ||
			got.Search == nil || len(got.Search.Probes) != done || got.Search.End != schemas.SearchInterrupted ||
			got.Profile != "search" || m.RunID != sum.Meta.RunID {
			t.Errorf("checkpoint %d (probe %d, ended %d): levels %v, ends %v, search %+v; final levels %v, ends %v",
				i, k, ended, got.Levels, got.StepEndsS, got.Search, sh.Levels, sh.StepEndsS)
			continue
		}
		if done > 0 && (got.DurationS != sh.StepEndsS[done-1] || got.Search.Probes[done-1].Due != sum.Search.Probes[done-1].Due) {
			t.Errorf("checkpoint %d: duration %g, probe %+v; want %g and %+v", i, got.DurationS, got.Search.Probes[done-1],
				sh.StepEndsS[done-1], sum.Search.Probes[done-1])
		}
	}
	sink.flushedAfterEach(t)
}
