package htmlreport

import (
	"math"
	"strconv"
	"testing"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/schemas"
)

// maxPageBytes is the size bound of the issue: a 10M-row run gives a page
// under 3 MB.
const maxPageBytes = 3 << 20

// hugeAnalysis is the analysis of a long, large run as the analyzer shapes
// it: a 10-hour run of 10M rows whose series the analyzer caps at
// analyze.MaxSeriesPoints buckets of 10 s, 200 steps, every error class
// failing all along, and many warnings. The page size depends on these
// shapes, not on the row count, which the analyzer has already reduced.
func hugeAnalysis() *analyze.Analysis {
	a := demoAnalysis()
	const (
		points = analyze.MaxSeriesPoints
		bucket = 10.0
		steps  = 200
	)
	dur := points * bucket
	a.Run.DurationS, a.Run.Rows = dur, 10_000_000
	a.Run.Shape.StepTimeS, a.Run.Shape.MaxUsers = dur/steps, steps*10
	a.Steps = nil
	var gUsers, gSteps []int
	var gP95 []float64
	var gFail []*float64
	for i := 1; i <= steps; i++ {
		u := 10 * i
		lat := 800 + 3.7*float64(u) + 50*math.Sin(float64(i))
		st := analyze.Step{Step: i, Users: u, Requests: 50_000, OK: 49_000, Failures: 1_000, FailRate: ptr(0.02), RPS: ptr(277.7),
			StartS: float64(i-1) * dur / steps, EndS: float64(i) * dur / steps, DurationS: dur / steps,
			Latency: analyze.Latency{Samples: 49_000, P50MS: ptr(lat), P90MS: ptr(lat * 1.2), P95MS: ptr(lat * 1.31), P99MS: ptr(lat * 1.77), MaxMS: ptr(lat * 3.1)},
			Errors:  map[string]int64{},
			LLM:     &analyze.StepLLM{TTFTP95MS: ptr(lat / 7), TokensPerSP50: ptr(123.4)}}
		for _, c := range schemas.ErrorClasses {
			st.Errors[c] = 83
		}
		a.Steps = append(a.Steps, st)
		gUsers, gSteps, gP95, gFail = append(gUsers, u), append(gSteps, i), append(gP95, lat*1.31), append(gFail, st.FailRate)
	}
	a.Growth.Evidence.Users, a.Growth.Evidence.Steps, a.Growth.Evidence.P95MS, a.Growth.Evidence.FailRate = gUsers, gSteps, gP95, gFail
	a.Series = makeSeries(points, 30, 10, true, func(t float64) (int, float64, map[string]int64) {
		f := map[string]int64{}
		for i, c := range schemas.ErrorClasses {
			f[c] = int64((int(t) + i) % 7)
		}
		return min(2000, 10*(int(t)/18+1)), 800 + 3.7*t/18 + 100*math.Sin(t/7), f
	})
	a.Series.BucketS = bucket
	for i := range a.Series.T {
		a.Series.T[i] = float64(i+1) * bucket
	}
	a.Errors = nil
	for _, c := range schemas.ErrorClasses {
		a.Errors = append(a.Errors, analyze.ErrorCount{Class: c, Count: 16_600, Share: 1 / 12.0, Example: string(make([]byte, schemas.MaxErrorLen))})
	}
	for i := range 500 {
		a.Warnings = append(a.Warnings, analyze.Warning{Text: "step " + strconv.Itoa(i) + " has a warning of a typical length, about eighty characters long"})
	}
	return a
}

func TestSizeBounded(t *testing.T) {
	n := len(render(t, hugeAnalysis()))
	t.Logf("page of a 10M-row, 10-hour, 200-step analysis: %d bytes (%.2f MB)", n, float64(n)/(1<<20))
	if n > maxPageBytes {
		t.Errorf("page is %d bytes, over the %d bound", n, maxPageBytes)
	}
	d := len(render(t, demoAnalysis()))
	t.Logf("page of the demo fixture: %d bytes", d)
}

// BenchmarkRender renders the large analysis and records the page size.
func BenchmarkRender(b *testing.B) {
	a := hugeAnalysis()
	var n int
	for b.Loop() {
		n = len(render(b, a))
	}
	b.ReportMetric(float64(n), "page-bytes")
}
