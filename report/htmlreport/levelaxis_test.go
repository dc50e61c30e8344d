package htmlreport

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/llmrec/llmrec/analyze"
)

// TestLatencyAxisFollowsTheSpread: the chart of p95 and p99 against the
// level draws a logarithmic axis, and says so above the plot, when the
// steps span more than logSpan times (the demo run: 0.8 s before
// saturation, 29 s at its last step, where a linear axis put the answer
// on its floor); a run whose latencies stay within it keeps a linear axis
// and no note.
func TestLatencyAxisFollowsTheSpread(t *testing.T) {
	flat := demoAnalysis()
	for i := range flat.Steps {
		p95, p99 := 800+10*float64(i), 900+10*float64(i)
		flat.Steps[i].P95MS, flat.Steps[i].P99MS = &p95, &p99
	}
	tests := []struct {
		name     string
		a        *analyze.Analysis
		wantType string
		wantNote bool
	}{
		{"knee to 29 s", demoAnalysis(), "log", true},
		{"within 10×", flat, "value", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			specs, err := buildCharts(tc.a)
			if err != nil {
				t.Fatal(err)
			}
			var o struct {
				Title struct {
					Subtext string `json:"subtext"`
				} `json:"title"`
				YAxis []struct {
					Type string `json:"type"`
					Name string `json:"name"`
				} `json:"yAxis"`
			}
			if err := json.Unmarshal(specs[0].Options, &o); err != nil {
				t.Fatal(err)
			}
			note := strings.Contains(o.Title.Subtext, "log scale")
			if len(o.YAxis) == 0 || o.YAxis[0].Type != tc.wantType || note != tc.wantNote || (tc.wantType == "log") != strings.Contains(o.YAxis[0].Name, "log") {
				t.Errorf("%s: y axis %+v, note %v (%+v); want type %s, note %v", specs[0].Title, o.YAxis, note, o.Title, tc.wantType, tc.wantNote)
			}
		})
	}
}
