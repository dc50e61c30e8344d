package htmlreport

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/report/view"
)

// maxChartPoints bounds the points of every time-series chart. The analyzer
// already caps its series at analyze.MaxSeriesPoints; thinning further keeps
// the page small and quick to draw whatever the run's length.
const maxChartPoints = 1200

// Chart colours: one per meaning, the same on every chart.
const (
	colUsers    = "#6b7280"
	colRPS      = "#2563eb"
	colDone     = "#93c5fd"
	colP50      = "#16a34a"
	colP95      = "#d97706"
	colP99      = "#9333ea"
	colFail     = "#b91c1c"
	colLimit    = "#374151"
	colWarmup   = "rgba(107,114,128,0.12)"
	colBars     = "#2563eb"
	colTTFT     = "#0891b2"
	colTokens   = "#9333ea"
	colSLO      = "#059669"
	dashed      = "dashed"
	noDataTitle = "no data"
)

// classColor colours the failure class at index i of the sorted list of
// classes present.
func classColor(i int) string {
	c := [...]string{"#b91c1c", "#ea580c", "#ca8a04", "#7c3aed", "#db2777", "#0f766e", "#4b5563", "#1d4ed8"}
	return c[i%len(c)]
}

// chartSpec is one chart of the page: its heading and caption (HTML text,
// escaped by the template) and its ECharts options as JSON.
type chartSpec struct {
	ID      string // element id, chart-1..n in page order
	Title   string
	Caption string
	Options json.RawMessage
}

// buildCharts builds the report's charts in page order; the first, p95
// and p99 against users, is the one that shows the saturation point.
func buildCharts(a *analyze.Analysis) ([]chartSpec, error) {
	type builder struct {
		title, caption string
		build          func(*analyze.Analysis) *charts.RectChart
	}
	s := &a.Series
	window := view.Secs(s.WindowS)
	metric, unit := "Latency", "latency"
	if a.Settings.Metric == analyze.MetricTTFT {
		metric, unit = "TTFT", "TTFT"
	}
	bs := []builder{
		{"p95 and p99 against users", "One point per step. The dashed grey line is the saturation limit (latency threshold × baseline p95); the pin marks where the run saturated. Failure rate, in percent, on the right axis.", usersLatencyChart},
		{"Users and requests per second", "Active users (left axis) and requests sent and completed per second (right axis). The shaded band is the warmup, left out of every figure but these charts.", usersChart},
		{metric + " over time, windowed", "p50, p95 and p99 of successful requests completed in the last " + window + " at each second; a gap is a window with too few samples.", func(a *analyze.Analysis) *charts.RectChart { return percentileChart(a, false) }},
		{metric + " over time, cumulative", "p50, p95 and p99 of all post-warmup successes completed so far: it settles as samples accumulate.", func(a *analyze.Analysis) *charts.RectChart { return percentileChart(a, true) }},
		{"Failures over time", "Failed requests per second by error class, placed at their completion time.", failuresChart},
		{metric + " distribution", histogramCaption(a, unit), histogramChart},
	}
	if a.Settings.SLO != nil {
		level := "users"
		if a.Capacity.LevelKind == analyze.LevelRate {
			level = "offered rate"
		}
		bs = slices.Insert(bs, 1, builder{"Goodput and SLO attainment against " + level,
			"One point per step: good requests (succeeded within " + view.GoodputTitleSLO(a) + ") per second (left axis) and their share of the requests sent (right axis). The dashed line is the attainment target; the vertical line marks the capacity.", goodputChart})
	}
	if open := openLoopCharts(a, metric); len(open) > 0 {
		// An open loop's levels are offered rates: its charts come first,
		// and its p95 against the offered rate replaces the one against
		// users (its users are requests in flight, never a level).
		bs = bs[1:]
		first := make([]builder, 0, len(open)+len(bs))
		for _, ob := range open {
			first = append(first, builder(ob))
		}
		bs = append(first, bs...)
	}
	if len(s.TTFTWindowP95) > 0 || len(s.TokensPerS) > 0 {
		bs = append(bs, builder{"Time to first token and tokens per second", "Windowed p95 of the time to first token (left axis) and output tokens per second of the successes completed in each second (right axis).", llmChart})
	}
	for _, tb := range telemetryCharts(a) {
		bs = append(bs, builder(tb))
	}
	out := make([]chartSpec, 0, len(bs))
	for i, b := range bs {
		opt, err := optionsJSON(b.build(a))
		if err != nil {
			return nil, fmt.Errorf("chart %q: %w", b.title, err)
		}
		out = append(out, chartSpec{ID: "chart-" + strconv.Itoa(i+1), Title: b.title, Caption: b.caption, Options: opt})
	}
	return out, nil
}

// optionsJSON serialises a chart's options with encoding/json. Strings stay
// strings: nothing here turns go-echarts' "__f__" markers into code, and
// the page reads the options with JSON.parse.
func optionsJSON(c *charts.RectChart) (json.RawMessage, error) {
	c.Validate()
	b, err := json.Marshal(c.JSON())
	if err != nil {
		return nil, fmt.Errorf("encode options: %w", err)
	}
	return b, nil
}

// newRect returns a chart with the options every chart shares.
func newRect(extra ...charts.GlobalOpts) *charts.RectChart {
	c := &charts.NewLine().RectChart
	c.SetGlobalOptions(append([]charts.GlobalOpts{
		charts.WithAnimation(false),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "0", Left: "center"}),
		charts.WithGridOpts(opts.Grid{Left: "8", Right: "24", Top: "40", Bottom: "28", ContainLabel: opts.Bool(true)}),
	}, extra...)...)
	return c
}

// timeAxis is the x axis of the time-series charts: seconds since start.
func timeAxis(a *analyze.Analysis) charts.GlobalOpts {
	x := opts.XAxis{Type: "value", Name: "seconds since start", NameLocation: "middle", NameGap: 24, Min: 0, SplitLine: &opts.SplitLine{Show: opts.Bool(false)}}
	if d := a.Run.DurationS; d > 0 {
		x.Max = round(math.Ceil(d))
	}
	return charts.WithXAxisOpts(x)
}

// yAxis is a value axis; the right-hand one has no grid lines of its own.
func yAxis(name string) opts.YAxis {
	return opts.YAxis{Type: "value", Name: name, AxisLabel: &opts.AxisLabel{}, SplitLine: &opts.SplitLine{Show: opts.Bool(true)}}
}

func rightAxis(name string) opts.YAxis {
	return opts.YAxis{Type: "value", Name: name, Min: 0, AxisLabel: &opts.AxisLabel{}, SplitLine: &opts.SplitLine{Show: opts.Bool(false)}}
}

// emptyTitle marks a chart that has nothing to draw.
func emptyTitle() charts.GlobalOpts {
	return charts.WithTitleOpts(opts.Title{Title: noDataTitle, Left: "center", Top: "middle",
		TitleStyle: &opts.TextStyle{Color: "#9ca3af", FontSize: 16}})
}

// warmupArea shades [0, warmup] on the series it is given to.
func warmupArea(a *analyze.Analysis) []charts.SeriesOpts {
	w := a.Series.WarmupS
	if w <= 0 {
		return nil
	}
	// The word "warmup" needs room: on a long run the band is a sliver.
	label := a.Run.DurationS <= 0 || w/a.Run.DurationS >= 0.04
	return []charts.SeriesOpts{
		charts.WithMarkAreaData([]opts.MarkAreaData{
			{Name: "warmup", XAxis: 0, MarkAreaStyle: opts.MarkAreaStyle{ItemStyle: &opts.ItemStyle{Color: colWarmup}}},
			{XAxis: round(w)},
		}),
		charts.WithMarkAreaStyleOpts(opts.MarkAreaStyle{Label: &opts.Label{Show: opts.Bool(label), Color: "#6b7280", Position: "insideTop"}}),
	}
}

// line is a line series: one colour, no symbols, gaps left as gaps.
func line(col string, extra ...charts.SeriesOpts) []charts.SeriesOpts {
	return append([]charts.SeriesOpts{
		charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false)}),
		charts.WithSeriesOpts(func(s *charts.SingleSeries) { s.Color = col }),
		charts.WithLineStyleOpts(opts.LineStyle{Color: col, Width: 1.5}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: col}),
	}, extra...)
}

func usersChart(a *analyze.Analysis) *charts.RectChart {
	s := &a.Series
	c := newRect(timeAxis(a), charts.WithYAxisOpts(yAxis("users")))
	c.ExtendYAxis(rightAxis("req/s"))
	g := groups(len(s.T))
	if len(g) == 0 {
		c.SetGlobalOptions(emptyTitle())
	}
	onRight := charts.WithSeriesOpts(func(ss *charts.SingleSeries) { ss.YAxisIndex = 1 })
	c.MultiSeries = append(c.MultiSeries,
		series(c, "users", points(s.T, g, func(lo, hi int) *float64 { return maxInt(at(s.Users, lo, hi)) }),
			append(line(colUsers, charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false), Step: "end"})), warmupArea(a)...)...),
		series(c, "sent req/s", points(s.T, g, func(lo, hi int) *float64 { return mean(at(s.SentRPS, lo, hi)) }), append(append(line(colRPS), onRight), stepBoundaries(a)...)...),
		series(c, "completed req/s", points(s.T, g, func(lo, hi int) *float64 { return mean(at(s.CompletedRPS, lo, hi)) }), append(append(line(colDone), onRight), saturationTime(a)...)...),
	)
	return c
}

func percentileChart(a *analyze.Analysis, cumulative bool) *charts.RectChart {
	s := &a.Series
	p50, p95, p99 := s.WindowP50, s.WindowP95, s.WindowP99
	if cumulative {
		p50, p95, p99 = s.CumP50, s.CumP95, s.CumP99
	}
	c := newRect(timeAxis(a), charts.WithYAxisOpts(yAxis("ms")))
	g := groups(len(s.T))
	if len(g) == 0 || allNil(p50) {
		c.SetGlobalOptions(emptyTitle())
	}
	// Thinning keeps each bucket's worst value so that no spike is lost.
	worst := func(v []*float64) []opts.LineData {
		return points(s.T, g, func(lo, hi int) *float64 { return maxPtr(at(v, lo, hi)) })
	}
	c.MultiSeries = append(c.MultiSeries,
		series(c, "p50", worst(p50), append(line(colP50), warmupArea(a)...)...),
		series(c, "p95", worst(p95), append(line(colP95), stepBoundaries(a)...)...),
		series(c, "p99", worst(p99), append(line(colP99), saturationTime(a)...)...),
	)
	return c
}

func failuresChart(a *analyze.Analysis) *charts.RectChart {
	s := &a.Series
	c := newRect(timeAxis(a), charts.WithYAxisOpts(yAxis("failures/s")))
	g := groups(len(s.T))
	classes := make([]string, 0, len(s.FailuresByClass))
	for k := range s.FailuresByClass {
		classes = append(classes, k)
	}
	slices.Sort(classes)
	byClass := s.FailuresByClass
	if len(classes) > view.MaxErrorRows {
		classes, byClass = topClasses(classes, byClass, len(s.T))
	}
	if len(g) == 0 {
		c.SetGlobalOptions(emptyTitle())
	} else if len(classes) == 0 {
		c.SetGlobalOptions(charts.WithTitleOpts(opts.Title{Title: "no failures", Left: "center", Top: "middle",
			TitleStyle: &opts.TextStyle{Color: "#16a34a", FontSize: 16}}))
	}
	bucket := s.BucketS
	if bucket <= 0 {
		bucket = 1
	}
	perSecond := func(v []int64) []opts.LineData {
		return points(s.T, g, func(lo, hi int) *float64 {
			var n int64
			for _, x := range at(v, lo, hi) {
				n += x
			}
			r := float64(n) / (bucket * float64(hi-lo))
			return &r
		})
	}
	total := perSecond(s.Failures)
	if len(classes) == 0 {
		c.MultiSeries = append(c.MultiSeries, series(c, "failures", total, append(line(colFail), warmupArea(a)...)...))
		return c
	}
	for i, k := range classes {
		col := classColor(i)
		o := line(col)
		if i == 0 {
			o = append(o, warmupArea(a)...)
		}
		c.MultiSeries = append(c.MultiSeries, series(c, k, perSecond(byClass[k]), o...))
	}
	return c
}

// topClasses keeps the view.MaxErrorRows-1 classes with the most
// failures (sorted by name) and sums the others into one series, last.
func topClasses(classes []string, byClass map[string][]int64, n int) ([]string, map[string][]int64) {
	total := func(k string) (t int64) {
		for _, x := range byClass[k] {
			t += x
		}
		return t
	}
	ranked := slices.Clone(classes)
	slices.SortStableFunc(ranked, func(a, b string) int { return cmp.Compare(total(b), total(a)) })
	keep := ranked[:view.MaxErrorRows-1]
	slices.Sort(keep)
	out := make(map[string][]int64, len(keep)+1)
	for _, k := range keep {
		out[k] = byClass[k]
	}
	other := fmt.Sprintf("other (%d classes)", len(ranked)-len(keep))
	sum := make([]int64, n)
	for _, k := range ranked[len(keep):] {
		for i, x := range byClass[k] {
			if i < n {
				sum[i] += x
			}
		}
	}
	out[other] = sum
	return append(keep, other), out
}

// usersLatencyChart plots p95, p99 and the failure rate against users,
// with the latency limit, the saturation point and the capacity marked on
// the lines and named in notes above the plot.
func usersLatencyChart(a *analyze.Analysis) *charts.RectChart {
	ms, scaleNote := latencyAxis(a)
	c := newRect(
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: "users", NameLocation: "middle", NameGap: 24, Min: 0, SplitLine: &opts.SplitLine{Show: opts.Bool(false)}}),
		charts.WithYAxisOpts(ms),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
	)
	fr := rightAxis("failure rate %")
	fr.Max, fr.AxisLabel = 100, &opts.AxisLabel{Formatter: "{value}%"}
	c.ExtendYAxis(fr)
	p95, p99, fail := usersLatencyPoints(a)
	if len(a.Steps) == 0 {
		c.SetGlobalOptions(emptyTitle())
	}
	limitNote, limitOpts := limitMarker(a)
	satNote, satOpts := saturationMarker(a)
	capNote, capOpts := capacityMarker(a)
	p95Opts := append(append(symbolLine(colP95), limitOpts...), satOpts...)
	p99Opts := append(symbolLine(colP99), capOpts...)
	// The limit and the saturation point are said in the chart's heading,
	// above the plot, where no line runs under them (at any width).
	if len(a.Steps) > 0 {
		chartNotes(c, satNote, limitNote, capNote, scaleNote)
	}
	c.MultiSeries = append(c.MultiSeries,
		series(c, "p95", p95, p95Opts...),
		series(c, "p99", p99, p99Opts...),
		series(c, "failure rate %", fail, append(symbolLine(colFail),
			charts.WithLineStyleOpts(opts.LineStyle{Color: colFail, Width: 1.5, Type: dashed}),
			charts.WithSeriesOpts(func(ss *charts.SingleSeries) { ss.YAxisIndex = 1 }))...),
	)
	return c
}

// chartNotes says the non-empty notes in the chart's heading, above the
// plot, where no line runs under them (at any width).
func chartNotes(c *charts.RectChart, notes ...string) {
	notes = slices.DeleteFunc(notes, func(n string) bool { return n == "" })
	if len(notes) == 0 {
		return
	}
	c.SetGlobalOptions(charts.WithTitleOpts(opts.Title{Subtitle: strings.Join(notes, "\n"), Left: "8", Top: "22",
		SubtitleStyle: &opts.TextStyle{Color: colLimit, FontSize: 12, LineHeight: 16}}))
	c.GridList[0].Top = strconv.Itoa(64 + 16*len(notes)) // room for the notes and the axis names
}

// usersLatencyPoints are the p95, p99 and failure-rate (in %) points of
// the steps against users, thinned to view.MaxStepRows keeping the marked
// steps.
func usersLatencyPoints(a *analyze.Analysis) (p95, p99, fail []opts.LineData) {
	for _, i := range view.Thin(len(a.Steps), view.MaxStepRows, markedSteps(a)...) {
		st := a.Steps[i]
		u := st.Level
		p95 = append(p95, xy(u, st.P95MS))
		p99 = append(p99, xy(float64(u), st.P99MS))
		var f *float64
		if st.FailRate != nil {
			v := *st.FailRate * 100
			f = &v
		}
		fail = append(fail, xy(u, f))
	}
	return byLevel(p95), byLevel(p99), byLevel(fail)
}

// symbolLine draws a series in colour col, each point with its symbol.
func symbolLine(col string) []charts.SeriesOpts {
	return []charts.SeriesOpts{
		charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(true)}),
		charts.WithSeriesOpts(func(s *charts.SingleSeries) { s.Color = col }),
		charts.WithLineStyleOpts(opts.LineStyle{Color: col, Width: 2}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: col}),
	}
}

// limitMarker is the saturation latency limit (the threshold times the
// baseline p95) as a note and an unlabelled dashed line on the p95
// series; none without a baseline p95 or a threshold.
func limitMarker(a *analyze.Analysis) (string, []charts.SeriesOpts) {
	b := a.Baseline
	if b == nil || b.P95MS == nil || a.Settings.LatencyThreshold <= 0 {
		return "", nil
	}
	limit := round(*b.P95MS * a.Settings.LatencyThreshold)
	name := "limit " + view.Factor(a.Settings.LatencyThreshold) + " baseline p95"
	return name + " = " + view.Duration(&limit), []charts.SeriesOpts{
		charts.WithMarkLineNameYAxisItemOpts(opts.MarkLineNameYAxisItem{Name: name, YAxis: limit}),
		charts.WithMarkLineStyleOpts(opts.MarkLineStyle{
			Symbol:    []string{"none", "none"},
			Label:     &opts.Label{Show: opts.Bool(false)},
			LineStyle: &opts.LineStyle{Color: colLimit, Type: dashed, Width: 1.5},
		}),
	}
}

// saturationMarker is the saturation point as a note and an unlabelled
// pin on the p95 series at the saturated step; none when the run did not
// saturate or that step has no p95.
func saturationMarker(a *analyze.Analysis) (string, []charts.SeriesOpts) {
	sat := a.Saturation
	if !sat.Reached || sat.Step == nil {
		return "", nil
	}
	for _, st := range a.Steps {
		if st.Step != *sat.Step || st.P95MS == nil {
			continue
		}
		note := "saturated at " + view.StepLevel(a, st.Level)
		return note, []charts.SeriesOpts{
			charts.WithMarkPointNameCoordItemOpts(opts.MarkPointNameCoordItem{
				Name:       "saturation",
				Coordinate: []any{st.Level, round(*st.P95MS)},
				Value:      note,
				Symbol:     "pin",
				SymbolSize: 30,
				ItemStyle:  &opts.ItemStyle{Color: colFail},
			}),
			charts.WithMarkPointStyleOpts(opts.MarkPointStyle{Label: &opts.Label{Show: opts.Bool(false)}}),
		}
	}
	return "", nil
}

// capacityMarker is a closed loop's capacity as a note and an unlabelled
// vertical line on the p99 series: its name is said above the plot, as
// the saturation point's and the limit's are, so no label sits on a line.
func capacityMarker(a *analyze.Analysis) (string, []charts.SeriesOpts) {
	if a.Capacity.LevelKind != analyze.LevelUsers || a.Capacity.Level == nil {
		return "", nil
	}
	return "capacity " + view.Num(a.Capacity.Level, 0) + " users (dashed vertical line)", capacityLine(a, false)
}

// markedSteps are the indexes of the baseline and saturation steps, which
// a thinned chart keeps.
func markedSteps(a *analyze.Analysis) []int {
	var keep []int
	for i, st := range a.Steps {
		if a.Baseline != nil && st.Step == a.Baseline.Step || a.Saturation.Step != nil && st.Step == *a.Saturation.Step {
			keep = append(keep, i)
		}
	}
	return keep
}

// histogramChart is the distribution of the successes' latency: the
// log-spaced buckets drawn as steps over a logarithmic axis of ms (ticks
// at powers of ten, which never collide), with the run's p50, p95 and p99
// marked.
func histogramChart(a *analyze.Analysis) *charts.RectChart {
	h := &a.Histogram
	x := opts.XAxis{Type: "log", Name: "ms (log scale)", NameLocation: "middle", NameGap: 24,
		AxisLabel: &opts.AxisLabel{ShowMinLabel: opts.Bool(true), ShowMaxLabel: opts.Bool(true)}, SplitLine: &opts.SplitLine{Show: opts.Bool(false)}}
	var data []opts.LineData
	for i, n := range h.Counts {
		if i+1 >= len(h.Bounds) || h.Bounds[i] <= 0 {
			continue
		}
		v := float64(n)
		data = append(data, xy(h.Bounds[i], &v))
		if i+2 == len(h.Bounds) || i+1 == len(h.Counts) {
			data = append(data, xy(h.Bounds[i+1], &v)) // the last bucket's right edge
		}
	}
	if len(data) > 0 {
		lo, hi := h.Bounds[0], h.Bounds[min(len(h.Bounds), len(h.Counts)+1)-1]
		x.Min, x.Max = math.Pow(10, math.Floor(math.Log10(math.Max(lo, 1e-3)))), math.Pow(10, math.Ceil(math.Log10(hi)))
	}
	c := newRect(charts.WithXAxisOpts(x), charts.WithYAxisOpts(yAxis("requests")),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}))
	if len(data) == 0 {
		c.SetGlobalOptions(emptyTitle())
	}
	metric := "latency"
	if a.Settings.Metric == analyze.MetricTTFT {
		metric = "TTFT"
	}
	o := line(colBars, charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false), Step: "end"}),
		charts.WithAreaStyleOpts(opts.AreaStyle{Color: colBars, Opacity: opts.Float(0.35)}))
	lat := a.Overall.Latency
	for _, q := range []struct {
		name string
		v    *float64
	}{{"p50", lat.P50MS}, {"p95", lat.P95MS}, {"p99", lat.P99MS}} {
		if q.v != nil && *q.v > 0 {
			o = append(o, charts.WithMarkLineNameXAxisItemOpts(opts.MarkLineNameXAxisItem{Name: q.name, XAxis: round(*q.v)}))
		}
	}
	o = append(o, charts.WithMarkLineStyleOpts(opts.MarkLineStyle{
		Symbol:    []string{"none", "none"},
		Label:     &opts.Label{Show: opts.Bool(true), Position: "end", Formatter: "{b}", Color: colLimit},
		LineStyle: &opts.LineStyle{Color: colLimit, Type: dashed, Width: 1},
	}))
	c.MultiSeries = append(c.MultiSeries, series(c, "requests by "+metric, data, o...))
	if steps := stepModes(a); len(steps) > 0 && len(data) > 0 {
		stepRanges(c, steps)
	}
	return c
}

// stepModesRatio and stepModesMin are the rule by which a distribution
// is bimodal by step (its modes are steps): among the steps with at
// least stepModesMin successes, the slowest median is more than
// stepModesRatio times the fastest.
const (
	stepModesRatio = 2
	stepModesMin   = 30
)

// stepModes are the steps the histogram breaks down (thinned as the step
// table is), when the distribution is bimodal by step; else none.
func stepModes(a *analyze.Analysis) []analyze.Step {
	var out []analyze.Step
	lo, hi := math.Inf(1), 0.0
	for _, i := range view.Thin(len(a.Steps), view.MaxStepRows, markedSteps(a)...) {
		st := a.Steps[i]
		if st.OK < stepModesMin || st.P50MS == nil || st.P95MS == nil || *st.P50MS <= 0 {
			continue
		}
		lo, hi = math.Min(lo, *st.P50MS), math.Max(hi, *st.P50MS)
		out = append(out, st)
	}
	if len(out) < 2 || hi <= stepModesRatio*lo {
		return nil
	}
	return out
}

// stepRanges draws, on a right axis of step numbers, each step's p50 to
// p95 as a segment over the histogram's latency axis: which step makes
// which mode.
func stepRanges(c *charts.RectChart, steps []analyze.Step) {
	y := rightAxis("step")
	y.Inverse, y.MinInterval = opts.Bool(true), 1
	y.Min, y.Max = steps[0].Step-1, steps[len(steps)-1].Step+1
	c.ExtendYAxis(y)
	var pts []opts.LineData
	for _, st := range steps {
		k := float64(st.Step)
		pts = append(pts, xy(*st.P50MS, &k), xy(*st.P95MS, &k), xy(*st.P95MS, nil))
	}
	c.MultiSeries = append(c.MultiSeries, series(c, "step p50 to p95", pts,
		charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(true), YAxisIndex: 1}),
		charts.WithSeriesOpts(func(s *charts.SingleSeries) { s.Color = colP95 }),
		charts.WithLineStyleOpts(opts.LineStyle{Color: colP95, Width: 2}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: colP95})))
}

// histogramCaption is the distribution chart's caption: the per-step
// breakdown is said when it is drawn.
func histogramCaption(a *analyze.Analysis, unit string) string {
	s := "Successful post-warmup requests in log-spaced " + unit + " buckets, on a log scale; the dashed lines mark the run's p50, p95 and p99."
	if len(stepModes(a)) > 0 {
		s += " Its steps' medians differ by more than " + strconv.Itoa(stepModesRatio) + "×: each step's p50 to p95 is drawn against the step number (right axis), so each mode can be told by its steps."
	}
	return s
}

func llmChart(a *analyze.Analysis) *charts.RectChart {
	s := &a.Series
	c := newRect(timeAxis(a), charts.WithYAxisOpts(yAxis("TTFT ms")))
	c.ExtendYAxis(rightAxis("tokens/s"))
	g := groups(len(s.T))
	if len(g) == 0 {
		c.SetGlobalOptions(emptyTitle())
	}
	if len(s.TTFTWindowP95) > 0 {
		o := append(line(colTTFT), warmupArea(a)...)
		if slo := a.Settings.SLO; slo != nil && slo.TTFTMS != nil {
			o = append(o, horizontalLine("TTFT SLO", round(*slo.TTFTMS), colSLO, "{b}: {c} ms")...)
		}
		c.MultiSeries = append(c.MultiSeries, series(c, "TTFT p95",
			points(s.T, g, func(lo, hi int) *float64 { return maxPtr(at(s.TTFTWindowP95, lo, hi)) }), o...))
	}
	if len(s.TokensPerS) > 0 {
		c.MultiSeries = append(c.MultiSeries, series(c, "output tokens/s",
			points(s.T, g, func(lo, hi int) *float64 { return mean(at(s.TokensPerS, lo, hi)) }),
			append(line(colTokens), charts.WithSeriesOpts(func(ss *charts.SingleSeries) { ss.YAxisIndex = 1 }))...))
	}
	return c
}

// series builds one line series the way charts.Line.AddSeries does.
func series(c *charts.RectChart, name string, data []opts.LineData, o ...charts.SeriesOpts) charts.SingleSeries {
	s := charts.SingleSeries{Name: name, Type: "line", Data: data}
	s.InitSeriesDefaultOpts(c.BaseConfiguration)
	s.ConfigureSeriesOpts(o...)
	return s
}

// groups splits n points into at most maxChartPoints consecutive runs of
// equal length (the last may be shorter), as [lo, hi) pairs.
func groups(n int) [][2]int {
	if n == 0 {
		return nil
	}
	k := (n + maxChartPoints - 1) / maxChartPoints
	g := make([][2]int, 0, (n+k-1)/k)
	for lo := 0; lo < n; lo += k {
		g = append(g, [2]int{lo, min(lo+k, n)})
	}
	return g
}

// points makes one point per group: x is the group's last time (the end of
// its bucket), y is f over the group, or a gap when f returns nil.
func points(t []float64, g [][2]int, f func(lo, hi int) *float64) []opts.LineData {
	out := make([]opts.LineData, len(g))
	for i, r := range g {
		out[i] = xy(t[r[1]-1], f(r[0], r[1]))
	}
	return out
}

// xy is one point; a nil y is "-", ECharts' mark for a missing value.
// byLevel orders points by their level (x), the order of time kept among
// equal levels: a capacity search's or a sweep's steps come in probe
// order, and a line through them in time order would zigzag. A step
// load's points are already in this order.
func byLevel(points []opts.LineData) []opts.LineData {
	x := func(p opts.LineData) float64 {
		if v, ok := p.Value.([]any); ok && len(v) > 0 {
			if f, ok := v[0].(float64); ok {
				return f
			}
		}
		return 0
	}
	slices.SortStableFunc(points, func(p, q opts.LineData) int { return cmp.Compare(x(p), x(q)) })
	return points
}

func xy(x float64, y *float64) opts.LineData {
	if y == nil || math.IsNaN(*y) || math.IsInf(*y, 0) {
		return opts.LineData{Value: []any{round(x), "-"}}
	}
	return opts.LineData{Value: []any{round(x), round(*y)}}
}

// at returns v[lo:hi] clipped to v's length: a series shorter than T (which
// a malformed analysis could carry) yields gaps, not a panic.
func at[E any](v []E, lo, hi int) []E {
	hi = min(hi, len(v))
	if lo >= hi {
		return nil
	}
	return v[lo:hi]
}

func maxPtr(v []*float64) *float64 {
	var m *float64
	for _, x := range v {
		if x != nil && (m == nil || *x > *m) {
			m = x
		}
	}
	return m
}

func maxInt(v []int) *float64 {
	if len(v) == 0 {
		return nil
	}
	m := float64(slices.Max(v))
	return &m
}

func mean(v []float64) *float64 {
	if len(v) == 0 {
		return nil
	}
	var s float64
	for _, x := range v {
		s += x
	}
	s /= float64(len(v))
	return &s
}

func allNil(v []*float64) bool {
	for _, x := range v {
		if x != nil {
			return false
		}
	}
	return true
}

// round keeps 4 significant digits: plenty for a chart, and it keeps the
// page small and its bytes stable.
func round(v float64) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 4, 64), 64)
	return r
}

// capacityLine marks the capacity level on a chart whose x axis is the
// level (nothing when there is none).
func capacityLine(a *analyze.Analysis, label bool) []charts.SeriesOpts {
	c := a.Capacity
	if c.Level == nil {
		return nil
	}
	return []charts.SeriesOpts{
		charts.WithMarkLineNameXAxisItemOpts(opts.MarkLineNameXAxisItem{Name: "capacity", XAxis: round(*c.Level)}),
		charts.WithMarkLineStyleOpts(opts.MarkLineStyle{
			Symbol:    []string{"none", "none"},
			Label:     &opts.Label{Show: opts.Bool(label), Position: "insideEndTop", Formatter: "{b}: {c}", Color: colSLO},
			LineStyle: &opts.LineStyle{Color: colSLO, Type: dashed, Width: 1.5},
		}),
	}
}

// horizontalLine is a dashed mark line at y on a series' axis.
func horizontalLine(name string, y float64, col, format string) []charts.SeriesOpts {
	return []charts.SeriesOpts{
		charts.WithMarkLineNameYAxisItemOpts(opts.MarkLineNameYAxisItem{Name: name, YAxis: y}),
		charts.WithMarkLineStyleOpts(opts.MarkLineStyle{
			Symbol:    []string{"none", "none"},
			Label:     &opts.Label{Show: opts.Bool(true), Position: "insideEndTop", Formatter: format, Color: col},
			LineStyle: &opts.LineStyle{Color: col, Type: dashed, Width: 1.5},
		}),
	}
}

// goodputChart is goodput (left axis) and SLO attainment (right axis)
// against the level, with the attainment target and the capacity level.
func goodputChart(a *analyze.Analysis) *charts.RectChart {
	name := "users"
	if a.Capacity.LevelKind == analyze.LevelRate {
		name = "offered req/s"
	}
	// The gridlines are the attainment axis's (0, 20, … 100 %), and the
	// goodput axis draws none: the target line then sits between
	// gridlines of its own axis, never on one that reads as a req/s value.
	good := yAxis("good req/s")
	good.SplitLine = &opts.SplitLine{Show: opts.Bool(false)}
	c := newRect(
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: name, NameLocation: "middle", NameGap: 24, Min: 0, SplitLine: &opts.SplitLine{Show: opts.Bool(false)}}),
		charts.WithYAxisOpts(good),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
	)
	c.ExtendYAxis(opts.YAxis{Type: "value", Name: "attainment %", Min: 0, Max: 100, SplitNumber: 5, AxisLabel: &opts.AxisLabel{}, SplitLine: &opts.SplitLine{Show: opts.Bool(true)}})
	var goodput, attain []opts.LineData
	for _, i := range view.Thin(len(a.Steps), view.MaxStepRows, markedSteps(a)...) {
		st := a.Steps[i]
		x := st.Level
		goodput = append(goodput, xy(x, st.GoodputRPS))
		var pct *float64
		if st.SLOAttainment != nil {
			v := *st.SLOAttainment * 100
			pct = &v
		}
		attain = append(attain, xy(x, pct))
	}
	if len(a.Steps) == 0 {
		c.SetGlobalOptions(emptyTitle())
	}
	sym := func(col string) []charts.SeriesOpts {
		return []charts.SeriesOpts{
			charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(true)}),
			charts.WithSeriesOpts(func(s *charts.SingleSeries) { s.Color = col }),
			charts.WithLineStyleOpts(opts.LineStyle{Color: col, Width: 2}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: col}),
		}
	}
	target := round(a.Settings.SLOTarget * 100)
	goodput, attain = byLevel(goodput), byLevel(attain)
	c.MultiSeries = append(c.MultiSeries,
		series(c, "goodput", goodput, append(sym(colRPS), capacityLine(a, true)...)...),
		series(c, "attainment %", attain, append(append(sym(colSLO),
			charts.WithSeriesOpts(func(ss *charts.SingleSeries) { ss.YAxisIndex = 1 })),
			horizontalLine("attainment target", target, colLimit, "{b} {c}%")...)...),
	)
	return c
}
