package record

import (
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
	t.Run("a settled undecided look passes at once; the last is the probe's", func(t *testing.T) {
		pl := newLooks()
		sendAll(pl, 3, 0, 3*s, true, 0)
		if pl.look(5*s) || pl.j != 2 || pl.verdict != "" || pl.end() != 3*s {
			t.Fatalf("look %d, verdict %q, end %d: want every look passed but the last, the planned end", pl.j, pl.verdict, pl.end())
		}
	})
}
