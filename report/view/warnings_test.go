package view

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/llmrec/llmrec/analyze"
)

// TestWarningText: each fact analyze states is worded here, in the words
// the JSON's warnings[] have always had; a sentence analyze worded itself
// is kept, and a comparison's run is named before either.
func TestWarningText(t *testing.T) {
	tests := []struct {
		name string
		w    analyze.Warning
		want string
	}{
		{"text", analyze.Warning{Text: "the run has no requests: every figure is n/a"},
			"the run has no requests: every figure is n/a"},
		{"a run's text", analyze.Warning{Text: "the run has no requests", Run: "v2"},
			"v2: the run has no requests"},
		{"lag", analyze.Warning{Fact: analyze.LagFact{Late: 20, Requests: 40, MaxMS: 400}},
			"client-side lag: 20 requests (50.00%) were sent more than 100ms after their scheduled time (max 400ms): the load generator could not keep up"},
		{"lag, open loop", analyze.Warning{Fact: analyze.LagFact{Late: 3, Requests: 1000, MaxMS: 12500, OpenLoop: true}},
			"client-side lag: 3 requests (0.30%) were sent more than 100ms after their scheduled time (max 12.5s): they waited for a free slot under the recorder's in-flight cap (requests in flight held them), or the load generator could not keep up"},
		{"lag, open loop capped", analyze.Warning{Fact: analyze.LagFact{Late: 7, Requests: 9, MaxMS: 1234, OpenLoop: true, MaxConcurrency: 64}, Run: "v1"},
			"v1: client-side lag: 7 requests (77.78%) were sent more than 100ms after their scheduled time (max 1.23s): they waited for a free slot under --max-concurrency 64 (requests in flight held them), or the load generator could not keep up"},
		{"waited", analyze.Warning{Fact: analyze.WaitedFact{Waited: 12, Metric: "latency"}},
			"12 arrivals waited over 10.0ms for a slot: the verdict used latency, which leaves the wait out; --metric latency_from_schedule judges by what the users waited"},
		{"generator lag", analyze.Warning{Fact: analyze.GeneratorLagFact{Shard: 2, File: "runs/shard-2.parquet", P99MS: 350, PeakMS: 900}},
			"the load generator of shard 2 (runs/shard-2.parquet) sent late: p99 send lag 350ms (worst 900ms), over 100ms for more than 1.00% of its requests; use fewer users per shard or more shards"},
		{"little, lost", analyze.Warning{Fact: analyze.LittleFact{Cause: analyze.CauseLost, Count: 2, Steps: []analyze.LittleStep{
			{Step: 1, Users: 20, RPS: 19.95, CycleS: 0.423, Ratio: 0.421928}, {Step: 2, Users: 40, RPS: 19.98, CycleS: 1.09, Ratio: 0.544455}}}, Run: "v4"},
			"v4: 2 steps fail the Little's-law check (users = completed req/s x (mean latency + mean think time), within 15%), likely cause: lost rows (requests missing from the file), or think time longer than configured (none): step 1, 19.95 req/s x 423ms = 8.4 of 20 users (-58%); step 2, 19.98 req/s x 1.09s = 21.8 of 40 users (-46%)"},
		{"little, lag, one step", analyze.Warning{Fact: analyze.LittleFact{Cause: analyze.CauseLag, Count: 1, Steps: []analyze.LittleStep{
			{Step: 3, Users: 30, RPS: 12.3456, CycleS: 1.5, Ratio: 0.617280}}, WaitMinS: 1, WaitMaxS: 2}},
			"1 step fails the Little's-law check (users = completed req/s x (mean latency + mean think time), within 15%), likely cause: generator lag (requests sent over 100ms after their scheduled time): step 3, 12.35 req/s x 1.50s = 18.5 of 30 users (-38%)"},
		{"little, twice, more than listed", analyze.Warning{Fact: analyze.LittleFact{Cause: analyze.CauseTwice, Count: 6, Steps: []analyze.LittleStep{
			{Step: 1, Users: 1, RPS: 2, CycleS: 1, Ratio: 2}, {Step: 2, Users: 1, RPS: 2, CycleS: 1, Ratio: 2},
			{Step: 3, Users: 1, RPS: 2, CycleS: 1, Ratio: 2}, {Step: 4, Users: 1, RPS: 2, CycleS: 1, Ratio: 2}}, WaitMinS: 0.5, WaitMaxS: 1.5}},
			"6 steps fail the Little's-law check (users = completed req/s x (mean latency + mean think time), within 15%), likely cause: think time shorter than configured (500ms-1.5s), or rows counted twice (a shard given twice?): " +
				"step 1, 2 req/s x 1.00s = 2.0 of 1 users (+100%); step 2, 2 req/s x 1.00s = 2.0 of 1 users (+100%); step 3, 2 req/s x 1.00s = 2.0 of 1 users (+100%); step 4, 2 req/s x 1.00s = 2.0 of 1 users (+100%); 2 more"},
		{"open little, waited", analyze.Warning{Fact: analyze.OpenLittleFact{Step: 3, OfferedRPS: 30, AchievedRPS: 25, Cause: analyze.CauseWaited, Waited: 140}},
			"step 3 (30 req/s offered) fails the Little's-law check: it sent 25 req/s, 83% of the offered rate; likely cause: generator lag or the concurrency cap: 140 arrivals waited over 10.0ms"},
		{"open little, lost", analyze.Warning{Fact: analyze.OpenLittleFact{Step: 2, OfferedRPS: 12.5, AchievedRPS: 8.123456, Cause: analyze.CauseLost}},
			"step 2 (12.5 req/s offered) fails the Little's-law check: it sent 8.123 req/s, 65% of the offered rate; likely cause: lost rows (requests missing from the file)"},
		{"open little, twice", analyze.Warning{Fact: analyze.OpenLittleFact{Step: 1, OfferedRPS: 10, AchievedRPS: 20, Cause: analyze.CauseTwice}},
			"step 1 (10 req/s offered) fails the Little's-law check: it sent 20 req/s, 200% of the offered rate; likely cause: rows counted twice (a shard given twice?) or a rate other than the one recorded"},
	}
	for _, tt := range tests {
		if got := WarningText(tt.w); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

// TestWarningsWorded: the JSON carries every warning worded, the run's
// name before it, in order, and the analysis itself is left as it was.
func TestWarningsWorded(t *testing.T) {
	a := &analyze.Analysis{Warnings: []analyze.Warning{
		{Text: "first"},
		{Fact: analyze.WaitedFact{Waited: 2, Metric: "ttft"}},
		{Text: "third", Run: "v1"},
	}}
	b, err := json.Marshal(WithWords(a).Warnings)
	if err != nil {
		t.Fatal(err)
	}
	want := `["first","2 arrivals waited over 10.0ms for a slot: the verdict used ttft, which leaves the wait out; --metric latency_from_schedule judges by what the users waited","v1: third"]`
	if string(b) != want {
		t.Errorf("%s\nwant %s", b, want)
	}
	if a.Warnings[1].Text != "" || a.Warnings[2].Run != "v1" {
		t.Errorf("WithWords changed its input: %+v", a.Warnings)
	}
	if _, err := json.Marshal(a.Warnings); err == nil || !strings.Contains(err.Error(), "not worded") {
		t.Errorf("the unworded warnings marshal: %v", err)
	}
}

// TestGrowthSummary: the growth evidence in one sentence, the JSON's
// growth.summary, for each way the rule can decide.
func TestGrowthSummary(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	ev := func(n int) analyze.GrowthEvidence { return analyze.GrowthEvidence{P95MS: make([]float64, n)} }
	with := func(e analyze.GrowthEvidence, edit func(*analyze.GrowthEvidence)) analyze.GrowthEvidence {
		edit(&e)
		return e
	}
	tests := []struct {
		name   string
		g      analyze.Growth
		kind   string
		errThr float64
		want   string
	}{
		{"one step", analyze.Growth{Pattern: analyze.GrowthFlat, Evidence: ev(1)}, analyze.LevelUsers, 0.01,
			"1 step with a p95: too few to see growth"},
		{"none, failures", analyze.Growth{Pattern: analyze.GrowthFlatWithFailures, Evidence: with(ev(0), func(e *analyze.GrowthEvidence) { e.MaxFailRate = f(0.25) })},
			analyze.LevelUsers, 0.01, "0 steps with a p95: too few to see growth; failure rate rises to 25.00% (over 1.00%)"},
		{"flat ratio", analyze.Growth{Pattern: analyze.GrowthFlat, Evidence: with(ev(4), func(e *analyze.GrowthEvidence) { e.P95Ratio, e.Slope = f(1.123), f(0.5) })},
			analyze.LevelUsers, 0.01, "p95 max/min 1.12 < 1.25 over 4 steps"},
		{"flat slope", analyze.Growth{Pattern: analyze.GrowthFlat, Evidence: with(ev(3), func(e *analyze.GrowthEvidence) { e.P95Ratio, e.Slope = f(2), f(-1.23456) })},
			analyze.LevelUsers, 0.01, "p95 does not grow with users (slope -1.235 ms/user)"},
		{"flat slope, rate, failures", analyze.Growth{Pattern: analyze.GrowthFlatWithFailures, Evidence: with(ev(3), func(e *analyze.GrowthEvidence) {
			e.P95Ratio, e.Slope, e.MaxFailRate = f(2), f(0), f(0.5)
		})}, analyze.LevelRate, 0.05, "p95 does not grow with the offered rate (slope 0 ms per req/s); failure rate rises to 50.00% (over 5.00%)"},
		{"linear", analyze.Growth{Pattern: analyze.GrowthLinear, Evidence: with(ev(5), func(e *analyze.GrowthEvidence) {
			e.P95Ratio, e.SlopeFirst, e.SlopeLast, e.SlopeRatio = f(3.456), f(10), f(12.5), f(1.25)
		})}, analyze.LevelUsers, 0.01, "p95 max/min 3.46; slope first third 10, last third 12.5 ms/user (ratio 1.25 <= 3)"},
		{"exponential", analyze.Growth{Pattern: analyze.GrowthExponential, Evidence: with(ev(6), func(e *analyze.GrowthEvidence) {
			e.P95Ratio, e.SlopeFirst, e.SlopeLast, e.SlopeRatio = f(20), f(2.1), f(546.3), f(260.142)
		})}, analyze.LevelRate, 0.01, "p95 max/min 20.00; slope first third 2.1, last third 546.3 ms per req/s (ratio 260.1 > 3)"},
		{"exponential from flat", analyze.Growth{Pattern: analyze.GrowthExponential, Evidence: with(ev(6), func(e *analyze.GrowthEvidence) {
			e.P95Ratio, e.SlopeFirst, e.SlopeLast = f(15.84), f(-1.107), f(546.3)
		})}, analyze.LevelUsers, 0.01, "p95 max/min 15.84; slope first third -1.107, last third 546.3 ms/user (flat, then rising)"},
	}
	for _, tt := range tests {
		if got := GrowthSummary(tt.g, tt.kind, tt.errThr); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

// TestCapacityRule: how the capacity level was chosen, with and without
// an SLO.
func TestCapacityRule(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	tests := []struct {
		name string
		set  analyze.Settings
		want string
	}{
		{"no slo", analyze.Settings{ErrorThreshold: 0.01},
			"the last level before saturation (no --slo: every success is good); none when the first judged step saturated"},
		{"slo", analyze.Settings{ErrorThreshold: 0.01, SLOTarget: 0.9, SLO: &analyze.SLOSettings{TTFTMS: f(150), LatencyMS: f(1000)}},
			"the highest level such that it and every level below it had at least 90% good requests (succeeded and met TTFT ≤ 150 ms, latency ≤ 1 s) and failed no more than 1.00%"},
		{"slo, odd target", analyze.Settings{ErrorThreshold: 0.005, SLOTarget: 0.995, SLO: &analyze.SLOSettings{ITLMS: f(50)}},
			"the highest level such that it and every level below it had at least 99.5% good requests (succeeded and met ITL ≤ 50 ms) and failed no more than 0.50%"},
	}
	for _, tt := range tests {
		if got := CapacityRule(tt.set); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

// TestHealthText: a health row's values as printed; a text the row
// already has (read back from JSON) is kept.
func TestHealthText(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	tests := []struct {
		name        string
		h           analyze.Health
		text, whole string
	}{
		{"ratio", analyze.Health{Signal: "p99_p50", Value: f(1.7249), WholeValue: f(8.571)}, "1.72x", "8.57x"},
		{"fail rate", analyze.Health{Signal: "fail_rate", Value: f(0.0005), WholeValue: f(1)}, "0.05%", "100.00%"},
		{"none", analyze.Health{Signal: "fail_rate"}, "n/a", "n/a"},
		{"growth", analyze.Health{Signal: "growth", Text: "linear", WholeText: "linear"}, "linear", "linear"},
		{"kept", analyze.Health{Signal: "fail_rate", Value: f(0.0009), Text: "0.41%"}, "0.41%", "n/a"},
	}
	for _, tt := range tests {
		if text, whole := HealthText(tt.h); text != tt.text || whole != tt.whole {
			t.Errorf("%s: %q, %q; want %q, %q", tt.name, text, whole, tt.text, tt.whole)
		}
	}
}
