package analyze

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// wantQuantile is the textbook linear-interpolation quantile (the
// definition quantile_cont implements), written independently of the
// package: sort, h = p·(n-1), interpolate between floor(h) and floor(h)+1.
func wantQuantile(vals []float64, p float64) *float64 {
	if len(vals) == 0 {
		return nil
	}
	s := slices.Clone(vals)
	slices.Sort(s)
	h := p * float64(len(s)-1)
	i := int(h)
	v := s[i]
	if i+1 < len(s) {
		v += (h - float64(i)) * (s[i+1] - s[i])
	}
	return &v
}

func near(got, want *float64) bool {
	if got == nil || want == nil {
		return got == nil && want == nil
	}
	return math.Abs(*got-*want) <= 1e-9*math.Max(1, math.Abs(*want))
}

func show(v *float64) string {
	if v == nil {
		return "nil"
	}
	return fmt.Sprint(*v)
}

func checkQ(t *testing.T, what string, got, want *float64) {
	t.Helper()
	if !near(got, want) {
		t.Errorf("%s = %s, want %s", what, show(got), show(want))
	}
}

// stepSpec describes one step of a fixture: its users, the latencies of
// its successes and its number of failures, sent evenly over the step.
type stepSpec struct {
	users int
	lats  []float64
	fails int
	class string
}

// stepReqs lays steps of stepS seconds out in time.
func stepReqs(stepS float64, steps []stepSpec) []req {
	var out []req
	for k, st := range steps {
		n := len(st.lats) + st.fails
		for i := range n {
			r := req{
				sendS: float64(k)*stepS + (float64(i)+0.5)*stepS/float64(n),
				step:  k + 1, users: st.users, ok: i < len(st.lats),
			}
			if r.ok {
				r.latMS = st.lats[i]
			} else {
				r.latMS, r.class = 5, st.class
			}
			out = append(out, r)
		}
	}
	return out
}

// lats returns n deterministic, scrambled latencies around base ms with a
// spread of spread ms.
func lats(n int, base, spread float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = base + spread*float64((i*37)%n)/float64(n) + float64(i%3)*0.25
	}
	return out
}

func analyzeFixture(t *testing.T, opts Options, meta *metaArgs, reqs []req) *Analysis {
	t.Helper()
	m := testMeta("run-1", meta.stepS, meta.durS)
	if meta.endReason != "" {
		m.EndReason = meta.endReason
	}
	p := writeRun(t, filepath.Join(t.TempDir(), "run.parquet"), m, reqs)
	a, err := Analyze(context.Background(), opts, p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

type metaArgs struct {
	stepS, durS float64
	endReason   string
}

func TestPercentilesOverallAndPerStep(t *testing.T) {
	steps := []stepSpec{
		{users: 10, lats: lats(40, 100, 50), fails: 0},
		{users: 20, lats: lats(57, 120, 80), fails: 3, class: "http_5xx"},
		{users: 30, lats: lats(101, 150, 300), fails: 9, class: "timeout"},
	}
	reqs := stepReqs(10, steps)
	a := analyzeFixture(t, testOptions(0, 5*time.Second), &metaArgs{stepS: 10, durS: 30}, reqs)

	var all []float64
	var reqN, failN int64
	for k, st := range steps {
		all = append(all, st.lats...)
		reqN += int64(len(st.lats) + st.fails)
		failN += int64(st.fails)
		s := a.Steps[k]
		if s.Step != k+1 || s.Users != st.users || s.Requests != int64(len(st.lats)+st.fails) || s.Failures != int64(st.fails) {
			t.Errorf("step %d: got step %d users %d requests %d failures %d", k+1, s.Step, s.Users, s.Requests, s.Failures)
		}
		for _, q := range []struct {
			name string
			got  *float64
			p    float64
		}{{"p50", s.P50MS, 0.5}, {"p90", s.P90MS, 0.9}, {"p95", s.P95MS, 0.95}, {"p99", s.P99MS, 0.99}, {"max", s.MaxMS, 1}} {
			checkQ(t, fmt.Sprintf("step %d %s", k+1, q.name), q.got, wantQuantile(st.lats, q.p))
		}
		fr := float64(st.fails) / float64(len(st.lats)+st.fails)
		checkQ(t, fmt.Sprintf("step %d fail rate", k+1), s.FailRate, &fr)
		rps := float64(len(st.lats)+st.fails) / 10
		checkQ(t, fmt.Sprintf("step %d rps", k+1), s.RPS, &rps)
		if st.fails > 0 && s.Errors[st.class] != int64(st.fails) {
			t.Errorf("step %d errors = %v, want %d %s", k+1, s.Errors, st.fails, st.class)
		}
	}
	o := a.Overall
	if o.Requests != reqN || o.Failures != failN || o.OK != reqN-failN {
		t.Errorf("overall requests/ok/failures = %d/%d/%d, want %d/%d/%d", o.Requests, o.OK, o.Failures, reqN, reqN-failN, failN)
	}
	for _, q := range []struct {
		name string
		got  *float64
		p    float64
	}{{"p50", o.P50MS, 0.5}, {"p90", o.P90MS, 0.9}, {"p95", o.P95MS, 0.95}, {"p99", o.P99MS, 0.99}, {"max", o.MaxMS, 1}} {
		checkQ(t, "overall "+q.name, q.got, wantQuantile(all, q.p))
	}
	ratio := *wantQuantile(all, 0.99) / *wantQuantile(all, 0.5)
	checkQ(t, "p99/p50", o.P99P50, &ratio)
	rps := float64(reqN) / 30
	checkQ(t, "overall rps", o.RPS, &rps)
	fr := float64(failN) / float64(reqN)
	checkQ(t, "overall fail rate", o.FailRate, &fr)
	// errors by class: timeout (9) before http_5xx (3)
	if len(a.Errors) != 2 || a.Errors[0].Class != "timeout" || a.Errors[0].Count != 9 || a.Errors[1].Count != 3 {
		t.Errorf("errors = %+v", a.Errors)
	}
}

func TestWarmupBoundaryBySendTime(t *testing.T) {
	// warmup 10s: a request sent at 9.999s is warmup even though it
	// completes after 10s; one sent at exactly 10s is measured.
	reqs := []req{
		{sendS: 1, latMS: 5000, step: 1, users: 10, ok: true},
		{sendS: 9.999, latMS: 3000, step: 1, users: 10, ok: true},
		{sendS: 10, latMS: 100, step: 2, users: 20, ok: true},
		{sendS: 15, latMS: 300, step: 2, users: 20, ok: true},
		{sendS: 16, latMS: 200, step: 2, users: 20, ok: false},
	}
	a := analyzeFixture(t, testOptions(10*time.Second, 5*time.Second), &metaArgs{stepS: 10, durS: 20}, reqs)
	if a.Overall.WarmupRequests != 2 || a.Overall.Requests != 3 || a.Overall.OK != 2 {
		t.Errorf("warmup/requests/ok = %d/%d/%d, want 2/3/2", a.Overall.WarmupRequests, a.Overall.Requests, a.Overall.OK)
	}
	checkQ(t, "max", a.Overall.MaxMS, ptr(300))
	checkQ(t, "p50", a.Overall.P50MS, ptr(200))
	if len(a.Steps) != 1 || a.Steps[0].Step != 2 {
		t.Fatalf("steps = %+v, want only step 2 (step 1 is all warmup)", a.Steps)
	}
	checkQ(t, "rps", a.Overall.RPS, ptr(3.0/10))
	// The series keep the warmup: the windowed series sees the 5 s request.
	var sawWarm bool
	for i, v := range a.Series.WindowN {
		if v > 0 && a.Series.T[i] <= 10 {
			sawWarm = true
		}
	}
	if !sawWarm {
		t.Error("windowed series lost the warmup requests")
	}
	// The cumulative series does not.
	for i, v := range a.Series.CumN {
		if a.Series.T[i] < 10.1 && v != 0 {
			t.Errorf("cumulative samples at %vs = %d, want 0 before the first post-warmup completion", a.Series.T[i], v)
		}
	}
}

// bruteSeries recomputes a windowed or cumulative series point by scanning
// every request.
func bruteSeries(reqs []req, t float64, window float64, warmupS float64, windowed bool, p float64) (*float64, int) {
	var vals []float64
	for _, r := range reqs {
		if !r.ok {
			continue
		}
		done := math.Round((r.sendS*1e6)+math.Round(r.latMS*1000)) / 1e6
		if windowed {
			if done > t-window && done <= t {
				vals = append(vals, r.latMS)
			}
		} else if done <= t && r.sendS >= warmupS {
			vals = append(vals, r.latMS)
		}
	}
	if windowed && len(vals) < MinWindowSamples {
		return nil, len(vals)
	}
	return wantQuantile(vals, p), len(vals)
}

func TestSeriesWindowedGapsAndCumulative(t *testing.T) {
	// Requests every 0.25 s for 0-8 s and 14-20 s: a gap in the middle.
	var reqs []req
	for i := range 80 {
		s := float64(i) * 0.25
		if s >= 8 && s < 14 {
			continue
		}
		reqs = append(reqs, req{sendS: s, latMS: 50 + float64((i*13)%17)*10, step: int(s/10) + 1, users: 10, ok: i%9 != 4})
	}
	const warm, win = 2.0, 3.0
	a := analyzeFixture(t, testOptions(2*time.Second, 3*time.Second), &metaArgs{stepS: 10, durS: 20}, reqs)
	s := a.Series
	if s.BucketS != 1 || len(s.T) != 21 { // last completion 19.75 + 0.21 s -> 20 s, then 21 (end)
		t.Logf("bucket %v, %d points", s.BucketS, len(s.T))
	}
	gaps := 0
	prevN := int64(-1)
	for i, tt := range s.T {
		for _, c := range []struct {
			name string
			got  *float64
			p    float64
		}{{"p50", s.WindowP50[i], 0.5}, {"p95", s.WindowP95[i], 0.95}, {"p99", s.WindowP99[i], 0.99}} {
			want, n := bruteSeries(reqs, tt, win, warm, true, c.p)
			checkQ(t, fmt.Sprintf("window %s at %vs", c.name, tt), c.got, want)
			if s.WindowN[i] != int64(n) {
				t.Errorf("window samples at %vs = %d, want %d", tt, s.WindowN[i], n)
			}
		}
		if s.WindowP50[i] == nil {
			gaps++
		}
		for _, c := range []struct {
			name string
			got  *float64
			p    float64
		}{{"p50", s.CumP50[i], 0.5}, {"p95", s.CumP95[i], 0.95}, {"p99", s.CumP99[i], 0.99}} {
			want, n := bruteSeries(reqs, tt, 0, warm, false, c.p)
			checkQ(t, fmt.Sprintf("cumulative %s at %vs", c.name, tt), c.got, want)
			if s.CumN[i] != int64(n) {
				t.Errorf("cumulative samples at %vs = %d, want %d", tt, s.CumN[i], n)
			}
		}
		if s.CumN[i] < prevN {
			t.Errorf("cumulative samples fall at %vs: %d after %d", tt, s.CumN[i], prevN)
		}
		prevN = s.CumN[i]
	}
	if gaps < 3 {
		t.Errorf("windowed series has %d gaps, want the quiet 8-14 s to show as gaps", gaps)
	}
	// The series are zero-filled counts, gaps only in percentiles.
	var sent float64
	for _, v := range s.SentRPS {
		sent += v * s.BucketS
	}
	if int(math.Round(sent)) != len(reqs) {
		t.Errorf("sent over the series = %v, want %d", sent, len(reqs))
	}
}

func TestBaselineSaturationGrowth(t *testing.T) {
	const stepS = 10.0
	mk := func(users int, p95 float64, fails int, n int) stepSpec {
		// n successes whose p95 is close to p95: a flat block at p95.
		l := make([]float64, n)
		for i := range l {
			l[i] = p95 * (0.5 + 0.5*float64(i)/float64(n-1))
		}
		return stepSpec{users: users, lats: l, fails: fails, class: "http_5xx"}
	}
	p95of := func(st stepSpec) float64 { return *wantQuantile(st.lats, 0.95) }
	tests := []struct {
		name       string
		steps      []stepSpec
		baseUsers  int
		wantBase   int // step, 0 for none
		wantSat    int // step, 0 for not reached
		wantSignal string
		wantGrowth string
	}{
		{
			name:      "linear, saturation by latency",
			baseUsers: 10,
			steps: []stepSpec{
				mk(5, 100, 0, 40), mk(10, 200, 0, 40), mk(20, 300, 0, 40), mk(30, 400, 0, 40), mk(40, 500, 0, 40), mk(50, 600, 0, 40),
			},
			// step 4's p95 is exactly 2x the baseline: not above it.
			wantBase: 2, wantSat: 5, wantSignal: SignalLatency, wantGrowth: GrowthLinear,
		},
		{
			name:      "exponential",
			baseUsers: 10,
			steps: []stepSpec{
				mk(10, 100, 0, 40), mk(20, 105, 0, 40), mk(30, 110, 0, 40), mk(40, 400, 0, 40), mk(50, 1600, 0, 40), mk(60, 6400, 0, 40),
			},
			wantBase: 1, wantSat: 4, wantSignal: SignalLatency, wantGrowth: GrowthExponential,
		},
		{
			name:      "flat with failures, saturation by errors",
			baseUsers: 10,
			steps: []stepSpec{
				mk(10, 100, 0, 40), mk(20, 102, 0, 40), mk(30, 101, 1, 99), mk(40, 103, 10, 40), mk(50, 104, 30, 40),
			},
			wantBase: 1, wantSat: 4, wantSignal: SignalErrors, wantGrowth: GrowthFlatWithFailures,
		},
		{
			name:      "flat, not reached",
			baseUsers: 10,
			steps: []stepSpec{
				mk(10, 100, 0, 40), mk(20, 110, 0, 40), mk(30, 105, 0, 40), mk(40, 115, 0, 40),
			},
			wantBase: 1, wantSat: 0, wantGrowth: GrowthFlat,
		},
		{
			name:      "no step reaches the baseline users",
			baseUsers: 50,
			steps:     []stepSpec{mk(10, 100, 0, 40), mk(20, 100, 0, 40)},
			wantBase:  0, wantSat: 0, wantGrowth: GrowthFlat,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := testOptions(0, 5*time.Second)
			opts.BaselineUsers = tc.baseUsers
			a := analyzeFixture(t, opts, &metaArgs{stepS: stepS, durS: stepS * float64(len(tc.steps))}, stepReqs(stepS, tc.steps))
			if tc.wantBase == 0 {
				if a.Baseline != nil {
					t.Errorf("baseline = %+v, want none", a.Baseline)
				}
			} else if a.Baseline == nil || a.Baseline.Step != tc.wantBase {
				t.Errorf("baseline = %+v, want step %d", a.Baseline, tc.wantBase)
			} else {
				checkQ(t, "baseline p95", a.Baseline.P95MS, ptr(p95of(tc.steps[tc.wantBase-1])))
			}
			sat := a.Saturation
			if tc.wantSat == 0 {
				if sat.Reached || sat.Step != nil {
					t.Errorf("saturation = %+v, want not reached", sat)
				}
				maxUsers := tc.steps[len(tc.steps)-1].users
				if tc.wantBase != 0 && sat.MaxLevel != float64(maxUsers) {
					t.Errorf("max level = %v, want %d users", sat.MaxLevel, maxUsers)
				}
			} else {
				if !sat.Reached || sat.Step == nil || *sat.Step != tc.wantSat || *sat.Users != tc.steps[tc.wantSat-1].users {
					t.Errorf("saturation = %+v, want step %d", sat, tc.wantSat)
				} else if sat.Signal == nil || *sat.Signal != tc.wantSignal {
					t.Errorf("signal = %v, want %s", show2(sat.Signal), tc.wantSignal)
				}
			}
			if a.Growth.Pattern != tc.wantGrowth {
				t.Errorf("growth = %s (%+v), want %s", a.Growth.Pattern, a.Growth.Evidence, tc.wantGrowth)
			}
			if len(a.Growth.Evidence.Steps) == 0 || a.Growth.Method == "" {
				t.Error("growth evidence is empty")
			}
			var h Health
			for _, x := range a.Health {
				if x.Signal == "growth" {
					h = x
				}
			}
			if h.Band != BandGrowth(tc.wantGrowth) {
				t.Errorf("growth band = %s", h.Band)
			}
		})
	}
}

func show2(s *string) string {
	if s == nil {
		return "nil"
	}
	return *s
}

func TestHealthBands(t *testing.T) {
	tests := []struct {
		v    float64
		band func(float64) string
		want string
	}{
		{1.99, BandP99P50, BandHealthy}, {2, BandP99P50, BandWarning}, {5, BandP99P50, BandWarning}, {5.01, BandP99P50, BandCritical},
		{0.00099, BandFailRate, BandHealthy}, {0.001, BandFailRate, BandWarning}, {0.01, BandFailRate, BandWarning}, {0.0101, BandFailRate, BandCritical},
	}
	for _, tc := range tests {
		if got := tc.band(tc.v); got != tc.want {
			t.Errorf("band(%v) = %s, want %s", tc.v, got, tc.want)
		}
	}
	for p, want := range map[string]string{GrowthLinear: BandHealthy, GrowthFlat: BandHealthy, GrowthExponential: BandWarning, GrowthFlatWithFailures: BandCritical} {
		if got := BandGrowth(p); got != want {
			t.Errorf("BandGrowth(%s) = %s, want %s", p, got, want)
		}
	}
}

func TestLLMFiguresAndTTFTMetric(t *testing.T) {
	var reqs []req
	var ttft, itl, tps, latAll []float64
	var outTok int64
	for i := range 60 {
		r := req{sendS: float64(i) * 0.5, latMS: 1000 + float64(i*17%60)*10, step: i/30 + 1, users: 10 * (i/30 + 1), ok: true,
			ttftMS: 100 + float64(i*7%60), tokens: 20 + i%5}
		reqs = append(reqs, r)
		ttft = append(ttft, r.ttftMS)
		itl = append(itl, (r.latMS-r.ttftMS)/float64(r.tokens-1))
		tps = append(tps, float64(r.tokens)/(r.latMS/1000))
		latAll = append(latAll, r.latMS)
		outTok += int64(r.tokens)
	}
	a := analyzeFixture(t, testOptions(0, 5*time.Second), &metaArgs{stepS: 15, durS: 30}, reqs)
	if a.LLM == nil {
		t.Fatal("no LLM figures")
	}
	checkQ(t, "ttft p95", a.LLM.TTFT.P95, wantQuantile(ttft, 0.95))
	checkQ(t, "tpot p50", a.LLM.TPOT.P50, wantQuantile(itl, 0.5))
	checkQ(t, "tpot p99", a.LLM.TPOT.P99, wantQuantile(itl, 0.99))
	checkQ(t, "tokens/s p50", a.LLM.TokensPerS.P50, wantQuantile(tps, 0.5))
	if a.LLM.OutputTokens == nil || *a.LLM.OutputTokens != outTok {
		t.Errorf("output tokens = %v, want %d", a.LLM.OutputTokens, outTok)
	}
	// Output tokens/s count the tokens of the successes completed before
	// the end of sending (the last ones finish in the grace period).
	_, doneTok := handCompleted(reqs, 0, 30)
	checkQ(t, "output tokens/s", a.LLM.OutputTokensPerS, ptr(float64(doneTok)/30))
	checkQ(t, "latency p95", a.Overall.P95MS, wantQuantile(latAll, 0.95))
	if a.Steps[0].LLM == nil {
		t.Fatal("no step LLM figures")
	}
	checkQ(t, "step 1 ttft p50", a.Steps[0].LLM.TTFTP50MS, wantQuantile(ttft[:30], 0.5))
	if a.Series.TTFTWindowP95 == nil {
		t.Error("no TTFT series")
	}

	opts := testOptions(0, 5*time.Second)
	opts.Metric = MetricTTFT
	b := analyzeFixture(t, opts, &metaArgs{stepS: 15, durS: 30}, reqs)
	checkQ(t, "ttft metric p95", b.Overall.P95MS, wantQuantile(ttft, 0.95))
	checkQ(t, "ttft metric step 2 p50", b.Steps[1].P50MS, wantQuantile(ttft[30:], 0.5))

	// A run without TTFT or tokens has no LLM block.
	for i := range reqs {
		reqs[i].ttftMS, reqs[i].tokens = 0, 0
	}
	c := analyzeFixture(t, testOptions(0, 5*time.Second), &metaArgs{stepS: 15, durS: 30}, reqs)
	if c.LLM != nil || c.Series.TTFTWindowP95 != nil || c.Steps[0].LLM != nil {
		t.Error("LLM figures on a run without TTFT or tokens")
	}
}

func TestWarnings(t *testing.T) {
	few := stepReqs(10, []stepSpec{{users: 10, lats: lats(12, 100, 10)}, {users: 20, lats: lats(40, 100, 10)}})
	lagged := stepReqs(10, []stepSpec{{users: 10, lats: lats(40, 100, 10)}})
	for i := range lagged {
		if i%2 == 0 {
			lagged[i].lagMS = 400
		}
	}
	tests := []struct {
		name   string
		reqs   []req
		meta   metaArgs
		warmup time.Duration
		want   string
	}{
		{"few samples", few, metaArgs{stepS: 10, durS: 20}, 0, "StepFact{Kind:few_samples Step:1 Level:10 LevelKind:users Unsent:0 Samples:12"},
		{"short step", few, metaArgs{stepS: 10, durS: 15}, 0, "StepFact{Kind:short Step:2 Level:20 LevelKind:users Unsent:0 Samples:24 DurationS:5 PlannedS:10}"},
		{"client lag", lagged, metaArgs{stepS: 10, durS: 10}, 0, "analyze.LagFact{Late:20 Requests:40 MaxMS:400 OpenLoop:false"},
		{"warmup longer than run", few, metaArgs{stepS: 10, durS: 20}, 30 * time.Second, "RunFact{Kind:warmup_too_long WarmupS:30 DurationS:20 "},
		{"interrupted", few, metaArgs{stepS: 10, durS: 20, endReason: "interrupted"}, 0, "RunFact{Kind:interrupted WarmupS:0 DurationS:20 "},
		{"saturated", few, metaArgs{stepS: 10, durS: 20, endReason: "saturated"}, 0, "RunFact{Kind:stopped WarmupS:0 DurationS:20 "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := analyzeFixture(t, testOptions(tc.warmup, 5*time.Second), &tc.meta, tc.reqs)
			for _, w := range texts(a.Warnings) {
				if strings.Contains(w, tc.want) {
					return
				}
			}
			t.Errorf("warnings %q lack %q", a.Warnings, tc.want)
		})
	}
}

func TestEmptyAndAllFailures(t *testing.T) {
	a := analyzeFixture(t, testOptions(0, 5*time.Second), &metaArgs{stepS: 10, durS: 10}, nil)
	if a.Overall.Requests != 0 || a.Overall.P50MS != nil || a.Overall.FailRate != nil || a.Overall.RPS == nil {
		t.Errorf("empty run overall = %+v", a.Overall)
	}
	// The planned step the run reached is listed, with nothing sent.
	if len(a.Steps) != 1 || a.Steps[0].Requests != 0 || a.Steps[0].P95MS != nil || a.Steps[0].FailRate != nil {
		t.Errorf("empty run steps = %+v", a.Steps)
	}
	if len(a.Warnings) == 0 || a.Warnings[0].Fact != (RunFact{Kind: RunNoRows}) {
		t.Errorf("warnings = %q", a.Warnings)
	}
	reqs := stepReqs(10, []stepSpec{{users: 10, fails: 40, class: "connect"}})
	b := analyzeFixture(t, testOptions(0, 5*time.Second), &metaArgs{stepS: 10, durS: 10}, reqs)
	if *b.Overall.FailRate != 1 || b.Overall.P95MS != nil || b.Overall.P99P50 != nil {
		t.Errorf("all failures overall = %+v", b.Overall)
	}
	if b.Health[0].Band != BandNA || b.Health[1].Band != BandCritical {
		t.Errorf("health = %+v", b.Health)
	}
}
