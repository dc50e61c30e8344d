package gate

import (
	"errors"
	"github.com/llmrec/llmrec/analyze/analyzetest/rundata"
	"strconv"
	"strings"
	"testing"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/analyzetest"
	"github.com/llmrec/llmrec/analyze/compare"
)

func TestParseGate(t *testing.T) {
	tests := []struct {
		kind, spec string
		at         int
		metric     string
		users      int
		limit      float64
		err        string // "" ok; "unknown": *UnknownMetricError; else in a *GateError
	}{
		{GateMax, "p95=800ms", 0, "p95", 0, 800, ""},
		{GateMax, "p99 = 2s", 0, "p99", 0, 2000, ""},
		{GateMax, "p95@40=1.5s", 0, "p95", 40, 1500, ""},
		{GateMax, "p50=300ms", 30, "p50", 30, 300, ""},
		{GateMax, "fail_rate=1%", 0, "fail_rate", 0, 0.01, ""},
		{GateMax, "fail_rate=0.02", 0, "fail_rate", 0, 0.02, ""},
		{GateMin, "rps=50", 0, "rps", 0, 50, ""},
		{GateMax, "p99_p50=3", 0, "p99_p50", 0, 3, ""},
		{GateMin, "saturation_users=40", 20, "saturation_users", 0, 40, ""},
		{GateMaxRegression, "p95=10%", 0, "p95", 0, 0.1, ""},
		{GateMaxRegression, "fail_rate=0.5%", 0, "fail_rate", 0, 0.005, ""},
		{GateMax, "p95=800", 0, "", 0, 0, "give a duration such as 800ms"},
		{GateMax, "fail_rate=lots", 0, "", 0, 0, "is a rate"},
		{GateMin, "rps=1s", 0, "", 0, 0, "plain number"},
		{GateMax, "p95", 0, "", 0, 0, "want METRIC=VALUE"},
		{GateMax, "p95@x=1s", 0, "", 0, 0, "is not a level"},
		{GateMaxRegression, "max=10%", 0, "", 0, 0, "no significance test"},
		{GateMaxRegression, "p95=-5%", 0, "", 0, 0, "not an allowed change"},
		{GateMax, "latency=1s", 0, "", 0, 0, "unknown"},
		{GateMax, "P95=1s", 0, "", 0, 0, "unknown"},
		// Ranges: a rate is in [0, 1]; nothing is negative.
		{GateMax, "fail_rate=1.5", 0, "", 0, 0, "between 0 and 1"},
		{GateMax, "fail_rate=5", 0, "", 0, 0, "for 5% write 5% or 0.05"},
		{GateMax, "fail_rate=200%", 0, "", 0, 0, "between 0 and 1"},
		{GateMin, "fail_rate=-1", 0, "", 0, 0, "between 0 and 1"},
		{GateMax, "fail_rate=100%", 0, "fail_rate", 0, 1, ""},
		{GateMax, "fail_rate=0", 0, "fail_rate", 0, 0, ""},
		{GateMax, "p95=-1ms", 0, "", 0, 0, "cannot be negative"},
		{GateMin, "rps=-3", 0, "", 0, 0, "cannot be negative"},
		{GateMax, "p99_p50=-0.5", 0, "", 0, 0, "cannot be negative"},
		{GateMin, "saturation_users=-10", 0, "", 0, 0, "cannot be negative"},
		{GateMaxRegression, "fail_rate=150%", 0, "", 0, 0, "more than 100 points"},
		// Round 3: a negative --at-users level, and a tail ratio below 1
		// (p99 ≥ p50 always), can never be judged or never pass.
		{GateMax, "p95=1ms", -12, "", 0, 0, "level -12 is not a user count"},
		{GateMaxRegression, "p95=10%", -1, "", 0, 0, "level -1 is not a user count"},
		{GateMax, "p99_p50=0.5", 0, "", 0, 0, "at least 1"},
		{GateMin, "p99_p50=0.99", 0, "", 0, 0, "at least 1"},
		{GateMax, "p99_p50=1", 0, "p99_p50", 0, 1, ""},
		{GateMaxRegression, "p95=150%", 0, "p95", 0, 1.5, ""},
	}
	for _, tt := range tests {
		t.Run(tt.kind+" "+tt.spec, func(t *testing.T) {
			g, err := ParseGate(tt.kind, tt.spec, tt.at)
			switch {
			case tt.err == "unknown":
				var ue *compare.UnknownMetricError
				if !errors.As(err, &ue) || !strings.Contains(err.Error(), strings.Join(compare.MetricNames(), ", ")) {
					t.Errorf("err = %v, want an unknown metric listing the valid names", err)
				}
			case tt.err != "":
				var ge *GateError
				if !errors.As(err, &ge) || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("err = %v, want a gate error with %q", err, tt.err)
				}
			case err != nil:
				t.Fatal(err)
			case g.Metric != tt.metric || g.Users != tt.users || g.Limit != tt.limit || g.Kind != tt.kind:
				t.Errorf("got %+v, want %s at %d users, limit %v", g, tt.metric, tt.users, tt.limit)
			}
		})
	}
}

var small = analyzetest.Spec{RunID: "run-small", Labels: map[string]string{"model": "small"}, Users: []int{10, 20}, PerStep: 20, Seed: 9}

func TestCheckGates(t *testing.T) {
	a := rundata.Load(t, analyzetest.A)
	tests := []struct {
		kind, spec string
		run, base  analyzetest.Spec
		want       string
		line       string
	}{
		{GateMax, "p95=10s", analyzetest.A, analyzetest.Spec{}, StatusPass, "PASS p95 (overall) = "},
		{GateMax, "p95=100ms", analyzetest.A, analyzetest.Spec{}, StatusFail, "FAIL p95 (overall) = "},
		{GateMax, "p50@10=500ms", analyzetest.A, analyzetest.Spec{}, StatusPass, "(at 10 users)"},
		{GateMax, "p50@60=500ms", analyzetest.A, analyzetest.Spec{}, StatusFail, "max 500ms (200 samples)"},
		{GateMax, "p90=10s", analyzetest.A, analyzetest.Spec{}, StatusPass, ""},
		{GateMax, "p99=500ms", analyzetest.A, analyzetest.Spec{}, StatusFail, ""},
		{GateMax, "max=1h", analyzetest.A, analyzetest.Spec{}, StatusPass, ""},
		{GateMax, "p99_p50=1.1", analyzetest.A, analyzetest.Spec{}, StatusFail, ""},
		{GateMax, "fail_rate=1%", analyzetest.A, analyzetest.Spec{}, StatusPass, ""},
		{GateMax, "fail_rate=0.01%", analyzetest.A, analyzetest.Spec{}, StatusFail, ""},
		{GateMin, "rps=1", analyzetest.A, analyzetest.Spec{}, StatusPass, ""},
		{GateMin, "rps=100", analyzetest.A, analyzetest.Spec{}, StatusFail, "FAIL rps (overall) = 20.00/s, min 100.00/s"},
		{GateMax, "ttft_p95=3s", analyzetest.A, analyzetest.Spec{}, StatusPass, ""},
		{GateMin, "tokens_per_s=1000", analyzetest.A, analyzetest.Spec{}, StatusFail, ""},
		{GateMin, "saturation_users=40", analyzetest.A, analyzetest.Spec{}, StatusPass, "= 40 users"},
		{GateMin, "saturation_users=50", analyzetest.A, analyzetest.Spec{}, StatusFail, ""},
		{GateMin, "saturation_users=50", analyzetest.Noise, analyzetest.Spec{}, StatusFail, ""},
		{GateMax, "p95@70=1s", analyzetest.A, analyzetest.Spec{}, StatusInconclusive, "no post-warmup step at 70 users"},
		{GateMax, "p95=1s", analyzetest.Broken, analyzetest.Spec{}, StatusInconclusive, "no value (0 samples)"},
		{GateMax, "fail_rate=1%", analyzetest.Broken, analyzetest.Spec{}, StatusFail, "100.00%"},
		// Every figure of a run without a success is n/a: a gate it would
		// pass is inconclusive.
		{GateMin, "rps=1", analyzetest.Broken, analyzetest.Spec{}, StatusInconclusive, "no successful request after the warmup"},
		{GateMax, "fail_rate=100%", analyzetest.Broken, analyzetest.Spec{}, StatusInconclusive, "every figure is n/a"},
		{GateMax, "p95@10=1s", small, analyzetest.Spec{}, StatusInconclusive, "over 20 samples, fewer than 30"},
		{GateMaxRegression, "p95=10%", analyzetest.Slower, analyzetest.A, StatusFail, "regression over the allowed +10%"},
		{GateMaxRegression, "p95=50%", analyzetest.Slower, analyzetest.A, StatusPass, "within the allowed +50%"},
		{GateMaxRegression, "p50@20=10%", analyzetest.Slower, analyzetest.A, StatusFail, ""},
		{GateMaxRegression, "p95=1%", analyzetest.Noise, analyzetest.A, StatusPass, "not significant"},
		{GateMaxRegression, "p95=1%", analyzetest.Faster, analyzetest.A, StatusPass, "within"},
		{GateMaxRegression, "rps=1%", analyzetest.Faster, analyzetest.A, StatusPass, ""},
		{GateMaxRegression, "fail_rate=1%", analyzetest.Broken, analyzetest.A, StatusFail, "+99."},
		{GateMaxRegression, "p95=10%", analyzetest.Broken, analyzetest.A, StatusInconclusive, "fewer than 30"},
		{GateMaxRegression, "p95@80=10%", analyzetest.Shape, analyzetest.A, StatusInconclusive, "v1 has no post-warmup step at 80 users"},
	}
	for _, tt := range tests {
		t.Run(tt.kind+" "+tt.spec+" "+tt.run.RunID, func(t *testing.T) {
			g, err := ParseGate(tt.kind, tt.spec, 0)
			if err != nil {
				t.Fatal(err)
			}
			var base *analyze.RunData
			if tt.base.RunID != "" {
				base = rundata.Load(t, tt.base)
			}
			res, err := Check(rundata.Load(t, tt.run), base, []Gate{g}, compare.DefaultAlpha, compare.DefaultMinEffect, true)
			if err != nil {
				t.Fatal(err)
			}
			r := res.Gates[0]
			if r.Status != tt.want || !strings.Contains(r.Line, tt.line) {
				t.Errorf("%s: %q, want %s with %q", r.Status, r.Line, tt.want, tt.line)
			}
			if res.Passed != (tt.want == StatusPass) {
				t.Errorf("passed = %v with an inconclusive-fails policy and a %s gate", res.Passed, r.Status)
			}
		})
	}
	if _, err := Check(a, nil, []Gate{{Kind: GateMaxRegression, Metric: "p95", Spec: "p95=1%"}}, compare.DefaultAlpha, compare.DefaultMinEffect, true); err == nil {
		t.Error("a regression gate without a baseline run was accepted")
	}
}

func TestCheckInconclusivePolicy(t *testing.T) {
	broken := rundata.Load(t, analyzetest.Broken)
	p95, _ := ParseGate(GateMax, "p95=1s", 0)
	rps, _ := ParseGate(GateMin, "rps=1", 0)
	for _, fails := range []bool{true, false} {
		res, err := Check(broken, nil, []Gate{p95, rps}, compare.DefaultAlpha, compare.DefaultMinEffect, fails)
		if err != nil {
			t.Fatal(err)
		}
		// Both: p95 has no value, and rps would pass on a run without a
		// success, whose every figure is n/a.
		if res.InconclusiveN != 2 || res.Passed == fails || (res.Failed == 2) != fails {
			t.Errorf("inconclusive fails=%v: %d inconclusive, %d failed, passed %v", fails, res.InconclusiveN, res.Failed, res.Passed)
		}
	}
}

// TestCheckEveryMetric bounds every metric of run A (with chunk times
// and a few stalls: Streamed) around its own value: a max at twice the
// value and a min at half hold, a max at half and a min at twice fail.
func TestCheckEveryMetric(t *testing.T) {
	a := rundata.Load(t, analyzetest.Streamed)
	for _, m := range compare.MetricDocs() {
		huge := map[string]string{compare.UnitMS: "1h", compare.UnitRate: "100%"}[m.Unit]
		if huge == "" {
			huge = "1e9"
		}
		probe, err := ParseGate(GateMax, m.Name+"="+huge, 0)
		if err != nil {
			t.Fatal(err)
		}
		res, err := Check(a, nil, []Gate{probe}, compare.DefaultAlpha, compare.DefaultMinEffect, true)
		if err != nil {
			t.Fatal(err)
		}
		v := res.Gates[0].Value
		if v == nil || *v <= 0 {
			t.Fatalf("%s: no positive value to bound (%s)", m.Name, res.Gates[0].Line)
		}
		spec := func(x float64) string {
			switch m.Unit {
			case compare.UnitMS:
				return m.Name + "=" + strconv.FormatFloat(x, 'f', -1, 64) + "ms"
			case compare.UnitRate:
				return m.Name + "=" + strconv.FormatFloat(x*100, 'f', -1, 64) + "%"
			}
			return m.Name + "=" + strconv.FormatFloat(x, 'f', -1, 64)
		}
		for _, tt := range []struct {
			kind   string
			factor float64
			want   string
		}{{GateMax, 2, StatusPass}, {GateMax, 0.5, StatusFail}, {GateMin, 0.5, StatusPass}, {GateMin, 2, StatusFail}} {
			if m.Unit == compare.UnitRate && *v*tt.factor > 1 {
				continue // no rate is over 100%: the bound cannot be given
			}
			g, err := ParseGate(tt.kind, spec(*v*tt.factor), 0)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Check(a, nil, []Gate{g}, compare.DefaultAlpha, compare.DefaultMinEffect, true)
			if err != nil {
				t.Fatal(err)
			}
			if r := res.Gates[0]; r.Status != tt.want || res.Passed != (tt.want == StatusPass) {
				t.Errorf("%s %s: %s (%q), want %s", tt.kind, g.Spec, r.Status, r.Line, tt.want)
			}
		}
	}
}
