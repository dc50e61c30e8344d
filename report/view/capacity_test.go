package view

import (
	"testing"

	"github.com/llmrec/llmrec/analyze"
)

func fp(v float64) *float64 { return &v }
func ip(v int) *int         { return &v }
func sp(v string) *string   { return &v }

func TestCapacitySentence(t *testing.T) {
	slo := &analyze.SLOSettings{TTFTMS: fp(500), TPOTMS: fp(50)}
	steps := []analyze.Step{{Step: 1, Level: 4, Users: 4, Goodput: analyze.Goodput{SLOAttainment: fp(0.42)}}, {Step: 2, Level: 8, Users: 8}}
	peak := analyze.Peak{RPS: fp(44), Level: fp(20), LastLevel: fp(36), DropAfterPeak: fp(0.68)}
	base := &analyze.Baseline{Step: 1, Users: 4, Level: 4}
	cases := []struct {
		name string
		a    analyze.Analysis
		want string
	}{
		{"within slo", analyze.Analysis{Settings: analyze.Settings{SLO: slo, SLOTarget: 0.9}, Steps: steps, Peak: peak,
			Capacity: analyze.Capacity{LevelKind: analyze.LevelUsers, Level: fp(36), Step: ip(4), GoodputRPS: fp(14.2), Bounded: true}},
			"holds 36 users within SLO: TTFT ≤ 500 ms, TPOT ≤ 50 ms for 90% of requests, at 14.2 good req/s; throughput peaks at 44.0 req/s at 20 users and falls 68% by 36 users"},
		{"no slo, never saturated", analyze.Analysis{Settings: analyze.Settings{SLOTarget: 0.9}, Steps: steps, Baseline: base,
			Peak:     analyze.Peak{RPS: fp(10), Level: fp(8), LastLevel: fp(8), DropAfterPeak: fp(0)},
			Capacity: analyze.Capacity{LevelKind: analyze.LevelUsers, Level: fp(8), GoodputRPS: fp(10)}},
			"holds at least 8 users before saturation at 10.0 req/s (every level the run loaded held); throughput peaks at 10.0 req/s at 8 users"},
		{"no slo, no baseline", analyze.Analysis{Settings: analyze.Settings{SLOTarget: 0.9, BaselineUsers: 10}, Steps: steps,
			Capacity: analyze.Capacity{LevelKind: analyze.LevelUsers}},
			"not judged: no step after the warmup reached 10 users, the baseline (--baseline-users)"},
		{"slo, saturation said beside", analyze.Analysis{Settings: analyze.Settings{SLO: slo, SLOTarget: 0.9}, Steps: steps, Baseline: base,
			Saturation: analyze.Saturation{Reached: true, Level: fp(6), Signal: sp(analyze.SignalLatency)},
			Capacity:   analyze.Capacity{LevelKind: analyze.LevelUsers, Level: fp(8), Step: ip(2), GoodputRPS: fp(3), Bounded: true}},
			"holds 8 users within SLO: TTFT ≤ 500 ms, TPOT ≤ 50 ms for 90% of requests, at 3.0 good req/s; saturated (by the latency rule) at 6 users"},
		{"none", analyze.Analysis{Settings: analyze.Settings{SLO: slo, SLOTarget: 0.9}, Steps: steps,
			Capacity: analyze.Capacity{LevelKind: analyze.LevelUsers, Bounded: true}},
			"holds no level within SLO: even 4 users had only 42.00% good requests (TTFT ≤ 500 ms, TPOT ≤ 50 ms, target 90%)"},
		{"open loop", analyze.Analysis{Settings: analyze.Settings{SLOTarget: 0.9}, Steps: steps, Baseline: base,
			Capacity: analyze.Capacity{LevelKind: analyze.LevelRate, Level: fp(12.5), GoodputRPS: fp(12.4), Bounded: true}},
			"holds 12.5 req/s offered before saturation at 12.4 req/s"},
		{"no steps", analyze.Analysis{}, "no capacity to tell: no step after the warmup"},
	}
	for _, c := range cases {
		if got := CapacitySentence(&c.a); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
}
