package htmlreport

import (
	_ "embed"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/compare"
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
// and in the tables' headers. The palette is neutral: no red and no
// green, which the page keeps for verdicts (a candidate drawn in red read
// as "worse" before anything was judged).
func runColor(i int) string {
	c := [...]string{"#2563eb", "#7c3aed", "#d97706", "#0891b2", "#4b5563", "#c026d3", "#854d0e", "#1e3a8a"}
	return c[i%len(c)]
}

// RenderComparison writes the HTML page of a comparison to w. The same
// comparison always gives the same bytes; nothing is written when
// rendering fails.
func RenderComparison(w io.Writer, c *compare.Comparison) error {
	if c == nil || len(c.Runs) == 0 {
		return errors.New("render html: no comparison")
	}
	specs, err := compareCharts(c)
	if err != nil {
		return fmt.Errorf("render html: %w", err)
	}
	return writePage(w, "compare", compareTemplate, newComparePage(c, specs), 256<<10)
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
	Definitions     []view.Field
	Generator       string
	LevelHead       string // "users", or "offered rate" for open loops
	// Servers are the runs' server-telemetry sentences (none when no run
	// recorded server metrics).
	Servers []view.Field
}

type compareRunRow struct {
	Name, Color, Source, Users, Requests, FailRate, Saturation, Growth, BaseP95 string
	Baseline                                                                    bool
	// Capacity, PeakRPS and PeakTokens with their change against the
	// baseline (view.Comparison.Capacity).
	Capacity, CapacityChange, PeakRPS, PeakRPSChange, PeakTokens, PeakTokensChange string
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
	case compare.OutcomeWorse:
		return "bad"
	case compare.OutcomeBetter:
		return "good"
	case compare.OutcomeMixed:
		return "warn"
	}
	return "na"
}

func newComparePage(c *compare.Comparison, specs []chartSpec) *comparePage {
	v := view.NewComparison(c)
	names := v.Names()
	p := &comparePage{Charts: specs, Generator: schemas.ToolVersion, Definitions: v.Defs, Settings: v.Settings,
		Warnings: v.Warnings, MoreWarnings: v.More, LevelHead: v.LevelName(), Servers: v.Servers}
	p.Title = "Comparison: " + strings.Join(names, " vs ")
	p.Subtitle = strconv.Itoa(v.Runs) + " runs; baseline " + v.Baseline
	for _, vd := range v.Verdicts {
		p.Verdicts = append(p.Verdicts, verdictItem{Question: vd.Run + " vs " + vd.Against, Answer: vd.Outcome, Detail: vd.Summary, Class: outcomeClass(vd.Outcome)})
	}
	heads := make([]runHead, len(names))
	for i, r := range v.RunTable.Rows {
		p.Runs = append(p.Runs, compareRunRow{Name: names[i], Color: runColor(i), Baseline: i == 0, Source: v.Sources[i].Value,
			Users: r[1], Requests: r[2], FailRate: r[3], Saturation: r[4], Growth: r[5], BaseP95: r[6]})
		if i < len(v.Capacity.Rows) {
			k := v.Capacity.Rows[i]
			row := &p.Runs[len(p.Runs)-1]
			row.Capacity, row.CapacityChange, row.PeakRPS, row.PeakRPSChange, row.PeakTokens, row.PeakTokensChange = k[1], k[2], k[3], k[4], k[5], k[6]
		}
		heads[i] = runHead{Name: names[i], Color: runColor(i), Baseline: i == 0}
	}
	for mi, title := range v.Metrics {
		p.Tables = append(p.Tables, metricTableOf(v, mi, title, heads))
	}
	for _, r := range v.Unmatched.Rows {
		p.Unmatched = append(p.Unmatched, unmatchedRow{r[0], r[1], r[2]})
	}
	if v.Unmatched.Cut > 0 {
		p.Unmatched = append(p.Unmatched, unmatchedRow{"…", fmt.Sprintf("%d more levels", v.Unmatched.Cut), ""})
	}
	return p
}

// metricTableOf lays out metric mi of the view, a change coloured by its
// direction.
func metricTableOf(v *view.Comparison, mi int, title string, heads []runHead) metricTable {
	t := metricTable{Title: title, Head: heads}
	rows, cut, cutAt := v.Rows(mi)
	for k, r := range rows {
		if cut > 0 && k == cutAt {
			t.Rows = append(t.Rows, metricRow{Users: fmt.Sprintf("… %d more levels", cut)})
		}
		mr := metricRow{Users: r.Users, All: r.All}
		for i, c := range r.Cells {
			mr.Cells = append(mr.Cells, compareCell{Value: c.Value, Change: c.Change, Class: c.Direction, Baseline: i == 0})
		}
		t.Rows = append(t.Rows, mr)
	}
	return t
}

// compareCharts builds the comparison's charts in page order.
func compareCharts(c *compare.Comparison) ([]chartSpec, error) {
	metric := "Latency"
	if c.Settings.Metric == analyze.MetricTTFT {
		metric = "TTFT"
	}
	window := view.Secs(c.Settings.WindowS)
	bs := []struct {
		title, caption string
		build          func(*compare.Comparison) *charts.RectChart
	}{
		levelChart(c),
		throughputChart(c),
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

// openCompare reports whether the compared runs are open loops (their
// levels are offered rates).
func openCompare(c *compare.Comparison) bool {
	for _, r := range c.Runs {
		if len(r.Rates) > 0 {
			return true
		}
	}
	return false
}

// compareChart is one chart of the comparison page.
type compareChart = struct {
	title, caption string
	build          func(*compare.Comparison) *charts.RectChart
}

// levelChart is the first chart of a comparison: p95 against users, or
// against the offered rate for open loops.
func levelChart(c *compare.Comparison) compareChart {
	if openCompare(c) {
		return compareChart{"p95 against the offered rate", "One point per offered rate of each run (its first step at that rate); the baseline's limit for saturation is dashed; a pin in a run's colour marks where it saturated, a dotted vertical line its capacity.", usersP95Compare}
	}
	return compareChart{"p95 against users", "One point per user level of each run (its first step with that many users); the baseline's limit for saturation is dashed; a pin in a run's colour marks where it saturated, a dotted vertical line its capacity.", usersP95Compare}
}

// throughputChart is requests sent per second against users, or against
// the offered rate for open loops.
func throughputChart(c *compare.Comparison) compareChart {
	if openCompare(c) {
		return compareChart{"Throughput against the offered rate", "Requests sent per second after the warmup at each offered rate of each run (its first step at that rate).", rpsCompare}
	}
	return compareChart{"Throughput against users", "Requests sent per second after the warmup at each user level of each run (its first step with that many users).", rpsCompare}
}

// levelAxis is the x axis of a chart against the level: users, or the
// offered rate for open loops.
func levelAxis(c *compare.Comparison) charts.GlobalOpts {
	name := "users"
	if openCompare(c) {
		name = "offered req/s"
	}
	return charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: name, NameLocation: "middle", NameGap: 24, Min: 0, SplitLine: &opts.SplitLine{Show: opts.Bool(false)}})
}

// levelPoints is one point per level of run a (its first post-warmup step
// at that level, at most view.MaxStepRows steps looked at): x the users,
// or the offered rate of an open loop; y what value reads of the step.
// drawn says whether any point has a value.
func levelPoints(a *analyze.Analysis, value func(*analyze.Step) *float64) (data []opts.LineData, drawn bool) {
	if a == nil {
		return nil, false
	}
	seen := map[int]bool{}
	for _, k := range view.Thin(len(a.Steps), view.MaxStepRows) {
		st := &a.Steps[k]
		x, key := st.Level, int(math.Round(st.Level*1000))
		if seen[key] {
			continue
		}
		seen[key] = true
		v := value(st)
		data = append(data, xy(x, v))
		drawn = drawn || v != nil
	}
	return data, drawn
}

func usersP95Compare(c *compare.Comparison) *charts.RectChart {
	ch := newRect(levelAxis(c), charts.WithYAxisOpts(yAxis("ms")),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}))
	drawn := false
	for i, r := range c.Runs {
		data, d := levelPoints(r.Analysis, func(st *analyze.Step) *float64 { return st.P95MS })
		drawn = drawn || d
		o := runSeries(i, true)
		if b := r.BaselineP95; i == 0 && b != nil && b.P95MS != nil {
			o = append(o,
				charts.WithMarkLineNameYAxisItemOpts(opts.MarkLineNameYAxisItem{
					Name:  "limit " + view.Factor(c.Settings.LatencyThreshold) + " baseline p95",
					YAxis: round(*b.P95MS * c.Settings.LatencyThreshold),
				}),
				charts.WithMarkLineStyleOpts(opts.MarkLineStyle{
					Symbol:    []string{"none", "none"},
					Label:     &opts.Label{Show: opts.Bool(false)}, // the caption names it: no text on the lines
					LineStyle: &opts.LineStyle{Color: colLimit, Type: dashed, Width: 1.5},
				}))
		}
		o = append(o, saturationPin(r.Analysis, i)...)
		ch.MultiSeries = append(ch.MultiSeries, series(ch, r.Name, data, o...))
	}
	// The capacity lines follow the runs' series: a series of no points
	// with the run's name, so its legend item hides the line with the run.
	for i, r := range c.Runs {
		if l := runCapacityLine(r.Analysis, i); l != nil {
			ch.MultiSeries = append(ch.MultiSeries, series(ch, r.Name, nil, l...))
		}
	}
	if !drawn {
		ch.SetGlobalOptions(emptyTitle())
	}
	return ch
}

// runCapacityLine is run i's capacity on the p95 overlay: a dotted vertical
// line in the run's colour at its capacity level; none when the run has
// no capacity (even its first level failed).
func runCapacityLine(a *analyze.Analysis, i int) []charts.SeriesOpts {
	if a == nil || a.Capacity.Level == nil {
		return nil
	}
	return []charts.SeriesOpts{
		charts.WithSeriesOpts(func(s *charts.SingleSeries) { s.Color = runColor(i) }),
		charts.WithMarkLineNameXAxisItemOpts(opts.MarkLineNameXAxisItem{
			Name:  "capacity " + view.StepLevel(a, *a.Capacity.Level),
			XAxis: round(*a.Capacity.Level),
		}),
		charts.WithMarkLineStyleOpts(opts.MarkLineStyle{
			Symbol:    []string{"none", "none"},
			Label:     &opts.Label{Show: opts.Bool(false)}, // the caption names it
			LineStyle: &opts.LineStyle{Color: runColor(i), Type: "dotted", Width: 1.5},
		}),
	}
}

// saturationPin is run i's saturation point on the p95 overlay: a pin in
// the run's colour at its saturating level and that step's p95; none when
// the run did not saturate or that step has no p95.
func saturationPin(a *analyze.Analysis, i int) []charts.SeriesOpts {
	if a == nil || !a.Saturation.Reached || a.Saturation.Step == nil {
		return nil
	}
	for k := range a.Steps {
		st := &a.Steps[k]
		if st.Step != *a.Saturation.Step || st.P95MS == nil {
			continue
		}
		x := st.Level
		return []charts.SeriesOpts{
			charts.WithMarkPointNameCoordItemOpts(opts.MarkPointNameCoordItem{
				Name:       "saturation",
				Coordinate: []any{x, round(*st.P95MS)},
				Value:      "saturated at " + view.StepLevel(a, st.Level),
				Symbol:     "pin",
				SymbolSize: 26,
				ItemStyle:  &opts.ItemStyle{Color: runColor(i)},
			}),
			charts.WithMarkPointStyleOpts(opts.MarkPointStyle{Label: &opts.Label{Show: opts.Bool(false)}}),
		}
	}
	return nil
}

// rpsCompare is each run's requests per second against its levels.
func rpsCompare(c *compare.Comparison) *charts.RectChart {
	ch := newRect(levelAxis(c), charts.WithYAxisOpts(yAxis("req/s")),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}))
	drawn := false
	for i, r := range c.Runs {
		data, d := levelPoints(r.Analysis, func(st *analyze.Step) *float64 { return st.RPS })
		drawn = drawn || d
		ch.MultiSeries = append(ch.MultiSeries, series(ch, r.Name, data, runSeries(i, true)...))
	}
	if !drawn {
		ch.SetGlobalOptions(emptyTitle())
	}
	return ch
}

func windowP95Compare(c *compare.Comparison) *charts.RectChart {
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

func cdfCompare(c *compare.Comparison) *charts.RectChart {
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
