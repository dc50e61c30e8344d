package view

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/compare"
)

// figures are the figures ds define, in order.
func figures(ds []analyze.Definition) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Figure)
	}
	return out
}

// definition is what ds say of figure f ("" when they do not define it).
func definition(ds []analyze.Definition, f string) string {
	for _, d := range ds {
		if d.Figure == f {
			return d.Definition
		}
	}
	return ""
}

// TestAnalysisDefinitions: a run's definitions name its settings, add the
// open-loop rates to an open loop with a step time only, and a document
// read with definitions of its own keeps them; WithWords fills the JSON's.
func TestAnalysisDefinitions(t *testing.T) {
	s := analyze.Settings{WarmupS: 30, WindowS: 10, MinWindowSamples: 5, Metric: analyze.MetricTTFT, SLOTarget: 0.99, StallMS: 250}
	closed := &analyze.Analysis{Settings: s}
	defs := AnalysisDefinitions(closed)
	want := []string{"warmup", "percentiles", "latency", "rps", "failure rate", "windowed", "cumulative", "level", "per step", "baseline",
		"saturation", "growth", "health", "good", "goodput", "capacity", "peak", "little's law", "llm", "stalls"}
	if got := figures(defs); !slices.Equal(got, want) {
		t.Errorf("closed loop: figures %q\nwant %q", got, want)
	}
	for f, w := range map[string]string{
		"warmup":      "requests sent in the first 30s of the run are excluded from every figure but the time series",
		"percentiles": "exact quantile_cont (linear interpolation) of TTFT (send to first content token) over raw rows, never bucketed",
		"windowed":    "percentile at second t over successes completed in (t - 10s, t]; fewer than 5 samples is a gap",
		"growth":      analyze.GrowthMethod,
	} {
		if got := definition(defs, f); got != w {
			t.Errorf("%s: %q\nwant %q", f, got, w)
		}
	}
	if !strings.Contains(definition(defs, "goodput"), "at least 99%") || !strings.Contains(definition(defs, "stalls"), "over 250 ms (--stall)") {
		t.Errorf("goodput %q, stalls %q: want the settings' 99%% and 250 ms", definition(defs, "goodput"), definition(defs, "stalls"))
	}

	open := &analyze.Analysis{Settings: s}
	open.Run.Shape.Arrival = "poisson"
	if got := figures(AnalysisDefinitions(open)); !slices.Equal(got, want) {
		t.Errorf("open loop without a step time: figures %q", got)
	}
	open.Run.Shape.StepTimeS = 60
	if got := figures(AnalysisDefinitions(open)); !slices.Equal(got, append(want, "offered_rps", "achieved_rps", "unsent")) {
		t.Errorf("open loop: figures %q; want the open-loop rates last", got)
	}

	read := &analyze.Analysis{Definitions: []analyze.Definition{{Figure: "x", Definition: "y"}}}
	if got := AnalysisDefinitions(read); !slices.Equal(got, read.Definitions) {
		t.Errorf("a document's own definitions: %v", got)
	}

	b, err := json.Marshal(WithWords(closed).Definitions)
	if err != nil {
		t.Fatal(err)
	}
	if w, _ := json.Marshal(defs); string(b) != string(w) || closed.Definitions != nil {
		t.Errorf("WithWords: definitions %s (input's %v); want %s", b, closed.Definitions, w)
	}
}

// TestComparisonDefinitions: a comparison's definitions are its runs'
// then its own, naming its alpha and min effect; WithSummaries fills the
// JSON's.
func TestComparisonDefinitions(t *testing.T) {
	c := &compare.Comparison{Settings: analyze.Settings{WarmupS: 5}, Alpha: 0.05, BootstrapResamples: 777}
	defs := ComparisonDefinitions(c)
	if got := figures(defs); len(got) < 2 || got[0] != "warmup" || !slices.Contains(got, "min effect") || !slices.Contains(got, "verdict") || slices.Contains(got, "offered_rps") {
		t.Errorf("figures %q", got)
	}
	for f, w := range map[string]string{
		"warmup":     "requests sent in the first 5s of the run are excluded from every figure but the time series",
		"min effect": "none: every significant change counts (--min-effect 0)",
		"tail test":  "p90, p95, p99 and ttft_p95: percentile bootstrap of the difference of the quantiles, 777 resamples from a fixed seed (deterministic); p is twice the smaller share of resampled differences on either side of 0. Chosen because a rank test barely sees a change confined to the tail",
		"~":          "the change is not significant at alpha = 0.05 (p >= 0.05): it could be noise. Tests are on the raw per-request values of post-warmup successes",
	} {
		if got := definition(defs, f); got != w {
			t.Errorf("%s: %q\nwant %q", f, got, w)
		}
	}
	if got := WithSummaries(c).Definitions; !slices.Equal(got, defs) || c.Definitions != nil {
		t.Errorf("WithSummaries: %d definitions (input's %v); want %d", len(got), c.Definitions, len(defs))
	}
}
