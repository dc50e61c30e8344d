package htmlreport

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestHistogramOnANumericAxis: the distribution is drawn over a numeric
// log axis of ms from a power of ten to a power of ten (its ticks are
// powers of ten: none collide, the last is not a bucket range cut at the
// edge), every bucket a step, and the run's p50, p95 and p99 marked where
// they are.
func TestHistogramOnANumericAxis(t *testing.T) {
	a := demoAnalysis()
	specs, err := buildCharts(a)
	if err != nil {
		t.Fatal(err)
	}
	var spec *chartSpec
	for i := range specs {
		if strings.HasSuffix(specs[i].Title, "distribution") {
			spec = &specs[i]
		}
	}
	if spec == nil {
		t.Fatal("no distribution chart")
	}
	var o struct {
		XAxis []struct {
			Type string  `json:"type"`
			Min  float64 `json:"min"`
			Max  float64 `json:"max"`
		} `json:"xAxis"`
		Series []struct {
			Data     []struct{ Value []any } `json:"data"`
			Step     string                  `json:"step"`
			MarkLine struct {
				Data []struct {
					Name  string  `json:"name"`
					XAxis float64 `json:"xAxis"`
				} `json:"data"`
			} `json:"markLine"`
		} `json:"series"`
	}
	if err := json.Unmarshal(spec.Options, &o); err != nil {
		t.Fatal(err)
	}
	if len(o.XAxis) != 1 || o.XAxis[0].Type != "log" || !powerOfTen(o.XAxis[0].Min) || !powerOfTen(o.XAxis[0].Max) {
		t.Fatalf("x axis %+v; want a log axis between powers of ten", o.XAxis)
	}
	s := o.Series[0]
	if s.Step != "end" || len(s.Data) != len(a.Histogram.Counts)+1 {
		t.Errorf("%d points drawn as %q steps for %d buckets; want one a bucket and its last edge", len(s.Data), s.Step, len(a.Histogram.Counts))
	}
	marks := map[string]float64{}
	for _, d := range s.MarkLine.Data {
		marks[d.Name] = d.XAxis
	}
	lat := a.Overall.Latency
	if marks["p50"] != round(*lat.P50MS) || marks["p95"] != round(*lat.P95MS) || marks["p99"] != round(*lat.P99MS) {
		t.Errorf("marks %v; want p50 %g, p95 %g, p99 %g", marks, *lat.P50MS, *lat.P95MS, *lat.P99MS)
	}
}

func powerOfTen(v float64) bool {
	for p := 1e-3; p <= 1e9; p *= 10 {
		if v > p*0.999999 && v < p*1.000001 {
			return true
		}
	}
	return false
}

// TestHistogramStepModes: when the distribution is bimodal by step (the
// slowest step's median over 2x the fastest's, among steps of 30
// successes or more), each step's p50 to p95 is drawn as a segment at its
// step number on a right axis, and the caption says so; when the steps'
// medians are close, the histogram stands alone.
func TestHistogramStepModes(t *testing.T) {
	for _, tt := range []struct {
		name  string
		modes bool
	}{{"knee: steps apart", true}, {"steps alike", false}} {
		t.Run(tt.name, func(t *testing.T) {
			a := demoAnalysis()
			if !tt.modes {
				for i := range a.Steps {
					p50, p95 := 100.0+float64(i), 150.0+float64(i)
					a.Steps[i].P50MS, a.Steps[i].P95MS = &p50, &p95
				}
			}
			specs, err := buildCharts(a)
			if err != nil {
				t.Fatal(err)
			}
			var spec chartSpec
			for _, s := range specs {
				if strings.HasSuffix(s.Title, "distribution") {
					spec = s
				}
			}
			var o struct {
				YAxis []struct {
					Name    string `json:"name"`
					Inverse bool   `json:"inverse"`
				} `json:"yAxis"`
				Series []struct {
					Name       string                  `json:"name"`
					YAxisIndex int                     `json:"yAxisIndex"`
					Data       []struct{ Value []any } `json:"data"`
				} `json:"series"`
			}
			if err := json.Unmarshal(spec.Options, &o); err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(spec.Caption, "p50 to p95 is drawn against the step number"); got != tt.modes {
				t.Errorf("caption says the breakdown: %v, want %v: %s", got, tt.modes, spec.Caption)
			}
			if !tt.modes {
				if len(o.Series) != 1 || len(o.YAxis) != 1 {
					t.Errorf("%d series, %d y axes for steps alike; want the histogram alone", len(o.Series), len(o.YAxis))
				}
				return
			}
			if len(o.Series) != 2 || len(o.YAxis) != 2 || o.YAxis[1].Name != "step" || !o.YAxis[1].Inverse {
				t.Fatalf("series %d, y axes %+v; want the histogram and the steps on an inverted step axis", len(o.Series), o.YAxis)
			}
			s := o.Series[1]
			if s.YAxisIndex != 1 {
				t.Errorf("the steps' series is on axis %d", s.YAxisIndex)
			}
			want := stepModes(a)
			if len(s.Data) != 3*len(want) {
				t.Fatalf("%d points for %d steps; want three a step (p50, p95, a gap)", len(s.Data), len(want))
			}
			for i, st := range want {
				p50, p95, gap := s.Data[3*i].Value, s.Data[3*i+1].Value, s.Data[3*i+2].Value
				k := float64(st.Step)
				if p50[0] != round(*st.P50MS) || p50[1] != k || p95[0] != round(*st.P95MS) || p95[1] != k || gap[1] != "-" {
					t.Errorf("step %d: %v %v %v; want (%g, %g) (%g, %g) then a gap", st.Step, p50, p95, gap, *st.P50MS, k, *st.P95MS, k)
				}
			}
		})
	}
}
