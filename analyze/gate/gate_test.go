package gate

import (
	"errors"
	"github.com/llmrec/llmrec/analyze/analyzetest/rundata"
	"strconv"
	"strings"
	"testing"

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
			t.Fatalf("%s: no positive value to bound (%+v)", m.Name, res.Gates[0].Outcome)
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
				t.Errorf("%s %s: %s (%+v), want %s", tt.kind, g.Spec, r.Status, r.Outcome, tt.want)
			}
		}
	}
}
