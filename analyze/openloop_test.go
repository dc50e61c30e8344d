package analyze

import (
	"context"
	"math"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/llmrec/llmrec/schemas"
)

// openRun is a constant-arrival run of known answers: 10, 20 and 30 req/s
// offered in steps of 10 s, every request 73 ms long. Steps 1 and 2 are
// sent on time. In step 3 the server takes only 25 req/s: arrival i
// (at 20 + i/30 s) is sent at 20 + i/25 s, so 250 are sent within the step
// (achieved 25 req/s, 83% of the offered rate), arrival i waits i/150 s
// (248 of them more than 10 ms), and the last 50 are never sent.
func openRun(t *testing.T, estimated int64) string {
	t.Helper()
	var reqs []req
	for i := range 100 {
		reqs = append(reqs, req{sendS: float64(i) * 0.1, latMS: 73, step: 1, users: 1, ok: true})
	}
	for i := range 200 {
		reqs = append(reqs, req{sendS: 10 + float64(i)*0.05, latMS: 73, step: 2, users: 2, ok: true})
	}
	for i := range 250 {
		reqs = append(reqs, req{sendS: 20 + float64(i)/25, latMS: 73, step: 3, users: 2, ok: true,
			lagMS: float64(i) / 150 * 1000})
	}
	m := testMeta("open-1", 10, 30)
	m.Shape.Arrival, m.Shape.Rate, m.Shape.StepRate, m.Shape.MaxRate = "constant", 10, 10, 30
	m.Shape.Burstiness = 1
	m.EstimatedOutputRows = estimated
	return writeRun(t, filepath.Join(t.TempDir(), "open.parquet"), m, reqs)
}

func near6(got *float64, want float64) bool {
	return got != nil && math.Abs(*got-want) <= 1e-6*math.Max(1, math.Abs(want))
}

func TestOpenLoopFigures(t *testing.T) {
	p := openRun(t, 0)
	opts := testOptions(0, 10e9)
	a, err := Analyze(context.Background(), opts, p)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		offered, achieved, completed float64
		waited                       int64
	}{
		{10, 10, 10, 0},
		{20, 20, 19.9, 0}, // the last send (19.95 s) completes in step 3
		{30, 25, 25, 248}, // 249 of its own completions and step 2's last
	}
	if len(a.Steps) != len(want) {
		t.Fatalf("%d steps, want %d", len(a.Steps), len(want))
	}
	for i, w := range want {
		s := a.Steps[i]
		if !near6(s.OfferedRPS, w.offered) || !near6(s.AchievedRPS, w.achieved) || !near6(s.CompletedRPS, w.completed) ||
			s.Waited == nil || *s.Waited != w.waited {
			t.Errorf("step %d: offered %s achieved %s completed %s waited %v, want %v",
				s.Step, show(s.OfferedRPS), show(s.AchievedRPS), show(s.CompletedRPS), s.Waited, w)
		}
	}
	if b := a.Baseline; b == nil || b.Step != 1 || !near6(b.Rate, 10) || !near6(b.P95MS, 73) {
		t.Errorf("baseline %+v, want step 1 at 10 req/s, p95 73 ms", a.Baseline)
	}
	sat := a.Saturation
	if !sat.Reached || *sat.Step != 3 || *sat.Signal != SignalThroughput || !near6(sat.Rate, 30) ||
		!near6(sat.SentRatio, 25.0/30) || !near6(sat.MaxRate, 30) || !slices.Equal(sat.Signals, []string{SignalThroughput}) {
		t.Errorf("saturation %+v, want throughput at step 3 (30 req/s, sent 83%%)", sat)
	}
	if st := a.Steps[2]; sat.Level == nil || *sat.Level != 30 || st.Waited == nil || *st.Waited != 248 || sat.Users != nil {
		t.Errorf("saturation level %v, waited %v, users %v: want 30 req/s, 248 arrivals waited, no user count", sat.Level, st.Waited, sat.Users)
	}

	// Latency from schedule adds the wait: step 3's p95 is 73 ms plus the
	// p95 of i/150 s over i = 0..249 (quantile_cont: i = 236.55).
	opts.Metric = MetricLatencyFromSchedule
	b, err := Analyze(context.Background(), opts, p)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := b.Steps[2].P95MS, 73+236.55/150*1000; got == nil || math.Abs(*got-want) > 0.01 {
		t.Errorf("latency_from_schedule step 3 p95 = %s, want %.2f", show(got), want)
	}
	// Judged by latency, the run shows the same figure beside it where
	// arrivals waited.
	if got, want := a.Steps[2].FromScheduleP95MS, b.Steps[2].P95MS; got == nil || want == nil || *got != *want {
		t.Errorf("latency p95 from schedule beside the verdict = %s, want %s", show(got), show(want))
	}
	if b.Steps[2].FromScheduleP95MS != nil {
		t.Error("a run judged by latency_from_schedule repeats it beside itself")
	}
	if !near6(b.Steps[0].P95MS, 73) {
		t.Errorf("latency_from_schedule step 1 p95 = %s, want 73 (no wait)", show(b.Steps[0].P95MS))
	}
	if s := b.Saturation; !s.Reached || *s.Step != 3 || !slices.Equal(s.Signals, []string{SignalLatency, SignalThroughput}) || *s.Signal != SignalThroughput {
		t.Errorf("latency_from_schedule saturation %+v, want latency and throughput at step 3", s)
	}
}

// TestClosedRunHasNoOpenLoopFigures: a closed run keeps its user levels
// and gains none of the open-loop keys.
func TestClosedRunHasNoOpenLoopFigures(t *testing.T) {
	a := analyzeFixture(t, testOptions(0, 10e9), &metaArgs{stepS: 10, durS: 20},
		stepReqs(10, []stepSpec{{users: 10, lats: lats(50, 100, 10)}, {users: 20, lats: lats(50, 100, 10)}}))
	for _, s := range a.Steps {
		if s.OfferedRPS != nil || s.AchievedRPS != nil || s.Waited != nil {
			t.Errorf("closed step %d has open-loop figures", s.Step)
		}
	}
	if a.Saturation.Rate != nil || a.Saturation.MaxRate != nil || (a.Baseline != nil && a.Baseline.Rate != nil) {
		t.Error("closed run has open-loop saturation or baseline rates")
	}
}

// TestEstimatedFromText: a footer counting rows estimated from text makes
// the warning say how (and how many by chunks); a run whose requests have
// TTFTs but no token count has no output-token total (nil, never 0).
func TestEstimatedFromText(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tokens int
		want   Fact // nil: none
	}{
		{"text", 5, EstimateFact{Estimated: 20, Rows: 20, TextRows: 15}},
		{"no counts", 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var reqs []req
			for i := range 20 {
				reqs = append(reqs, req{sendS: float64(i) * 0.5, latMS: 50, step: 1, users: 1, ok: true, ttftMS: 10, tokens: tc.tokens})
			}
			m := testMeta("est", 10, 10)
			if tc.tokens > 0 {
				m.EstimatedOutputRows, m.EstimatedTextRows = 20, 15
			}
			a, err := Analyze(context.Background(), testOptions(0, 10e9), writeRun(t, filepath.Join(t.TempDir(), "est.parquet"), m, reqs))
			if err != nil {
				t.Fatal(err)
			}
			if a.LLM == nil || (a.LLM.OutputTokens == nil) != (tc.tokens == 0) || (a.Steps[0].LLM.OutputTokens == nil) != (tc.tokens == 0) {
				t.Fatalf("llm %+v: output tokens known %v, want %v", a.LLM, a.LLM != nil && a.LLM.OutputTokens != nil, tc.tokens > 0)
			}
			found := tc.want == nil
			for _, w := range a.Warnings {
				found = found || w.Fact == tc.want
			}
			if !found || (a.Run.EstimatedTextRows != 15 && tc.tokens > 0) {
				t.Errorf("warnings %q lack %+v (text rows %d)", texts(a.Warnings), tc.want, a.Run.EstimatedTextRows)
			}
		})
	}
}

// TestEstimatedTokensWarning: a footer counting estimated rows makes the
// analysis say so and marks its token figures.
func TestEstimatedTokensWarning(t *testing.T) {
	var reqs []req
	for i := range 20 {
		reqs = append(reqs, req{sendS: float64(i) * 0.5, latMS: 50, step: 1, users: 1, ok: true, ttftMS: 10, tokens: 5 + i})
	}
	m := testMeta("est", 10, 10)
	m.EstimatedOutputRows = 20
	m.Workload = &schemas.Workload{InputTokens: "512", OutputTokens: "100-200", IgnoreEOS: true, Prompts: "synthetic", Seed: 4}
	p := writeRun(t, filepath.Join(t.TempDir(), "est.parquet"), m, reqs)
	a, err := Analyze(context.Background(), testOptions(0, 10e9), p)
	if err != nil {
		t.Fatal(err)
	}
	if w := a.Run.Workload; w == nil || !reflect.DeepEqual(*w, Workload{InputTokens: "512", OutputTokens: "100-200", IgnoreEOS: true, Prompts: "synthetic", Seed: 4}) {
		t.Errorf("workload %+v", a.Run.Workload)
	}
	if a.Run.EstimatedOutputRows != 20 || a.LLM == nil || !a.LLM.OutputEstimated {
		t.Errorf("estimated rows %d, llm %+v: want 20 and marked estimated", a.Run.EstimatedOutputRows, a.LLM)
	}
	// 20 successes of 5..24 output tokens and 10 prompt tokens each.
	if tk := a.Steps[0].Tokens; tk == nil || !near6(tk.OutputP50, 14.5) || !near6(tk.OutputP95, 5+0.95*19) || !near6(tk.PromptP50, 10) || !near6(tk.PromptP95, 10) {
		t.Errorf("step tokens %+v, want prompt 10 and output 14.5 / 23.05", a.Steps[0].Tokens)
	}
	found := false
	for _, w := range a.Warnings {
		found = found || w.Fact == EstimateFact{Estimated: 20, Rows: 20, TextRows: a.Run.EstimatedTextRows}
	}
	if !found {
		t.Errorf("warnings %q lack the estimate of 20 of 20 requests", texts(a.Warnings))
	}
}

// steadyOpenRun writes a constant-arrival run sending on time at each of
// rates (steps of 10 s, rate step 10 req/s from the first rate), every
// request latMS long, with users in flight.
func steadyOpenRun(t *testing.T, name string, steps int, latMS float64, users int) string {
	t.Helper()
	var reqs []req
	for k := range steps {
		rate := 10 * float64(k+1)
		for i := range int(rate * 10) {
			reqs = append(reqs, req{sendS: float64(k)*10 + float64(i)/rate, latMS: latMS + float64(i%7), step: k + 1, users: users, ok: true})
		}
	}
	m := testMeta(name, 10, 10*float64(steps))
	m.Shape.Arrival, m.Shape.Rate, m.Shape.StepRate, m.Shape.MaxRate = "constant", 10, 10, 10*float64(steps)
	return writeRun(t, filepath.Join(t.TempDir(), name+".parquet"), m, reqs)
}
