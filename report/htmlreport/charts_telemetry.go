package htmlreport

import (
	"strconv"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/llmrec/llmrec/analyze"
)

// Colours of the server's signals.
const (
	colRunning = "#0f766e"
	colWaiting = "#dc2626"
	colKV      = "#7c3aed"
	colPreempt = "#ea580c"
	colStep    = "#9ca3af"
)

// telemetryCharts are the charts of the server's own metrics, none when
// the run has no telemetry.
func telemetryCharts(a *analyze.Analysis) []chartBuilder {
	if a.Telemetry == nil {
		return nil
	}
	return []chartBuilder{
		{"Server: running and waiting requests, with p95", "The server's own gauges at each scrape: requests running and waiting (left axis), and the windowed p95 of the run's successes (right axis, ms). Dotted vertical lines are the step boundaries.", serverQueueChart},
		{"Server: KV cache and preemptions", "The server's KV-cache usage in percent (left axis) and its preemptions per second between scrapes (right axis). Dotted vertical lines are the step boundaries.", serverCacheChart},
	}
}

// stepLines marks each step's start with a dotted vertical line.
func stepLines(a *analyze.Analysis) []charts.SeriesOpts {
	var items []opts.MarkLineNameXAxisItem
	for _, st := range a.Steps {
		items = append(items, opts.MarkLineNameXAxisItem{Name: "step " + strconv.Itoa(st.Step), XAxis: round(st.StartS)})
	}
	if len(items) == 0 {
		return nil
	}
	return []charts.SeriesOpts{
		charts.WithMarkLineNameXAxisItemOpts(items...),
		charts.WithMarkLineStyleOpts(opts.MarkLineStyle{
			Symbol:    []string{"none", "none"},
			Label:     &opts.Label{Show: opts.Bool(false)},
			LineStyle: &opts.LineStyle{Color: colStep, Type: "dotted", Width: 1},
		}),
	}
}

// telemetryPoints thins a signal's points to the chart's bound, keeping
// each group's largest value.
func telemetryPoints(t []float64, v []*float64) []opts.LineData {
	if len(v) == 0 {
		return nil
	}
	return points(t, groups(len(t)), func(lo, hi int) *float64 { return maxPtr(at(v, lo, hi)) })
}

func serverQueueChart(a *analyze.Analysis) *charts.RectChart {
	p := &a.Telemetry.Points
	c := newRect(timeAxis(a), charts.WithYAxisOpts(yAxis("requests")))
	c.ExtendYAxis(rightAxis("ms"))
	if len(p.T) == 0 || (len(p.Running) == 0 && len(p.Waiting) == 0) {
		c.SetGlobalOptions(emptyTitle())
	}
	step := charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false), Step: "end"})
	c.MultiSeries = append(c.MultiSeries,
		series(c, "running", telemetryPoints(p.T, p.Running), append(line(colRunning, step), stepLines(a)...)...),
		series(c, "waiting", telemetryPoints(p.T, p.Waiting), line(colWaiting, step)...),
	)
	s := &a.Series
	g := groups(len(s.T))
	c.MultiSeries = append(c.MultiSeries, series(c, "p95 (windowed)",
		points(s.T, g, func(lo, hi int) *float64 { return maxPtr(at(s.WindowP95, lo, hi)) }), append(line(colP95), onRight())...))
	return c
}

func serverCacheChart(a *analyze.Analysis) *charts.RectChart {
	p := &a.Telemetry.Points
	left := yAxis("KV cache %")
	left.Min, left.Max = 0, 100
	c := newRect(timeAxis(a), charts.WithYAxisOpts(left))
	c.ExtendYAxis(rightAxis("preemptions/s"))
	if len(p.T) == 0 || (len(p.KVCache) == 0 && len(p.Preemptions) == 0) {
		c.SetGlobalOptions(emptyTitle())
	}
	kv := make([]*float64, len(p.KVCache))
	for i, x := range p.KVCache {
		if x != nil {
			v := *x * 100
			kv[i] = &v
		}
	}
	c.MultiSeries = append(c.MultiSeries,
		series(c, "KV cache %", telemetryPoints(p.T, kv), append(line(colKV), stepLines(a)...)...),
		series(c, "preemptions/s", telemetryPoints(p.T, p.Preemptions), append(line(colPreempt), onRight())...),
	)
	return c
}
