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
			Data     []struct{ Value []float64 } `json:"data"`
			Step     string                      `json:"step"`
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
