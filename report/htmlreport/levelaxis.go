package htmlreport

import (
	"math"

	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/report/view"
)

// logSpan is the spread of latencies, largest over smallest, beyond which
// a chart of latency against the level draws a logarithmic axis: on a
// linear axis up to the slowest step, the steps before saturation (where
// the answer is) would sit on its floor.
const logSpan = 10

// latencyAxis is the left axis of a chart of p95 and p99 against the
// level: linear, or logarithmic when the steps' p95 and p99 and the
// saturation limit span more than logSpan times, with a note above the
// plot that says so (none for a linear axis).
func latencyAxis(a *analyze.Analysis) (opts.YAxis, string) {
	lo, hi := math.Inf(1), 0.0
	see := func(v *float64) {
		if v != nil && *v > 0 && !math.IsInf(*v, 0) {
			lo, hi = math.Min(lo, *v), math.Max(hi, *v)
		}
	}
	for i := range a.Steps {
		see(a.Steps[i].P95MS)
		see(a.Steps[i].P99MS)
	}
	if b := a.Baseline; b != nil && b.P95MS != nil && a.Settings.LatencyThreshold > 0 {
		limit := *b.P95MS * a.Settings.LatencyThreshold
		see(&limit)
	}
	if hi == 0 || hi/lo <= logSpan {
		return yAxis("ms"), ""
	}
	ax := yAxis("ms (log scale)")
	ax.Type = "log"
	return ax, "log scale: the steps span " + view.Duration(&lo) + " to " + view.Duration(&hi)
}
