package htmlreport

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/report/assets"
	"github.com/llmrec/llmrec/report/view"
	"github.com/llmrec/llmrec/schemas"
)

// The comparison page of `llmrep compare`: the same safe machinery as the
// single-run page (Render): every value through html/template, chart
// options as JSON read by boot.js, ECharts inlined, the same CSP and no
// clock. Charts: p95 against users, windowed p95 over time and the
// latency distribution (CDF), one series per run in the run's colour;
// then the comparison tables of analyze.Comparison.

//go:embed compare.html.tmpl
var compareTemplate string

// runColor is the colour of the run at index i, the same on every chart
// and in the tables' headers.
func runColor(i int) string {
	c := [...]string{"#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#4b5563"}
	return c[i%len(c)]
}

// RenderComparison writes the HTML page of a comparison to w. The same
// comparison always gives the same bytes; nothing is written when
// rendering fails.
func RenderComparison(w io.Writer, c *analyze.Comparison) error {
	if c == nil || len(c.Runs) == 0 {
		return errors.New("render html: no comparison")
	}
	specs, err := compareCharts(c)
	if err != nil {
		return fmt.Errorf("render html: %w", err)
	}
	echarts := assets.ECharts()
	if err := inlineable(echarts); err != nil {
		return fmt.Errorf("render html: echarts script: %w", err)
	}
	tpl, err := template.New("compare").Parse(compareTemplate)
	if err != nil {
		return fmt.Errorf("render html: parse template: %w", err)
	}
	data := struct {
		Page           *comparePage
		CSP            string
		ECharts        template.JS
		Boot           template.JS
		EChartsVersion string
	}{
		Page:           newComparePage(c, specs),
		CSP:            csp(echarts, bootScript),
		ECharts:        template.JS(echarts),    // the pinned library, checked by inlineable
		Boot:           template.JS(bootScript), // a constant of this package
		EChartsVersion: assets.EChartsVersion,
	}
	var buf bytes.Buffer
	buf.Grow(len(echarts) + 256<<10)
	if err := tpl.Execute(&buf, data); err != nil {
		return fmt.Errorf("render html: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write html report: %w", err)
	}
	return nil
}

// comparePage is everything the comparison template prints, as plain
// text the template escapes.
type comparePage struct {
	Title, Subtitle string
	Settings        string
	Runs            []compareRunRow
	Verdicts        []verdictItem
	Charts          []chartSpec
	Tables          []metricTable
	Unmatched       []unmatchedRow
	Warnings        []string
	MoreWarnings    int
	Definitions     []analyze.Definition
	Generator       string
}

type compareRunRow struct {
	Name, Color, Source, Users, Requests, FailRate, Saturation, Growth, BaseP95 string
	Baseline                                                                    bool
}

type metricTable struct {
	Title   string
	Caption string
	Head    []runHead
	Rows    []metricRow
}

type runHead struct {
	Name, Color string
	Baseline    bool
}

type metricRow struct {
	Users string
	Cells []compareCell
	All   bool
}

// compareCell is a run's value and, after the baseline, its change.
type compareCell struct {
	Value, Change, Class string
	Baseline             bool
}

type unmatchedRow struct{ Users, In, Missing string }

func outcomeClass(outcome string) string {
	switch outcome {
	case analyze.OutcomeWorse:
		return "bad"
	case analyze.OutcomeBetter:
		return "good"
	case analyze.OutcomeMixed:
		return "warn"
	}
	return "na"
}

func directionClass(ch *analyze.Change) string {
	if ch == nil {
		return ""
	}
	switch ch.Direction {
	case analyze.DirectionWorse:
		return "worse"
	case analyze.DirectionBetter:
		return "better"
	case analyze.DirectionSame:
		return "same"
	}
	return ""
}

func newComparePage(c *analyze.Comparison, specs []chartSpec) *comparePage {
	names := make([]string, len(c.Runs))
	for i, r := range c.Runs {
		names[i] = view.Clean(r.Name)
	}
	p := &comparePage{Charts: specs, Generator: schemas.ToolVersion, Definitions: c.Definitions}
	p.Title = "Comparison: " + strings.Join(names, " vs ")
	p.Subtitle = strconv.Itoa(len(c.Runs)) + " runs; baseline " + names[0]
	p.Settings = view.CompareSettings(c)
	for _, v := range c.Verdicts {
		p.Verdicts = append(p.Verdicts, verdictItem{Question: v.Run + " vs " + v.Against, Answer: v.Outcome, Detail: v.Summary, Class: outcomeClass(v.Outcome)})
	}
	for i, r := range c.Runs {
		row := compareRunRow{Name: view.Clean(r.Name), Color: runColor(i), Baseline: r.Baseline, Growth: view.Clean(r.Growth),
			Source: view.RunSource(r), Users: view.Users(r.Users), Requests: view.NA, FailRate: view.NA,
			Saturation: view.RunSaturation(r), BaseP95: view.RunBaselineP95(r)}
		if a := r.Analysis; a != nil {
			row.Requests, row.FailRate = view.Int(a.Overall.Requests), view.Pct(a.Overall.FailRate)
		}
		p.Runs = append(p.Runs, row)
	}
	heads := make([]runHead, len(c.Runs))
	for i, r := range c.Runs {
		heads[i] = runHead{Name: r.Name, Color: runColor(i), Baseline: r.Baseline}
	}
	for mi, metric := range c.Metrics {
		t := metricTable{Title: view.MetricTitle(metric, c.Settings.Metric), Head: heads}
		if t.Title == "" {
			t.Title = metric
		}
		row := func(label string, lc analyze.LevelComparison, all bool) metricRow {
			m := lc.Metrics[mi]
			r := metricRow{Users: label, All: all}
			for i := range c.Runs {
				cell := compareCell{Value: view.Value(m.Values[i], m.Unit), Baseline: i == 0}
				if i > 0 {
					switch {
					case m.Changes[i] != nil:
						cell.Change = analyze.ChangeText(m.Changes[i], m.Unit)
						cell.Class = directionClass(m.Changes[i])
					case lc.Users > 0 && lc.Steps[i] == nil:
						cell.Value, cell.Change = "not run", ""
					default:
						cell.Change = view.NA
					}
				}
				r.Cells = append(r.Cells, cell)
			}
			return r
		}
		shown, cut := view.Ends(len(c.Levels), view.MaxStepRows)
		for k, i := range shown {
			if cut > 0 && k == view.MaxStepRows/2 {
				t.Rows = append(t.Rows, metricRow{Users: fmt.Sprintf("… %d more levels", cut)})
			}
			t.Rows = append(t.Rows, row(strconv.Itoa(c.Levels[i].Users), c.Levels[i], false))
		}
		t.Rows = append(t.Rows, row("all", c.Overall, true))
		p.Tables = append(p.Tables, t)
	}
	for i, u := range c.Unmatched {
		if i == view.MaxStepRows {
			p.Unmatched = append(p.Unmatched, unmatchedRow{"…", fmt.Sprintf("%d more levels", len(c.Unmatched)-i), ""})
			break
		}
		p.Unmatched = append(p.Unmatched, unmatchedRow{strconv.Itoa(u.Users), strings.Join(u.In, ", "), strings.Join(u.Missing, ", ")})
	}
	p.Warnings, p.MoreWarnings = view.Warnings(c.Warnings)
	return p
}

// compareCharts builds the comparison's charts in page order.
func compareCharts(c *analyze.Comparison) ([]chartSpec, error) {
	metric := "Latency"
	if c.Settings.Metric == analyze.MetricTTFT {
		metric = "TTFT"
	}
	window := view.Secs(c.Settings.WindowS)
	bs := []struct {
		title, caption string
		build          func(*analyze.Comparison) *charts.RectChart
	}{
		{"p95 against users", "One point per user level of each run (its first step with that many users); the baseline's limit for saturation is dashed.", usersP95Compare},
		{metric + " p95 over time, windowed", "p95 of each run's successful requests completed in the last " + window + " at each second; a gap is a window with too few samples.", windowP95Compare},
		{metric + " distribution", "Cumulative distribution of each run's post-warmup successes: the share of requests at or below each latency.", cdfCompare},
	}
	out := make([]chartSpec, 0, len(bs))
	for i, b := range bs {
		opt, err := optionsJSON(b.build(c))
		if err != nil {
			return nil, fmt.Errorf("chart %q: %w", b.title, err)
		}
		out = append(out, chartSpec{ID: "chart-" + strconv.Itoa(i+1), Title: b.title, Caption: b.caption, Options: opt})
	}
	return out, nil
}

// runSeries is the style of run i's line.
func runSeries(i int, symbols bool) []charts.SeriesOpts {
	col := runColor(i)
	o := []charts.SeriesOpts{
		charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(symbols)}),
		charts.WithSeriesOpts(func(s *charts.SingleSeries) { s.Color = col }),
		charts.WithLineStyleOpts(opts.LineStyle{Color: col, Width: 2}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: col}),
	}
	if i > 0 {
		return o
	}
	// The baseline is drawn thicker, so it reads as the reference.
	return append(o, charts.WithLineStyleOpts(opts.LineStyle{Color: col, Width: 3}))
}

func usersP95Compare(c *analyze.Comparison) *charts.RectChart {
	ch := newRect(
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: "users", NameLocation: "middle", NameGap: 24, Min: 0, SplitLine: &opts.SplitLine{Show: opts.Bool(false)}}),
		charts.WithYAxisOpts(yAxis("ms")),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
	)
	drawn := false
	for i, r := range c.Runs {
		var data []opts.LineData
		seen := map[int]bool{}
		if a := r.Analysis; a != nil {
			for _, k := range view.Thin(len(a.Steps), view.MaxStepRows) {
				st := a.Steps[k]
				if seen[st.Users] {
					continue
				}
				seen[st.Users] = true
				data = append(data, xy(float64(st.Users), st.P95MS))
				drawn = drawn || st.P95MS != nil
			}
		}
		o := runSeries(i, true)
		if b := r.BaselineP95; i == 0 && b != nil && b.P95MS != nil {
			o = append(o,
				charts.WithMarkLineNameYAxisItemOpts(opts.MarkLineNameYAxisItem{
					Name:  "limit " + view.Factor(c.Settings.LatencyThreshold) + " baseline p95",
					YAxis: round(*b.P95MS * c.Settings.LatencyThreshold),
				}),
				charts.WithMarkLineStyleOpts(opts.MarkLineStyle{
					Symbol:    []string{"none", "none"},
					Label:     &opts.Label{Show: opts.Bool(true), Position: "insideEndTop", Formatter: "{b}: {c} ms", Color: colLimit},
					LineStyle: &opts.LineStyle{Color: colLimit, Type: dashed, Width: 1.5},
				}))
		}
		ch.MultiSeries = append(ch.MultiSeries, series(ch, r.Name, data, o...))
	}
	if !drawn {
		ch.SetGlobalOptions(emptyTitle())
	}
	return ch
}

func windowP95Compare(c *analyze.Comparison) *charts.RectChart {
	end := 0.0
	for _, r := range c.Runs {
		if r.Analysis != nil {
			end = max(end, r.Analysis.Run.DurationS)
		}
	}
	x := opts.XAxis{Type: "value", Name: "seconds since start", NameLocation: "middle", NameGap: 24, Min: 0, SplitLine: &opts.SplitLine{Show: opts.Bool(false)}}
	if end > 0 {
		x.Max = round(float64(int(end + 0.999)))
	}
	ch := newRect(charts.WithXAxisOpts(x), charts.WithYAxisOpts(yAxis("ms")))
	drawn := false
	for i, r := range c.Runs {
		var data []opts.LineData
		if a := r.Analysis; a != nil {
			s := &a.Series
			g := groups(len(s.T))
			data = points(s.T, g, func(lo, hi int) *float64 { return maxPtr(at(s.WindowP95, lo, hi)) })
			drawn = drawn || !allNil(s.WindowP95)
		}
		ch.MultiSeries = append(ch.MultiSeries, series(ch, r.Name, data, runSeries(i, false)...))
	}
	if !drawn {
		ch.SetGlobalOptions(emptyTitle())
	}
	return ch
}

func cdfCompare(c *analyze.Comparison) *charts.RectChart {
	unit := "latency ms"
	if c.Settings.Metric == analyze.MetricTTFT {
		unit = "TTFT ms"
	}
	// A log axis shows the body and the tail of a latency distribution
	// alike; it needs every value above 0.
	x := opts.XAxis{Type: "log", Name: unit + " (log scale)", NameLocation: "middle", NameGap: 24, SplitLine: &opts.SplitLine{Show: opts.Bool(false)}}
	for _, r := range c.Runs {
		for _, pt := range r.CDF {
			if pt.MS <= 0 {
				x = opts.XAxis{Type: "value", Name: unit, NameLocation: "middle", NameGap: 24, Min: 0, SplitLine: &opts.SplitLine{Show: opts.Bool(false)}}
			}
		}
	}
	ch := newRect(
		charts.WithXAxisOpts(x),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: "% of requests", Min: 0, Max: 100, AxisLabel: &opts.AxisLabel{}, SplitLine: &opts.SplitLine{Show: opts.Bool(true)}}),
	)
	drawn := false
	for i, r := range c.Runs {
		var data []opts.LineData
		for _, pt := range r.CDF {
			v := pt.P * 100
			data = append(data, xy(pt.MS, &v))
		}
		drawn = drawn || len(data) > 0
		ch.MultiSeries = append(ch.MultiSeries, series(ch, r.Name, data, runSeries(i, false)...))
	}
	if !drawn {
		ch.SetGlobalOptions(emptyTitle())
	}
	return ch
}
