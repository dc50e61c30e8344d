package analyze

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/llmrec/llmrec/analyze/analyzetest"
)

// TestPercentilesListed: --percentiles adds exact percentiles (the
// database's quantile_cont at those ranks) to the latency blocks and to
// the LLM distributions; without it the analysis is as before (no key).
func TestPercentilesListed(t *testing.T) {
	path := writeChunkFixture(t)
	opts := testOptions(0, 5*time.Second)
	plain, err := Analyze(context.Background(), opts, path)
	if err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(plain)
	if strings.Contains(string(js), `"percentiles":`) || plain.Overall.Percentiles != nil {
		t.Errorf("percentiles listed without --percentiles")
	}
	opts.Percentiles = []float64{10, 99.9}
	a, err := Analyze(context.Background(), opts, path)
	if err != nil {
		t.Fatal(err)
	}
	var lat, step1 []float64
	for _, c := range chunkFixture {
		if c.ok {
			lat = append(lat, c.latMS)
			if c.step == 1 {
				step1 = append(step1, c.latMS)
			}
		}
	}
	gaps := []float64{10, 20, 5, 5, 30, 15, 1500, 8, 12}
	for i, p := range opts.Percentiles {
		checkQ(t, "latency "+PercentileName(p), a.Overall.Percentiles[i].V, wantQuantile(lat, p/100))
		checkQ(t, "step 1 latency "+PercentileName(p), a.Steps[0].Percentiles[i].V, wantQuantile(step1, p/100))
		checkQ(t, "itl "+PercentileName(p), a.LLM.ITL.Percentiles[i].V, wantQuantile(gaps, p/100))
		if a.Overall.Percentiles[i].P != p {
			t.Errorf("percentile %d is %v, want %v", i, a.Overall.Percentiles[i].P, p)
		}
	}
	// The fixed four are unchanged by the extra ones.
	checkQ(t, "p99", a.Overall.P99MS, plain.Overall.P99MS)
	checkQ(t, "itl p99", a.LLM.ITL.P99, plain.LLM.ITL.P99)
	if len(a.LLM.TTFT.Percentiles) != 2 || len(a.LLM.TPOT.Percentiles) != 2 || len(a.LLM.Stalls.LongestGap.Percentiles) != 2 {
		t.Errorf("LLM percentiles: %+v", a.LLM)
	}

	// Gates name them: p99.9 of the metric, itl_p99.9 of the run; p100
	// is no percentile.
	for _, tt := range []struct {
		spec string
		want *float64
	}{
		{"p99.9=1h", a.Overall.Percentiles[1].V},
		{"p10=1h", a.Overall.Percentiles[0].V},
		{"itl_p99.9=1h", a.LLM.ITL.Percentiles[1].V},
	} {
		g, err := ParseGate(GateMax, tt.spec, 0)
		if err != nil {
			t.Fatalf("%s: %v", tt.spec, err)
		}
		res, err := Check(&RunData{Analysis: a, Samples: &Samples{}}, nil, []Gate{g}, DefaultAlpha, DefaultMinEffect, true)
		if err != nil {
			t.Fatal(err)
		}
		// (Inconclusive: the fixture has fewer than 30 samples.)
		if got := res.Gates[0].Value; !near(got, tt.want) || res.Gates[0].Status == StatusFail {
			t.Errorf("%s: value %s, want %s (%s)", tt.spec, show(got), show(tt.want), res.Gates[0].Status)
		}
	}
	for _, bad := range []string{"p100=1s", "p0=1s", "p99.90=1s", "latency_p99=1s"} {
		var u *UnknownMetricError
		if _, err := ParseGate(GateMax, bad, 0); err == nil || !errors.As(err, &u) {
			t.Errorf("%s: %v, want an unknown metric", bad, err)
		}
	}
	if got := GatePercentiles([]Gate{{Metric: "p99.9"}, {Metric: "p95"}, {Metric: "ttft_p97"}}); len(got) != 2 || got[0] != 99.9 || got[1] != 97 {
		t.Errorf("GatePercentiles = %v", got)
	}
}

func TestParsePercentiles(t *testing.T) {
	got, err := ParsePercentiles("99.9, 50,p90,50")
	if err != nil || len(got) != 3 || got[0] != 50 || got[1] != 90 || got[2] != 99.9 {
		t.Errorf("ParsePercentiles = %v, %v", got, err)
	}
	for _, bad := range []string{"", "0", "100", "abc", "50,,90", "NaN", "-1"} {
		if _, err := ParsePercentiles(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// TestComparePercentilesListed: compare with --percentiles compares each
// listed percentile of the metric at every level, with the bootstrap
// test at that quantile.
func TestComparePercentilesListed(t *testing.T) {
	o := compareOptions()
	o.Percentiles = []float64{99.9}
	var runs []*RunData
	for _, s := range []analyzetest.Spec{analyzetest.A, analyzetest.Slower} {
		r, err := LoadRun(context.Background(), o, s.RunID, writeSpec(t, s))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Samples.Close()
		runs = append(runs, r)
	}
	c, err := Compare(runs, DefaultAlpha, DefaultMinEffect)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(c.Metrics, "p99.9") {
		t.Fatalf("metrics %v lack p99.9", c.Metrics)
	}
	found := false
	for _, lc := range c.Levels {
		for _, mc := range lc.Metrics {
			if mc.Metric == "p99.9" && mc.Values[0] != nil && mc.Changes[1] != nil && mc.Changes[1].Test == TestBootstrap {
				found = true
			}
		}
	}
	if !found {
		t.Error("no level compares p99.9 with a bootstrap test")
	}
}
