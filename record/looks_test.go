package record

import (
	"slices"
	"testing"
	"time"

	"github.com/llmrec/llmrec/analyze/level"
	"github.com/llmrec/llmrec/schemas"
)

// TestProbeLooks is one probe's looks as data (µs, no clock): looks at 1,
// 2 and 3 s of a part measured from 0, half a second to settle each,
// latency ≤ 400 ms at 90% and five looks at 0.05/15 a level (55 good
// requests show it met). A look decides only when the verdict is the same
// whatever the requests in flight turn out to be; one still unsettled
// after half a second passes; the last look is the probe's own end.
func TestProbeLooks(t *testing.T) {
	sc := DefaultSearchConfig(DefaultConfig())
	sc.SLO = level.SLO{Latency: 400 * time.Millisecond}
	ls := &levelState{stepsMeet: true}
	judge := func(one schemas.Probe) schemas.Probe { return ls.judge(one, &sc) }
	const s = int64(time.Second / time.Microsecond)
	newLooks := func() *probeLooks {
		return newProbeLooks(0, []int64{s, 2 * s, 3 * s}, s/2, &sc, judge)
	}
	// sendAll sends n requests evenly over [from, to) and answers them,
	// good or not, but for the last `open`, left in flight.
	sendAll := func(pl *probeLooks, n int, from, to int64, good bool, open int) {
		for i := range n {
			at := from + (to-from)*int64(i)/int64(n)
			id := pl.sent(at)
			if i < n-open {
				pl.answered(id, at, true, good)
			}
		}
	}

	t.Run("meets once the sample is settled", func(t *testing.T) {
		pl := newLooks()
		sendAll(pl, 60, 0, s, true, 1)
		if pl.look(s - 1) {
			t.Fatal("decided before its look's time")
		}
		if pl.look(s + 1000) {
			t.Fatal("decided meets with a request of the sample in flight: it may still fail")
		}
		for id := range pl.flying {
			pl.answered(id, s-1, true, true)
		}
		if !pl.look(s+2000) || pl.verdict != schemas.ProbeMeets || pl.end() != s {
			t.Fatalf("verdict %q ending at %d: want meets at the first look, 1 s", pl.verdict, pl.end())
		}
	})
	t.Run("misses with requests in flight past the latency bound", func(t *testing.T) {
		pl := newLooks()
		sendAll(pl, 2, 0, s/2, false, 0)
		sendAll(pl, 10, 7*s/10, s, false, 10) // in flight since 0.7 to 0.97 s
		if pl.look(s) {
			t.Fatal("decided at 1 s: two bad answers, and ten in flight that may be good")
		}
		if !pl.look(s+46*s/100) || pl.verdict != schemas.ProbeMisses || pl.end() != s {
			t.Fatalf("verdict %q ending at %d: want misses at 1 s once the ten are 450 ms in flight", pl.verdict, pl.end())
		}
	})
	t.Run("a small sample below the target is no miss before the end", func(t *testing.T) {
		pl := newLooks()
		sendAll(pl, 8, 0, s, true, 0)
		sendAll(pl, 2, 0, s, false, 0)
		if pl.look(s) || pl.j != 1 {
			t.Fatalf("look %d, verdict %q: 8 of 10 good cannot show 90%% missed; want the first look passed", pl.j, pl.verdict)
		}
	})
	t.Run("an unsettled look passes after half a second", func(t *testing.T) {
		pl := newLooks()
		sendAll(pl, 20, 0, s, true, 1)
		if pl.look(s+s/4) || pl.j != 0 {
			t.Fatalf("look %d after 250 ms: want the first still pending", pl.j)
		}
		if pl.look(s+s/2) || pl.j != 1 {
			t.Fatalf("look %d after 500 ms: want the first passed, the second pending", pl.j)
		}
	})
	t.Run("a look settles for lookSettle at most, however long the warmup", func(t *testing.T) {
		pl := newProbeLooks(0, []int64{s, 2 * s, 3 * s}, 5*s, &sc, judge)
		sendAll(pl, 20, 0, s, true, 1)
		settle := lookSettle.Microseconds()
		if pl.look(s+settle-1) || pl.j != 0 {
			t.Fatalf("look %d just before %v: want the first still pending", pl.j, lookSettle)
		}
		if at, final := pl.cut(); at != s || final {
			t.Fatalf("cut %d (final %v) while the first look settles: want 1 s, not final", at, final)
		}
		if pl.look(s+settle) || pl.j != 1 {
			t.Fatalf("look %d after %v: want the first passed (its rows' step known), not after half the 10 s warmup", pl.j, lookSettle)
		}
		if at, final := pl.cut(); at != 2*s || final {
			t.Fatalf("cut %d (final %v): want the second look's, 2 s, not final", at, final)
		}
	})
	t.Run("a settled undecided look passes at once; the last is the probe's", func(t *testing.T) {
		pl := newLooks()
		sendAll(pl, 3, 0, 3*s, true, 0)
		if pl.look(5*s) || pl.j != 2 || pl.verdict != "" || pl.end() != 3*s {
			t.Fatalf("look %d, verdict %q, end %d: want every look passed but the last, the planned end", pl.j, pl.verdict, pl.end())
		}
		if at, final := pl.cut(); at != 3*s || !final {
			t.Fatalf("cut %d (final %v): want the planned end, final", at, final)
		}
	})
}

// fakeCut is a stepCut moved by hand: await moves it as a look settling
// would, and counts its calls.
type fakeCut struct {
	at     int64
	final  bool
	onWait func(c *fakeCut)
	waits  int
}

func (c *fakeCut) cut() (int64, bool) { return c.at, c.final }
func (c *fakeCut) await(int64) {
	c.waits++
	if c.onWait != nil {
		c.onWait(c)
	}
}

// TestProbeSinkJournalsHeldRows: the rows a probe sends while a look
// settles are held only until its flush, which waits for the look and
// writes them, in the step (the look passed) or the next (it decided);
// once the step's end is known, the rows sent after it are written at
// once in the next step, its warmup, and counted for it.
func TestProbeSinkJournalsHeldRows(t *testing.T) {
	const s = int64(time.Second / time.Microsecond)
	t0 := time.Now()
	row := func(at int64) schemas.Record {
		return schemas.Record{Start: t0.Add(time.Duration(at) * time.Microsecond), OK: true, LatencyMS: 10}
	}
	newSink := func() (*probeSink, *memSink) {
		mem := &memSink{}
		return &probeSink{sink: mem, meta: &schemas.RunMeta{RunID: "r"}, t0: t0, warmup: s}, mem
	}
	steps := func(mem *memSink) []int32 {
		var out []int32
		for _, r := range mem.rows {
			out = append(out, r.Step)
		}
		return out
	}

	t.Run("the look passes: held rows are of the step", func(t *testing.T) {
		ps, mem := newSink()
		cut := &fakeCut{at: 3 * s, onWait: func(c *fakeCut) { c.at = 5 * s }}
		if err := ps.begin(1, 0, s, 11*s, cut); err != nil {
			t.Fatal(err)
		}
		if err := ps.Write([]schemas.Record{row(2 * s), row(3 * s), row(3*s + 1)}); err != nil {
			t.Fatal(err)
		}
		if len(mem.rows) != 1 || len(ps.held) != 2 {
			t.Fatalf("%d written, %d held: want the row before the look written, the two after it held", len(mem.rows), len(ps.held))
		}
		if err := ps.Flush(); err != nil {
			t.Fatal(err)
		}
		if cut.waits != 1 || len(ps.held) != 0 || !slices.Equal(steps(mem), []int32{1, 1, 1}) || mem.flushes != 2 {
			t.Fatalf("waits %d, held %d, steps %v, flushes %d: want one wait, then the held rows written in step 1 and flushed",
				cut.waits, len(ps.held), steps(mem), mem.flushes)
		}
		if p := ps.probe(1, 1); p.Due != 3 {
			t.Errorf("step 1 counts %d measured, want 3", p.Due)
		}
	})
	t.Run("the look decides: held rows and later ones are of the next step at once", func(t *testing.T) {
		ps, mem := newSink()
		cut := &fakeCut{at: 3 * s, onWait: func(c *fakeCut) { c.final = true }}
		if err := ps.begin(1, 0, s, 11*s, cut); err != nil {
			t.Fatal(err)
		}
		if err := ps.Write([]schemas.Record{row(2 * s), row(3 * s)}); err != nil {
			t.Fatal(err)
		}
		if err := ps.Flush(); err != nil {
			t.Fatal(err)
		}
		if err := ps.Write([]schemas.Record{row(3*s + 10)}); err != nil {
			t.Fatal(err)
		}
		if len(ps.held) != 0 || !slices.Equal(steps(mem), []int32{1, 2, 2}) {
			t.Fatalf("held %d, steps %v: want nothing held, the rows after the decided look in step 2 as they come", len(ps.held), steps(mem))
		}
		if err := ps.close(3 * s); err != nil {
			t.Fatal(err)
		}
		if p := ps.probe(1, 1); p.Due != 1 {
			t.Errorf("step 1 counts %d measured, want 1", p.Due)
		}
		if err := ps.begin(2, 3*s, 4*s, 14*s, nil); err != nil {
			t.Fatal(err)
		}
		if p := ps.probe(2, 1); p.Due != 0 {
			t.Errorf("step 2 counts %d measured: its warmup's rows are not", p.Due)
		}
	})
	t.Run("no looks: a send racing the planned end is of the next step at once", func(t *testing.T) {
		ps, mem := newSink()
		if err := ps.begin(1, 0, s, 11*s, nil); err != nil {
			t.Fatal(err)
		}
		if err := ps.Write([]schemas.Record{row(10 * s), row(11 * s)}); err != nil {
			t.Fatal(err)
		}
		if len(ps.held) != 0 || !slices.Equal(steps(mem), []int32{1, 2}) {
			t.Fatalf("held %d, steps %v: want both written, in steps 1 and 2", len(ps.held), steps(mem))
		}
		if err := ps.finish(); err != nil || len(mem.rows) != 2 {
			t.Fatalf("finish: %v, %d rows", err, len(mem.rows))
		}
	})
}
