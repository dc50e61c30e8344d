package analyze

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// capStep is one step of a capacity fixture: n successes with latencies
// from base ms (spread 20 ms), TTFT a quarter of the latency, 20 output
// tokens; noTTFT of them without a TTFT; fails failures.
type capStep struct {
	users, n     int
	base         float64
	fails        int
	noTTFT       int
	tokensPerReq int
}

func capReqs(steps []capStep) []req {
	const stepS = 10.0
	var out []req
	for k, st := range steps {
		ls := lats(st.n, st.base, 20)
		total := st.n + st.fails
		for i := range total {
			r := req{sendS: float64(k)*stepS + (float64(i)+0.5)*stepS/float64(total), step: k + 1, users: st.users, ok: i < st.n}
			if !r.ok {
				r.latMS = 5
				out = append(out, r)
				continue
			}
			r.latMS = ls[i]
			r.tokens = 20
			if st.tokensPerReq > 0 {
				r.tokens = st.tokensPerReq
			}
			if i >= st.noTTFT {
				r.ttftMS = r.latMS / 4
			}
			out = append(out, r)
		}
	}
	return out
}

// handGood is the good-request rule worked out on the fixture's own
// values (not through the analyzer's SQL).
func handGood(r req, s SLO) bool {
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	if !r.ok {
		return false
	}
	if s.Latency > 0 && r.latMS > ms(s.Latency) {
		return false
	}
	if s.TTFT > 0 && (r.ttftMS == 0 || r.ttftMS > ms(s.TTFT)) {
		return false
	}
	if s.TPOT > 0 && (r.ttftMS == 0 || r.tokens < 2 || (r.latMS-r.ttftMS)/float64(r.tokens-1) > ms(s.TPOT)) {
		return false
	}
	return true
}

func capOptions(slo SLO) Options {
	o := testOptions(0, 10*time.Second)
	o.ErrorThreshold = 0.05
	o.SLO = slo
	return o
}

var capSteps = []capStep{
	{users: 10, n: 40, base: 100},
	{users: 20, n: 60, base: 110, fails: 2, noTTFT: 3},
	{users: 30, n: 80, base: 120, tokensPerReq: 1},
	{users: 40, n: 70, base: 200},
	{users: 50, n: 30, base: 400}, // p95 over 2x the baseline: saturation
}

func TestGoodputAgainstHandCounts(t *testing.T) {
	reqs := capReqs(capSteps)
	for _, slo := range []SLO{
		{},
		{Latency: 150 * time.Millisecond},
		{TTFT: 30 * time.Millisecond},
		{TPOT: 6 * time.Millisecond},
		{TTFT: 50 * time.Millisecond, TPOT: 8 * time.Millisecond, Latency: 210 * time.Millisecond},
	} {
		t.Run(slo.String(), func(t *testing.T) {
			a := analyzeFixture(t, capOptions(slo), &metaArgs{stepS: 10, durS: 50}, reqs)
			good := map[int]int64{}
			var total int64
			for _, r := range reqs {
				if handGood(r, slo) {
					good[r.step]++
					total++
				}
			}
			if a.Overall.Good != total {
				t.Errorf("overall good %d, hand count %d", a.Overall.Good, total)
			}
			checkQ(t, "overall attainment", a.Overall.SLOAttainment, ptr(float64(total)/float64(len(reqs))))
			checkQ(t, "overall goodput", a.Overall.GoodputRPS, ptr(float64(total)/50))
			for _, s := range a.Steps {
				if s.Good != good[s.Step] {
					t.Errorf("step %d: good %d, hand count %d", s.Step, s.Good, good[s.Step])
				}
				checkQ(t, "step attainment", s.SLOAttainment, ptr(float64(good[s.Step])/float64(s.Requests)))
				checkQ(t, "step goodput", s.GoodputRPS, ptr(float64(good[s.Step])/10))
			}
		})
	}
}

func TestCapacityKnownAnswers(t *testing.T) {
	flat := []capStep{{users: 10, n: 50, base: 100}, {users: 20, n: 60, base: 100}, {users: 30, n: 50, base: 100}}
	cases := []struct {
		name    string
		steps   []capStep
		slo     SLO
		level   *float64
		bounded bool
	}{
		// Saturation at 50 users: the method's answer is the level before.
		{"no slo", capSteps, SLO{}, ptr(40), true},
		// Steps 1-3 are under 150 ms, step 4 (40 users) is not.
		{"latency slo", capSteps, SLO{Latency: 150 * time.Millisecond}, ptr(30), true},
		// Step 3 has one output token a request: no TPOT, so not good.
		{"tpot slo", capSteps, SLO{TPOT: 10 * time.Millisecond}, ptr(20), true},
		// No request is that fast: not even the first level holds.
		{"no good request", capSteps, SLO{TTFT: time.Millisecond}, nil, true},
		// A run that never saturates holds its last level, unbounded.
		{"never saturates", flat, SLO{}, ptr(30), false},
		{"never saturates, slo met", flat, SLO{Latency: time.Second}, ptr(30), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := analyzeFixture(t, capOptions(c.slo), &metaArgs{stepS: 10, durS: float64(10 * len(c.steps))}, capReqs(c.steps))
			if !near(a.Capacity.Level, c.level) {
				t.Errorf("capacity %s, want %s (%s)", show(a.Capacity.Level), show(c.level), a.Capacity.Rule)
			}
			if a.Capacity.Bounded != c.bounded {
				t.Errorf("bounded %v, want %v", a.Capacity.Bounded, c.bounded)
			}
			if a.Capacity.LevelKind != LevelUsers {
				t.Errorf("level kind %q", a.Capacity.LevelKind)
			}
			if c.level != nil && (a.Capacity.GoodputRPS == nil || a.Capacity.Step == nil) {
				t.Error("a capacity without its step's goodput")
			}
			if c.name == "no good request" && (a.Overall.Good != 0 || *a.Overall.GoodputRPS != 0) {
				t.Errorf("good %d, goodput %s", a.Overall.Good, show(a.Overall.GoodputRPS))
			}
		})
	}
}

func TestPeakKnownAnswer(t *testing.T) {
	reqs := capReqs(capSteps)
	a := analyzeFixture(t, capOptions(SLO{}), &metaArgs{stepS: 10, durS: 50}, reqs)
	p := a.Peak
	// Throughput counts completions within each 10 s span: OK sent per
	// step are 40, 60, 80, 70, 30, a few completing in the next span.
	var rps, tps [5]float64
	for k := range 5 {
		n, tok := handCompleted(reqs, float64(10*k), float64(10*k+10))
		rps[k], tps[k] = float64(n)/10, float64(tok)/10
	}
	if rps[2] < 7.5 || rps[2] <= rps[3] {
		t.Fatalf("fixture: completed req/s %v, want step 3 the peak", rps)
	}
	checkQ(t, "peak rps", p.RPS, ptr(rps[2]))
	checkQ(t, "peak level", p.Level, ptr(30))
	checkQ(t, "drop", p.DropAfterPeak, ptr(1-rps[4]/rps[2]))
	checkQ(t, "last level", p.LastLevel, ptr(50))
	// Output tokens/s: 20 a request but 1 at 30 users: the peak is 40 users.
	checkQ(t, "peak tokens/s", p.OutputTokensPerS, ptr(tps[3]))
	checkQ(t, "tokens level", p.TokensLevel, ptr(40))
}

// TestCapacityOrderAndShards: the rows' order and their split over shard
// files change nothing.
func TestCapacityOrderAndShards(t *testing.T) {
	slo := SLO{Latency: 150 * time.Millisecond}
	reqs := capReqs(capSteps)
	want := analyzeFixture(t, capOptions(slo), &metaArgs{stepS: 10, durS: 50}, reqs)

	shuffled := slices.Clone(reqs)
	rand.New(rand.NewPCG(3, 4)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	dir := t.TempDir()
	var paths []string
	for k := range 2 {
		m := testMeta("run-1", 10, 50)
		m.Shard, m.Shards = k, 2
		var part []req
		for i, r := range shuffled {
			if i%2 == k {
				part = append(part, r)
			}
		}
		paths = append(paths, writeRun(t, filepath.Join(dir, "shard"+string(rune('0'+k))+".parquet"), m, part))
	}
	got, err := Analyze(context.Background(), capOptions(slo), paths...)
	if err != nil {
		t.Fatal(err)
	}
	if !near(got.Capacity.Level, want.Capacity.Level) || !near(got.Capacity.GoodputRPS, want.Capacity.GoodputRPS) {
		t.Errorf("capacity %s at %s good/s over shards, %s at %s in one file",
			show(got.Capacity.Level), show(got.Capacity.GoodputRPS), show(want.Capacity.Level), show(want.Capacity.GoodputRPS))
	}
	if got.Overall.Good != want.Overall.Good || !near(got.Peak.RPS, want.Peak.RPS) {
		t.Errorf("good %d peak %s over shards; %d, %s in one file", got.Overall.Good, show(got.Peak.RPS), want.Overall.Good, show(want.Peak.RPS))
	}
	for i := range want.Steps {
		if got.Steps[i].Good != want.Steps[i].Good {
			t.Errorf("step %d: good %d over shards, %d in one file", want.Steps[i].Step, got.Steps[i].Good, want.Steps[i].Good)
		}
	}
}

// littleWarnings are the Little's-law warnings (the closed loop's and
// the open loop's facts).
func littleWarnings(a *Analysis) []string {
	var out []string
	for _, w := range texts(a.Warnings) {
		if strings.Contains(w, "LittleFact") {
			out = append(out, w)
		}
	}
	return out
}

func loadCapRun(t *testing.T, name string, slo SLO, steps []capStep) *RunData {
	t.Helper()
	p := writeRun(t, filepath.Join(t.TempDir(), name+".parquet"), testMeta(name, 10, float64(10*len(steps))), capReqs(steps))
	r, err := LoadRun(context.Background(), capOptions(slo), name, p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestCapacityOpenLoop: an open loop's levels are offered rates. openRun
// saturates (throughput) at 30 req/s: capacity is 20 req/s; the Little's
// check (achieved ≈ offered) fires on that step, naming the waits, and is
// silent on the two steps sent on time and on a steady open run.
func TestCapacityOpenLoop(t *testing.T) {
	a, err := Analyze(context.Background(), testOptions(0, 10*time.Second), openRun(t, 0))
	if err != nil {
		t.Fatal(err)
	}
	if a.Capacity.LevelKind != LevelRate || !near(a.Capacity.Level, ptr(20)) || !a.Capacity.Bounded {
		t.Errorf("capacity %+v, want 20 req/s offered", a.Capacity)
	}
	if !near(a.Peak.RPS, ptr(25)) || !near(a.Peak.Level, ptr(30)) {
		t.Errorf("peak %s req/s at %s, want the completed 25 req/s at 30 offered", show(a.Peak.RPS), show(a.Peak.Level))
	}
	w := littleWarnings(a)
	if f := facts[OpenLittleFact](a.Warnings); len(w) != 1 || len(f) != 1 || f[0].Step != 3 || f[0].OfferedRPS != 30 || f[0].Cause != CauseWaited || f[0].Waited == 0 {
		t.Errorf("Little's-law warnings %q, want one on step 3 naming the waits", w)
	}
	for _, s := range a.Steps {
		if s.LittleRatio != nil {
			t.Errorf("step %d of an open loop has a closed-loop ratio", s.Step)
		}
	}
	steady, err := Analyze(context.Background(), testOptions(0, 10*time.Second), steadyOpenRun(t, "steady", 3, 50, 2))
	if err != nil {
		t.Fatal(err)
	}
	if w := littleWarnings(steady); len(w) > 0 {
		t.Errorf("steady open run: %q", w)
	}
	if !near(steady.Capacity.Level, ptr(30)) || steady.Capacity.Bounded {
		t.Errorf("steady open run: capacity %+v, want at least 30 req/s", steady.Capacity)
	}
}
