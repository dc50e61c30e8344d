package htmlreport

import (
	"math"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/report/view"
)

// uslCurvePoints is how many points draw the fitted throughput curve.
const uslCurvePoints = 60

// uslTitle is the title of the throughput chart of a closed loop.
const uslTitle = "Throughput against users, with the scalability model"

// uslBuilder is the throughput chart of a closed loop whose steps the
// Universal Scalability Law describes (analyze.Scalability fitted): each
// step's completed req/s against its users, and the fitted X(N) over
// them, its figures in the caption. A closed loop whose fit was refused
// (too few levels, a poor R²) or an open loop gets no chart: no fitted
// line is drawn where the scaling answer says there is no prediction.
func uslBuilder(a *analyze.Analysis) (title, caption string, build func(*analyze.Analysis) *charts.RectChart, ok bool) {
	sc := a.Scalability
	if _, fitted := sc.X(1); !fitted {
		return "", "", nil, false
	}
	caption = "One point per step: requests completed per second against users. The line is the Universal Scalability Law fitted to them, " +
		"X(N) = λN / (1 + σ(N−1) + κN(N−1)): λ " + view.Num3(*sc.Lambda) + " req/s per user, contention σ " + view.Num3(*sc.Sigma) +
		", coherency κ " + view.Num3(*sc.Kappa) + ", R² " + view.Num3(*sc.R2) + "."
	if sc.PeakUsers != nil && sc.PeakRPS != nil {
		caption += " Predicted peak: " + view.Num3(*sc.PeakRPS) + " req/s at " + view.Num3(*sc.PeakUsers) + " users (the dashed line)."
	} else {
		caption += " No coherency cost within the steps: no peak is predicted."
	}
	return uslTitle, caption, uslChart, true
}

// uslChart draws the steps' completed req/s against users and the fitted
// USL curve from 1 user to past the last step (and past the predicted
// peak, when one lies a little beyond the steps).
func uslChart(a *analyze.Analysis) *charts.RectChart {
	sc := a.Scalability
	c := newRect(
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: "users", NameLocation: "middle", NameGap: 24, Min: 0, SplitLine: &opts.SplitLine{Show: opts.Bool(false)}}),
		charts.WithYAxisOpts(yAxis("completed req/s")),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
	)
	var pts []opts.LineData
	top := 1.0
	for _, s := range a.Steps {
		if s.CompletedRPS == nil || s.Level < 1 || s.Requests == 0 {
			continue
		}
		pts = append(pts, xy(s.Level, s.CompletedRPS))
		top = math.Max(top, s.Level)
	}
	if sc.PeakUsers != nil && *sc.PeakUsers > top && *sc.PeakUsers < 2*top {
		top = *sc.PeakUsers * 1.1
	}
	curve := make([]opts.LineData, 0, uslCurvePoints+1)
	for i := 0; i <= uslCurvePoints; i++ {
		n := 1 + (top-1)*float64(i)/uslCurvePoints
		x, _ := sc.X(n)
		curve = append(curve, xy(n, &x))
	}
	points := append(symbolLine(colRPS), charts.WithLineStyleOpts(opts.LineStyle{Color: colRPS, Opacity: opts.Float(0)}))
	fit := line(colLimit)
	if sc.PeakRPS != nil {
		fit = append(fit, horizontalLine("predicted peak", *sc.PeakRPS, colLimit, "predicted peak "+view.Num3(*sc.PeakRPS)+" req/s")...)
	}
	c.MultiSeries = append(c.MultiSeries,
		series(c, "completed req/s", byLevel(pts), points...),
		series(c, "USL fit", curve, fit...),
	)
	return c
}
