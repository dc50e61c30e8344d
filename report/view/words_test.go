package view

import (
	"strings"
	"testing"

	"github.com/llmrec/llmrec/analyze"
)

// Growth is said in a reader's words; the numbers stay in the evidence.
func TestGrowthWords(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	tests := []struct {
		name string
		g    analyze.Growth
		want string
	}{
		{"exponential", analyze.Growth{Pattern: analyze.GrowthExponential, Evidence: analyze.GrowthEvidence{
			Users: []int{10, 20, 30, 40, 50, 60}, P95MS: []float64{100, 105, 110, 200, 900, 2000}, SlopeRatio: f(80)}},
			"p95 rose 20× from 10 to 60 users, 80× faster in the last third than the first"},
		{"linear", analyze.Growth{Pattern: analyze.GrowthLinear, Evidence: analyze.GrowthEvidence{
			Users: []int{10, 20, 30}, P95MS: []float64{100, 200, 300}, SlopeRatio: f(1)}},
			"p95 rose 3× from 10 to 30 users, at a steady pace"},
		{"flat", analyze.Growth{Pattern: analyze.GrowthFlat, Evidence: analyze.GrowthEvidence{
			Users: []int{10, 20, 30}, P95MS: []float64{100, 110, 105}, P95Ratio: f(1.1)}},
			"p95 stayed within 1.10× from 10 to 30 users"},
		{"one level", analyze.Growth{Pattern: analyze.GrowthFlat, Evidence: analyze.GrowthEvidence{
			Users: []int{60}, P95MS: []float64{8000}}},
			"1 load level with a p95: too few to see growth"},
		{"none", analyze.Growth{Pattern: analyze.GrowthFlat}, "no load level has a p95: growth is not judged"},
		{"flat, with failures", analyze.Growth{Pattern: analyze.GrowthFlatWithFailures, Evidence: analyze.GrowthEvidence{
			Users: []int{10, 20}, P95MS: []float64{100, 101}, P95Ratio: f(1.01), MaxFailRate: f(0.2)}},
			"p95 stayed within 1.01× from 10 to 20 users, but the failure rate rose to 20.00%"},
	}
	for _, tt := range tests {
		if got := GrowthWords(tt.g, analyze.LevelUsers); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestPlural(t *testing.T) {
	for _, tt := range []struct {
		n    int
		want string
	}{{0, "0 steps"}, {1, "1 step"}, {2, "2 steps"}} {
		if got := Plural(tt.n, "step", "steps"); got != tt.want {
			t.Errorf("Plural(%d) = %q", tt.n, got)
		}
	}
	if s := Settings(analyze.Settings{WarmupS: 3, WarmupAuto: true, WindowS: 5, BaselineUsers: 10, LatencyThreshold: 2}); !strings.Contains(s, "warmup 3s (auto") {
		t.Errorf("settings %q do not say the warmup is auto", s)
	}
}
