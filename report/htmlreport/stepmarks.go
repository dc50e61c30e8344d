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
// chart, as faint dotted vertical lines; none for a run without a step
// time or with more than maxStepMarks steps.
func stepBoundaries(a *analyze.Analysis) []charts.SeriesOpts {
	stepT, end := a.Run.Shape.StepTimeS, a.Run.DurationS
	if stepT <= 0 || end <= 0 || end/stepT > maxStepMarks+1 {
		return nil
	}
	var out []charts.SeriesOpts
	for k := 1; float64(k)*stepT < end; k++ {
		out = append(out, charts.WithMarkLineNameXAxisItemOpts(opts.MarkLineNameXAxisItem{Name: "step " + strconv.Itoa(k+1), XAxis: round(float64(k) * stepT)}))
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
	sat, stepT := a.Saturation, a.Run.Shape.StepTimeS
	if !sat.Reached || sat.Step == nil || stepT <= 0 {
		return nil
	}
	return []charts.SeriesOpts{
		charts.WithMarkLineNameXAxisItemOpts(opts.MarkLineNameXAxisItem{Name: "saturated (step " + strconv.Itoa(*sat.Step) + ")", XAxis: round(float64(*sat.Step-1) * stepT)}),
		charts.WithMarkLineStyleOpts(opts.MarkLineStyle{
			Symbol:    []string{"none", "none"},
			Label:     &opts.Label{Show: opts.Bool(true), Position: "insideEndTop", Formatter: "{b}", Color: colFail},
			LineStyle: &opts.LineStyle{Color: colFail, Type: dashed, Width: 1.5},
		}),
	}
}
