package htmlreport

import (
	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/report/view"
)

// Charts of an open loop (docs/METHOD.md, "Open-loop arrivals"): its
// levels are offered rates, so latency is drawn against the offered rate,
// and the rates it sent and completed beside the rate it offered.

// openLoopCharts are the open loop's charts, first on the page; none for
// a closed run.
func openLoopCharts(a *analyze.Analysis, metric string) []chartBuilder {
	if !view.OpenLoop(a) {
		return nil
	}
	return []chartBuilder{
		{metric + " p95 and p99 against the offered rate", "One point per step, at its offered rate. p95 and p99 of the chosen metric (" + a.Settings.Metric +
			"; latency_from_schedule counts the wait for a slot as well); failure rate on the right axis." + fromScheduleCaption(a), rateLatencyChart},
		{"Offered, achieved and completed rates", "One point per step: the rate offered, the rate sent (achieved: below the offered line, the recorder could not send the load) and the successes completed per second. Arrivals sent over 10 ms late, on the right axis.", ratesChart},
	}
}

// chartBuilder is a chart's heading, caption and builder.
type chartBuilder struct {
	title, caption string
	build          func(*analyze.Analysis) *charts.RectChart
}

// rateAxis is the x axis of the per-step open-loop charts.
func rateAxis() charts.GlobalOpts {
	return charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: "offered req/s", NameLocation: "middle", NameGap: 24, Min: 0,
		SplitLine: &opts.SplitLine{Show: opts.Bool(false)}})
}

func symbols(col string, extra ...charts.SeriesOpts) []charts.SeriesOpts {
	return append([]charts.SeriesOpts{
		charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(true)}),
		charts.WithSeriesOpts(func(s *charts.SingleSeries) { s.Color = col }),
		charts.WithLineStyleOpts(opts.LineStyle{Color: col, Width: 2}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: col}),
	}, extra...)
}

func onRight() charts.SeriesOpts {
	return charts.WithSeriesOpts(func(ss *charts.SingleSeries) { ss.YAxisIndex = 1 })
}

// openSteps are the indexes of the steps drawn (thinned, marked kept) that
// have an offered rate.
func openSteps(a *analyze.Analysis) []int {
	var out []int
	for _, i := range view.Thin(len(a.Steps), view.MaxStepRows, markedSteps(a)...) {
		if a.Steps[i].OfferedRPS != nil {
			out = append(out, i)
		}
	}
	return out
}

func rateLatencyChart(a *analyze.Analysis) *charts.RectChart {
	ms, scaleNote := latencyAxis(a)
	c := newRect(rateAxis(), charts.WithYAxisOpts(ms), charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}))
	c.ExtendYAxis(rightAxis("fail %"))
	var p95, p99, fail, fromSched []opts.LineData
	idx := openSteps(a)
	for _, i := range idx {
		st := a.Steps[i]
		x := *st.OfferedRPS
		p95 = append(p95, xy(x, st.P95MS))
		p99 = append(p99, xy(x, st.P99MS))
		fromSched = append(fromSched, xy(x, st.FromScheduleP95MS))
		var f *float64
		if st.FailRate != nil {
			v := *st.FailRate * 100
			f = &v
		}
		fail = append(fail, xy(x, f))
	}
	if len(idx) == 0 {
		c.SetGlobalOptions(emptyTitle())
	}
	// The limit and the saturation pin, at the saturating offered rate,
	// said above the plot as on the closed loop's chart.
	limitNote, limitOpts := limitMarker(a)
	satNote, satOpts := saturationMarker(a)
	if len(idx) > 0 {
		chartNotes(c, satNote, limitNote, scaleNote)
	}
	c.MultiSeries = append(c.MultiSeries,
		series(c, "p95", p95, symbols(colP95, append(limitOpts, satOpts...)...)...),
		series(c, "p99", p99, symbols(colP99)...),
		series(c, "failure rate %", fail, symbols(colFail, charts.WithLineStyleOpts(opts.LineStyle{Color: colFail, Width: 1.5, Type: dashed}), onRight())...),
	)
	if waitedForSlot(a) {
		c.MultiSeries = append(c.MultiSeries, series(c, "p95 from schedule", fromSched,
			symbols(colP95, charts.WithLineStyleOpts(opts.LineStyle{Color: colP95, Width: 1.5, Type: dashed}))...))
	}
	return c
}

// waitedForSlot says whether the analysis has, for a step, the p95 of
// latency from schedule beside latency: an open loop judged by latency
// whose arrivals waited for a slot (analyze computes it then).
func waitedForSlot(a *analyze.Analysis) bool {
	for _, st := range a.Steps {
		if st.FromScheduleP95MS != nil {
			return true
		}
	}
	return false
}

// fromScheduleCaption is the caption's word on the p95-from-schedule
// series, when it is drawn.
func fromScheduleCaption(a *analyze.Analysis) string {
	if !waitedForSlot(a) {
		return ""
	}
	return " Arrivals waited for a slot: the dashed p95 from schedule is latency_from_schedule's p95 (scheduled time to last byte, the wait included, what the users waited) beside latency's."
}

func ratesChart(a *analyze.Analysis) *charts.RectChart {
	c := newRect(rateAxis(), charts.WithYAxisOpts(yAxis("req/s")), charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}))
	c.ExtendYAxis(rightAxis("waited"))
	var offered, achieved, completed, waited []opts.LineData
	idx := openSteps(a)
	for _, i := range idx {
		st := a.Steps[i]
		x := *st.OfferedRPS
		offered = append(offered, xy(x, st.OfferedRPS))
		achieved = append(achieved, xy(x, st.AchievedRPS))
		completed = append(completed, xy(x, st.CompletedRPS))
		var w *float64
		if st.Waited != nil {
			v := float64(*st.Waited)
			w = &v
		}
		waited = append(waited, xy(x, w))
	}
	if len(idx) == 0 {
		c.SetGlobalOptions(emptyTitle())
	}
	c.MultiSeries = append(c.MultiSeries,
		series(c, "offered", offered, symbols(colUsers, charts.WithLineStyleOpts(opts.LineStyle{Color: colUsers, Width: 1.5, Type: dashed}))...),
		series(c, "achieved (sent)", achieved, symbols(colRPS)...),
		series(c, "completed", completed, symbols(colDone)...),
		series(c, "waited", waited, symbols(colLimit, onRight())...),
	)
	return c
}
