package htmlreport

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/llmrec/llmrec/analyze"
)

// TestOpenLoopFromScheduleSeries: on the open loop's p95-against-rate
// chart, when arrivals waited for a slot (analyze gives each step the p95
// of latency from schedule), a dashed "p95 from schedule" series is drawn
// beside latency's p95, and the caption says what it is; without waits
// it is not. The limit and the saturation pin stay on latency's p95.
func TestOpenLoopFromScheduleSeries(t *testing.T) {
	for _, tt := range []struct {
		name  string
		waits bool
	}{{"arrivals waited", true}, {"no waits", false}} {
		t.Run(tt.name, func(t *testing.T) {
			a := openLoopAnalysis()
			if !tt.waits {
				for i := range a.Steps {
					a.Steps[i].FromScheduleP95MS = nil
				}
			}
			specs, err := buildCharts(a)
			if err != nil {
				t.Fatal(err)
			}
			spec := specs[0]
			if !strings.Contains(spec.Title, "against the offered rate") {
				t.Fatalf("first chart %q; want the p95 against the offered rate", spec.Title)
			}
			c := decodeChart(t, spec)
			names := map[string]int{}
			for i, s := range c.Series {
				names[s.Name] = i
			}
			i, drawn := names["p95 from schedule"]
			if drawn != tt.waits {
				t.Fatalf("p95 from schedule drawn %v, want %v (series %v)", drawn, tt.waits, names)
			}
			if got := strings.Contains(spec.Caption, "latency_from_schedule's p95"); got != tt.waits {
				t.Errorf("caption says the series: %v, want %v: %s", got, tt.waits, spec.Caption)
			}
			p95 := c.Series[names["p95"]]
			if p95.MarkLine == nil || p95.MarkPoint == nil {
				t.Errorf("latency's p95 lost its limit or saturation pin")
			}
			if drawn && c.Series[i].MarkPoint != nil {
				t.Errorf("the pin is on the from-schedule series too")
			}
			if drawn {
				checkFromScheduleValues(t, a, spec)
			}
		})
	}
}

// checkFromScheduleValues: the series' points are the steps' values at
// their offered rates.
func checkFromScheduleValues(t *testing.T, a *analyze.Analysis, spec chartSpec) {
	t.Helper()
	var o struct {
		Series []struct {
			Name string `json:"name"`
			Data []struct {
				Value []any `json:"value"`
			} `json:"data"`
		} `json:"series"`
	}
	if err := json.Unmarshal(spec.Options, &o); err != nil {
		t.Fatal(err)
	}
	for _, s := range o.Series {
		if s.Name != "p95 from schedule" {
			continue
		}
		j := 0
		for _, st := range a.Steps {
			if st.OfferedRPS == nil {
				continue
			}
			if j >= len(s.Data) {
				t.Fatalf("%d points for more steps", len(s.Data))
			}
			v := s.Data[j].Value
			if len(v) != 2 || v[0] != round(*st.OfferedRPS) || v[1] != round(*st.FromScheduleP95MS) {
				t.Errorf("step %d: point %v; want (%g, %g)", st.Step, v, *st.OfferedRPS, *st.FromScheduleP95MS)
			}
			j++
		}
	}
}
