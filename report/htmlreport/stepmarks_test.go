package htmlreport

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// TestTimeChartsMarkSteps: the users and percentile charts over time mark
// each step's start (faint, unlabelled) and the start of the saturating
// step (labelled), so that a jump over time reads against the schedule.
func TestTimeChartsMarkSteps(t *testing.T) {
	a := demoAnalysis() // 10 steps of 30 s, saturated at step 6
	if a.Saturation.Step == nil || *a.Saturation.Step != 6 {
		t.Fatalf("the fixture saturates at %v, want step 6", a.Saturation.Step)
	}
	specs, err := buildCharts(a)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, sp := range specs {
		switch sp.Title {
		case "Users and requests per second", "Latency over time, windowed", "Latency over time, cumulative":
		default:
			continue
		}
		checked++
		var o struct {
			Series []struct {
				MarkLine struct {
					Data []struct {
						Name  string  `json:"name"`
						XAxis float64 `json:"xAxis"`
					} `json:"data"`
				} `json:"markLine"`
			} `json:"series"`
		}
		if err := json.Unmarshal(sp.Options, &o); err != nil {
			t.Fatal(err)
		}
		bounds, sat := map[float64]bool{}, 0.0
		for _, s := range o.Series {
			for _, d := range s.MarkLine.Data {
				if d.Name == "saturated (step 6)" {
					sat = d.XAxis
				} else {
					bounds[d.XAxis] = true
				}
			}
		}
		if len(bounds) != 9 || !bounds[30] || !bounds[270] || sat != 150 {
			t.Errorf("%s: step marks at %v, saturation at %g; want every 30 s from 30 to 270 and the saturation at 150 s", sp.Title, bounds, sat)
		}
	}
	if checked != 3 {
		t.Errorf("%d time charts checked, want 3", checked)
	}
}

// TestStepMarksOfTheirOwnLengths: with steps of their own lengths (a
// search whose probes stopped once decided), each mark is where its step
// started by the run's step ends, not a multiple of the step time.
func TestStepMarksOfTheirOwnLengths(t *testing.T) {
	a := demoAnalysis() // 10 steps, saturated at step 6
	a.Run.Shape.StepEndsS = []float64{20, 45, 75, 90, 130, 150, 190, 220, 260, 300}
	want := []float64{20, 45, 75, 90, 130, 150, 190, 220, 260}
	var got []float64
	for _, o := range stepBoundaries(a) {
		s := &charts.SingleSeries{}
		o(s)
		if s.MarkLines != nil {
			for _, d := range s.MarkLines.Data {
				if x, ok := d.(opts.MarkLineNameXAxisItem); ok {
					got = append(got, x.XAxis.(float64))
				}
			}
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("step marks at %v, want %v", got, want)
	}
	var sat []float64
	for _, o := range saturationTime(a) {
		s := &charts.SingleSeries{}
		o(s)
		if s.MarkLines != nil {
			for _, d := range s.MarkLines.Data {
				if x, ok := d.(opts.MarkLineNameXAxisItem); ok {
					sat = append(sat, x.XAxis.(float64))
				}
			}
		}
	}
	if len(sat) != 1 || sat[0] != 130 {
		t.Errorf("saturation marked at %v, want 130 (where step 6 started)", sat)
	}
}
