package analyze_test

// The comparisons and gates on the internal fixtures of package analyze
// (bridge_test.go exports them to this package): analyze/compare and
// analyze/gate import analyze, so these tests live on this side of it.

import (
	"context"
	"errors"
	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/analyzetest/rundata"
	"github.com/llmrec/llmrec/analyze/compare"
	"github.com/llmrec/llmrec/analyze/gate"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestGatesNamePercentiles: the --percentiles of an analysis are
// gates' metrics: p99.9 of the metric, itl_p99.9 of the run; p100 is no
// percentile.
func TestGatesNamePercentiles(t *testing.T) {
	opts := analyze.TestOptions(0, 5*time.Second)
	opts.Percentiles = []float64{10, 99.9}
	a, err := analyze.Analyze(context.Background(), opts, analyze.WriteChunkFixture(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		spec string
		want *float64
	}{
		{"p99.9=1h", a.Overall.Percentiles[1].V},
		{"p10=1h", a.Overall.Percentiles[0].V},
		{"itl_p99.9=1h", a.LLM.ITL.Percentiles[1].V},
	} {
		g, err := gate.ParseGate(gate.GateMax, tt.spec, 0)
		if err != nil {
			t.Fatalf("%s: %v", tt.spec, err)
		}
		res, err := gate.Check(&analyze.RunData{Analysis: a, Samples: &analyze.Samples{}}, nil, []gate.Gate{g}, compare.DefaultAlpha, compare.DefaultMinEffect, true)
		if err != nil {
			t.Fatal(err)
		}
		// (Inconclusive: the fixture has fewer than 30 samples.)
		if got := res.Gates[0].Value; !analyze.Near(got, tt.want) || res.Gates[0].Status == gate.StatusFail {
			t.Errorf("%s: value %s, want %s (%s)", tt.spec, analyze.Show(got), analyze.Show(tt.want), res.Gates[0].Status)
		}
	}
	for _, bad := range []string{"p100=1s", "p0=1s", "p99.90=1s", "latency_p99=1s"} {
		var u *compare.UnknownMetricError
		if _, err := gate.ParseGate(gate.GateMax, bad, 0); err == nil || !errors.As(err, &u) {
			t.Errorf("%s: %v, want an unknown metric", bad, err)
		}
	}
	if got := gate.GatePercentiles([]gate.Gate{{Metric: "p99.9"}, {Metric: "p95"}, {Metric: "ttft_p97"}}); len(got) != 2 || got[0] != 99.9 || got[1] != 97 {
		t.Errorf("GatePercentiles = %v", got)
	}
}

func TestCapacityGates(t *testing.T) {
	slo := analyze.SLO{Latency: 150 * time.Millisecond}
	run := analyze.LoadCapRun(t, "run", slo) // capacity 30 users
	flat := analyze.LoadFlatCapRun(t, "flat", slo)
	none := analyze.LoadCapRun(t, "none", analyze.SLO{TTFT: time.Millisecond})
	cases := []struct {
		run        *analyze.RunData
		kind, spec string
		want       string
	}{
		{run, gate.GateMin, "capacity=30", gate.StatusPass},
		{run, gate.GateMin, "capacity=32", gate.StatusFail},
		{run, gate.GateMax, "capacity=20", gate.StatusFail},
		{flat, gate.GateMin, "capacity=20", gate.StatusPass},
		{flat, gate.GateMin, "capacity=32", gate.StatusInconclusive}, // held all it loaded
		{flat, gate.GateMax, "capacity=10", gate.StatusFail},
		{flat, gate.GateMax, "capacity=40", gate.StatusInconclusive},
		{none, gate.GateMin, "capacity=10", gate.StatusFail},
		{none, gate.GateMax, "capacity=10", gate.StatusPass},
		// 20 users: 60 good of 62 sent; 40 users: none good.
		{run, gate.GateMin, "slo_attainment@20=95%", gate.StatusPass},
		{run, gate.GateMin, "slo_attainment@20=97%", gate.StatusFail},
		{run, gate.GateMin, "slo_attainment@40=1%", gate.StatusFail},
		{run, gate.GateMin, "goodput@30=8", gate.StatusPass},
		{run, gate.GateMin, "goodput@30=8.1", gate.StatusFail},
		{run, gate.GateMin, "goodput@60=1", gate.StatusInconclusive}, // no such level
		{run, gate.GateMin, "peak_rps=7.9", gate.StatusPass},         // 79 of the 80 at 30 users complete within its span
		{run, gate.GateMax, "peak_rps=7", gate.StatusFail},
		{run, gate.GateMin, "peak_tokens_per_s=136.1", gate.StatusPass},
		{run, gate.GateMin, "peak_tokens_per_s=136.2", gate.StatusFail},
	}
	for _, c := range cases {
		g, err := gate.ParseGate(c.kind, c.spec, 0)
		if err != nil {
			t.Fatalf("%s %s: %v", c.kind, c.spec, err)
		}
		res, err := gate.Check(c.run, nil, []gate.Gate{g}, compare.DefaultAlpha, compare.DefaultMinEffect, false)
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Gates[0]; got.Status != c.want {
			t.Errorf("%s: --%s %s: %s, want %s (%+v)", c.run.Name, c.kind, c.spec, got.Status, c.want, got.Outcome)
		}
	}
	for _, bad := range []string{"slo_attainment=1.5", "slo_attainment=-1%", "capacity=-1", "goodput=abc", "peak_rps=-2"} {
		if _, err := gate.ParseGate(gate.GateMin, bad, 0); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	if _, err := gate.ParseGate(gate.GateMaxRegression, "capacity=10%", 0); err == nil {
		t.Error("a regression gate on capacity (no test) accepted")
	}
}

// TestGoodputRegression: goodput and attainment regressions are tested
// on the good counts: a run that lost a third of its good requests at a
// level is significantly worse there.
func TestGoodputRegression(t *testing.T) {
	slo := analyze.SLO{Latency: 150 * time.Millisecond}
	base := analyze.LoadCapRun(t, "base", slo)
	run := analyze.LoadSlowerCapRun(t, "worse", slo) // at 30 users, half the latencies over 150 ms
	for _, spec := range []string{"goodput@30=10%", "slo_attainment@30=10%"} {
		g, err := gate.ParseGate(gate.GateMaxRegression, spec, 0)
		if err != nil {
			t.Fatal(err)
		}
		res, err := gate.Check(run, base, []gate.Gate{g}, compare.DefaultAlpha, compare.DefaultMinEffect, false)
		if err != nil {
			t.Fatal(err)
		}
		r := res.Gates[0]
		if r.Status != gate.StatusFail || r.Change == nil || !r.Change.Significant {
			t.Errorf("%s: %s (%+v)", spec, r.Status, r.Outcome)
		}
		same, _ := gate.Check(base, base, []gate.Gate{g}, compare.DefaultAlpha, compare.DefaultMinEffect, false)
		if same.Gates[0].Status != gate.StatusPass {
			t.Errorf("%s against itself: %+v", spec, same.Gates[0].Outcome)
		}
	}
}

// TestCompareOpenLoopByRate: open-loop runs are matched by offered rate
// whatever their in-flight counts, and a closed run is refused beside an
// open one with one line that says why.
func TestCompareOpenLoopByRate(t *testing.T) {
	ctx := context.Background()
	o := rundata.Options()
	load := func(name, path string) *analyze.RunData {
		r, err := analyze.LoadRun(ctx, o, name, path)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a := load("a", analyze.SteadyOpenRun(t, "a", 3, 70, 1))
	b := load("b", analyze.SteadyOpenRun(t, "b", 2, 140, 3)) // twice as slow, more in flight
	c, err := compare.Compare([]*analyze.RunData{a, b}, compare.DefaultAlpha, compare.DefaultMinEffect)
	if err != nil {
		t.Fatal(err)
	}
	var rates []float64
	for _, lc := range c.Levels {
		if lc.Rate == nil || lc.Users != 0 {
			t.Fatalf("level %+v: want a rate and no users", lc)
		}
		rates = append(rates, *lc.Rate)
		if ch := p95Change(lc); ch == nil || ch.Direction != "worse" {
			t.Errorf("at %g req/s: p95 change %+v, want worse", *lc.Rate, ch)
		}
	}
	if !slices.Equal(rates, []float64{10, 20}) {
		t.Errorf("matched rates %v, want [10 20]", rates)
	}
	if len(c.Unmatched) != 1 || c.Unmatched[0].Rate == nil || *c.Unmatched[0].Rate != 30 {
		t.Errorf("unmatched %+v, want 30 req/s only in a", c.Unmatched)
	}
	if !slices.Equal(c.Runs[0].Rates, []float64{10, 20, 30}) || len(c.Runs[0].Users) != 0 {
		t.Errorf("run a rates %v users %v", c.Runs[0].Rates, c.Runs[0].Users)
	}
	// The verdict's worst level is named by its offered rate (the view
	// words it "N req/s offered").
	if e := c.Verdicts[0].Evidence; e.WorstP95 != nil && (e.WorstRate == nil || e.WorstUsers != 0) {
		t.Errorf("verdict evidence %+v does not name the level by rate", e)
	} else if e.WorstP95 == nil {
		t.Errorf("verdict evidence %+v: want the p95 change that holds", e)
	}

	closed := load("closed", analyze.ClosedRun(t))
	_, err = compare.Compare([]*analyze.RunData{a, closed}, compare.DefaultAlpha, compare.DefaultMinEffect)
	var ie *analyze.InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "cannot compare a (open loop of constant arrivals: levels are offered rates) with closed (closed loop") || strings.Contains(err.Error(), "\n") {
		t.Errorf("open vs closed: %v, want one line refusing", err)
	}
}

func p95Change(lc compare.LevelComparison) *compare.Change {
	for _, m := range lc.Metrics {
		if m.Metric == "p95" {
			return m.Changes[1]
		}
	}
	return nil
}
