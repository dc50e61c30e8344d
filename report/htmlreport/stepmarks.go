package htmlreport

import (
	"strconv"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/llmrec/llmrec/analyze"
)

// maxStepMarks is the most step boundaries a time chart marks; a run with
// more steps gets none (they would fill the plot).
const maxStepMarks = 40

// stepBoundaries marks the start of every step after the first on a time
// chart (where it started: analyze.Shape.StepSpan), as faint dotted
// vertical lines; none for a run without a step time or with more than
// maxStepMarks steps.
func stepBoundaries(a *analyze.Analysis) []charts.SeriesOpts {
	sh, end := a.Run.Shape, a.Run.DurationS
	if sh.StepTimeS <= 0 || end <= 0 {
		return nil
	}
	var out []charts.SeriesOpts
	for k := 2; ; k++ {
		start, _, ok := sh.StepSpan(k)
		if !ok || !(start < end) {
			break
		}
		if len(out) == maxStepMarks {
			return nil
		}
		out = append(out, charts.WithMarkLineNameXAxisItemOpts(opts.MarkLineNameXAxisItem{Name: "step " + strconv.Itoa(k), XAxis: round(start)}))
	}
	if len(out) == 0 {
		return nil
	}
	return append(out, charts.WithMarkLineStyleOpts(opts.MarkLineStyle{
		Symbol:    []string{"none", "none"},
		Label:     &opts.Label{Show: opts.Bool(false)},
		LineStyle: &opts.LineStyle{Color: "#d1d5db", Type: "dotted", Width: 1},
	}))
}

// saturationTime marks, on a time chart, the start of the step where the
// run saturated, labelled; none when it did not or has no step time.
func saturationTime(a *analyze.Analysis) []charts.SeriesOpts {
	sat := a.Saturation
	if !sat.Reached || sat.Step == nil || a.Run.Shape.StepTimeS <= 0 {
		return nil
	}
	start, _, ok := a.Run.Shape.StepSpan(*sat.Step)
	if !ok {
		return nil
	}
	return []charts.SeriesOpts{
		charts.WithMarkLineNameXAxisItemOpts(opts.MarkLineNameXAxisItem{Name: "saturated (step " + strconv.Itoa(*sat.Step) + ")", XAxis: round(start)}),
		charts.WithMarkLineStyleOpts(opts.MarkLineStyle{
			Symbol:    []string{"none", "none"},
			Label:     &opts.Label{Show: opts.Bool(true), Position: "insideEndTop", Formatter: "{b}", Color: colFail},
			LineStyle: &opts.LineStyle{Color: colFail, Type: dashed, Width: 1.5},
		}),
	}
}
