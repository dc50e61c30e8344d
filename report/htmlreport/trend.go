package htmlreport

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/llmrec/llmrec/analyze/compare"
	"github.com/llmrec/llmrec/report/view"
	"github.com/llmrec/llmrec/schemas"
)

// The trend page of `llmrep trend`: one chart per figure, the runs as
// points in order (hover: the run's label and file), the change point
// marked; the same safe machinery as the other pages (html/template, the
// options as JSON read by boot.js, ECharts inlined, the same CSP).

//go:embed trend.html.tmpl
var trendTemplate string

type trendPage struct {
	Title, Subtitle string
	Lines           []trendLine
	Charts          []chartSpec
	Warnings        []string
	MoreWarnings    int
	Generator       string
}

type trendLine struct{ Figure, Sentence, Class string }

// RenderTrend writes the HTML page of a trend to w; the same trend always
// gives the same bytes.
func RenderTrend(w io.Writer, t *compare.Trend) error {
	if t == nil || len(t.Runs) == 0 {
		return errors.New("render html: no trend")
	}
	p := &trendPage{Title: "Trend of " + strconv.Itoa(len(t.Runs)) + " runs", Subtitle: "ordered by " + view.Clip(view.Clean(t.By), 40),
		Generator: schemas.ToolVersion}
	p.Warnings, p.MoreWarnings = view.Warnings(view.WarningTexts(t.Warnings))
	for i, l := range t.Figures {
		class := "na"
		if cp := l.ChangePoint; cp != nil {
			class = map[string]string{compare.DirectionWorse: "bad", compare.DirectionBetter: "good"}[cp.Direction]
		}
		p.Lines = append(p.Lines, trendLine{Figure: view.TrendTitle(l.Figure), Sentence: view.ChangePointSentence(t, l), Class: class})
		opt, err := trendOptionsJSON(t, trendChart(t, l))
		if err != nil {
			return fmt.Errorf("render html: chart %s: %w", l.Figure, err)
		}
		p.Charts = append(p.Charts, chartSpec{ID: "chart-" + strconv.Itoa(i+1), Title: view.TrendTitle(l.Figure),
			Caption: view.ChangePointSentence(t, l), Options: opt})
	}
	return writePage(w, "trend", trendTemplate, p, 256<<10)
}

// trendLabels are the runs' labels, the category axis of every chart.
func trendLabels(t *compare.Trend) []string {
	labels := make([]string, len(t.Runs))
	for i, r := range t.Runs {
		labels[i] = view.Clip(view.Clean(r.Label), 40)
	}
	return labels
}

// trendOptionsJSON is optionsJSON with the category axis of the runs'
// labels (go-echarts keeps an axis's data only when set on a Line).
func trendOptionsJSON(t *compare.Trend, c *charts.RectChart) (json.RawMessage, error) {
	c.Validate()
	c.XAxisList[0].Data = trendLabels(t)
	b, err := json.Marshal(c.JSON())
	if err != nil {
		return nil, fmt.Errorf("encode options: %w", err)
	}
	return b, nil
}

// trendChart is one figure over the runs: a category axis of the runs'
// labels, a point per run named by its label and file (the tooltip), and
// the change point marked.
func trendChart(t *compare.Trend, l compare.TrendLine) *charts.RectChart {
	labels := trendLabels(t)
	data := make([]opts.LineData, len(t.Runs))
	for i, r := range t.Runs {
		name := labels[i] + " · " + view.Clip(view.Clean(filepath.Base(r.File)), 60)
		if v := l.Values[i]; v != nil {
			data[i] = opts.LineData{Name: name, Value: round(*v)}
		} else {
			data[i] = opts.LineData{Name: name, Value: "-"}
		}
	}
	c := newRect(
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Name: view.Clip(view.Clean(t.By), 40), NameLocation: "middle", NameGap: 24}),
		charts.WithYAxisOpts(yAxis(view.TrendHead(l.Figure))),
	)
	so := symbolLine(runColor(0))
	if cp := l.ChangePoint; cp != nil {
		so = append(so, charts.WithMarkLineNameXAxisItemOpts(opts.MarkLineNameXAxisItem{Name: "change point", XAxis: labels[cp.Index]}),
			charts.WithMarkLineStyleOpts(opts.MarkLineStyle{Symbol: []string{"none", "none"}, Label: &opts.Label{Show: opts.Bool(true), Formatter: "change point"}}))
	}
	if allNil(l.Values) {
		c.SetGlobalOptions(emptyTitle())
	}
	c.MultiSeries = append(c.MultiSeries, series(c, view.TrendTitle(l.Figure), data, so...))
	return c
}
