package view

import (
	"github.com/llmrec/llmrec/analyze"
)

// PercentileTable lays out the --percentiles: one row a distribution (the
// selected metric overall and by step, then the LLM figures), one column a
// percentile. No rows when none was asked for.
func PercentileTable(a *analyze.Analysis) Table {
	ps := a.Settings.Percentiles
	if len(ps) == 0 {
		return Table{}
	}
	t := Table{Head: []string{"figure", "samples"}, Right: []bool{false, true}, Of: "steps"}
	for _, p := range ps {
		t.Head = append(t.Head, analyze.PercentileName(p))
		t.Right = append(t.Right, true)
	}
	row := func(name string, n int64, vs []analyze.Percentile, prec int) {
		r := []string{name, Int(n)}
		for _, p := range ps {
			var v *float64
			for _, x := range vs {
				if x.P == p {
					v = x.V
				}
			}
			r = append(r, Num(v, prec))
		}
		t.Rows = append(t.Rows, r)
	}
	metric := Clean(a.Settings.Metric) + " ms"
	row(metric, a.Overall.Samples, a.Overall.Percentiles, 1)
	shown, cut := Ends(len(a.Steps), MaxStepRows)
	t.Cut, t.CutAt = cut, MaxStepRows/2+1
	for _, i := range shown {
		s := a.Steps[i]
		row("step "+Int(int64(s.Step))+" "+metric, s.Samples, s.Percentiles, 1)
	}
	if l := a.LLM; l != nil {
		row("TTFT ms", l.TTFT.Samples, l.TTFT.Percentiles, 1)
		row("TPOT ms", l.TPOT.Samples, l.TPOT.Percentiles, 2)
		if l.ITL != nil {
			row("ITL ms (chunk gaps)", l.ITL.Samples, l.ITL.Percentiles, 2)
		}
		if l.Stalls != nil {
			row("longest gap ms", l.Stalls.LongestGap.Samples, l.Stalls.LongestGap.Percentiles, 1)
		}
	}
	return t
}
