package htmlreport

import (
	"encoding/json"
	"testing"
)

// TestCompareSaturationPins: on the p95 overlay of a comparison, each run
// that saturated carries a pin in its own colour at its saturating level
// and that step's p95; a run that did not has none. Each run with a
// capacity has a dotted vertical line in its colour at that level, on a
// series of no points named as the run (one legend item hides both).
func TestCompareSaturationPins(t *testing.T) {
	pinned, lines := 0, 0
	for name, fix := range compareFixtures() {
		t.Run(name, func(t *testing.T) {
			c := fix(t)
			specs, err := compareCharts(c)
			if err != nil {
				t.Fatal(err)
			}
			var o struct {
				Series []struct {
					Name     string `json:"name"`
					Data     []any  `json:"data"`
					MarkLine struct {
						Data []struct {
							XAxis *float64 `json:"xAxis"`
						} `json:"data"`
						LineStyle struct {
							Color string `json:"color"`
							Type  string `json:"type"`
						} `json:"lineStyle"`
					} `json:"markLine"`
					MarkPoint struct {
						Data []struct {
							Name      string    `json:"name"`
							Coord     []float64 `json:"coord"`
							ItemStyle struct {
								Color string `json:"color"`
							} `json:"itemStyle"`
						} `json:"data"`
					} `json:"markPoint"`
				} `json:"series"`
			}
			if err := json.Unmarshal(specs[0].Options, &o); err != nil {
				t.Fatal(err)
			}
			if len(o.Series) < len(c.Runs) {
				t.Fatalf("%d series for %d runs", len(o.Series), len(c.Runs))
			}
			capLines := o.Series[len(c.Runs):]
			for i, r := range c.Runs {
				a := r.Analysis
				if a == nil || a.Capacity.Level == nil {
					continue
				}
				if len(capLines) == 0 {
					t.Errorf("run %d (capacity %g) has no capacity line", i, *a.Capacity.Level)
					continue
				}
				l := capLines[0]
				capLines = capLines[1:]
				if l.Name != r.Name || len(l.Data) != 0 || len(l.MarkLine.Data) != 1 || l.MarkLine.Data[0].XAxis == nil ||
					*l.MarkLine.Data[0].XAxis != round(*a.Capacity.Level) || l.MarkLine.LineStyle.Color != runColor(i) || l.MarkLine.LineStyle.Type != "dotted" {
					t.Errorf("run %d: capacity line %+v; want a dotted line at %g in %s on a series named %q", i, l, *a.Capacity.Level, runColor(i), r.Name)
				}
				lines++
			}
			if len(capLines) != 0 {
				t.Errorf("%d series more than the runs and their capacity lines", len(capLines))
			}
			for i, r := range c.Runs {
				pins := o.Series[i].MarkPoint.Data
				a := r.Analysis
				if a == nil || !a.Saturation.Reached {
					if len(pins) != 0 {
						t.Errorf("run %d did not saturate but has pins %+v", i, pins)
					}
					continue
				}
				var want []float64
				for _, st := range a.Steps {
					if st.Step == *a.Saturation.Step && st.P95MS != nil {
						want = []float64{float64(st.Users), round(*st.P95MS)}
						if st.OfferedRPS != nil {
							want[0] = *st.OfferedRPS
						}
					}
				}
				if want == nil { // the saturating step has no p95 (every request failed)
					if len(pins) != 0 {
						t.Errorf("run %d saturated at a step without a p95 but has pins %+v", i, pins)
					}
					continue
				}
				if len(pins) != 1 || pins[0].Name != "saturation" || pins[0].ItemStyle.Color != runColor(i) || len(pins[0].Coord) != 2 || pins[0].Coord[0] != want[0] || pins[0].Coord[1] != want[1] {
					t.Errorf("run %d (saturated at step %d): pins %+v; want one at %v in %s", i, *a.Saturation.Step, pins, want, runColor(i))
				}
				pinned++
			}
		})
	}
	if pinned == 0 {
		t.Error("no fixture run saturated: the test checked no pin")
	}
	if lines == 0 {
		t.Error("no fixture run has a capacity: the test checked no capacity line")
	}
}
