package view

import (
	"strings"

	"github.com/llmrec/llmrec/analyze/compare"
)

// Comparison is the view of `llmrep compare`: one table per metric,
// benchstat-like, a row per matched user level and one for the whole run
// ("all"), a column per run, each run after the baseline with its change.
type Comparison struct {
	Runs     int
	Baseline string
	Settings string
	Verdicts []Verdict
	RunTable Table
	// Capacity is each run's capacity and peak with their change against
	// the baseline.
	Capacity Table
	Sources  []Field
	// Servers are the runs' server-telemetry sentences, one per run that
	// has telemetry (none when no run has).
	Servers   []Field
	Metrics   []string // titles, in the order of c.Metrics
	Unmatched Table
	Warnings  []string
	More      int
	Defs      []Field
	c         *compare.Comparison
}

// Verdict is one run's verdict against the baseline.
type Verdict struct{ Run, Against, Outcome, Summary string }

// NewComparison builds the view of c.
func NewComparison(c *compare.Comparison) *Comparison {
	v := &Comparison{Runs: len(c.Runs), Baseline: Clean(c.Runs[0].Name), Settings: CompareSettings(c), c: c}
	for k, vd := range c.Verdicts {
		v.Verdicts = append(v.Verdicts, Verdict{Clip(Clean(vd.Run), 80), Clip(Clean(vd.Against), 80), Clean(vd.Outcome), Clean(VerdictSummary(c, k+1))})
	}
	v.RunTable = Table{Head: []string{"run", "users", "requests", "fail rate", "saturation", "growth", "baseline p95"}}
	v.Capacity = capacityTable(c)
	for _, r := range c.Runs {
		name := Clip(Clean(r.Name), 60)
		if r.Baseline {
			name += " (baseline)"
		}
		var req string
		var fr *float64
		if a := r.Analysis; a != nil {
			req, fr = Int(a.Overall.Requests), a.Overall.FailRate
		}
		v.RunTable.Rows = append(v.RunTable.Rows, []string{name, runLevels(r), req, Pct(fr), RunSaturation(r), Clean(r.Growth), RunBaselineP95(r)})
		v.Sources = append(v.Sources, Field{name, Clip(RunSource(r), 300)})
		if server := RunServer(r); server != "" {
			v.Servers = append(v.Servers, Field{name, Clean(server)})
		}
	}
	for _, m := range c.Metrics {
		v.Metrics = append(v.Metrics, MetricTitle(m, c.Settings.Metric))
	}
	v.Unmatched = Table{Head: []string{"users", "only in", "missing in", "p95 ms"}, Right: []bool{true}, Of: "levels"}
	if compareOpen(c) {
		v.RunTable.Head[1], v.Unmatched.Head[0] = levelHead(c), levelHead(c)
	}
	shown, cut := Ends(len(c.Unmatched), MaxStepRows)
	v.Unmatched.Cut, v.Unmatched.CutAt = cut, MaxStepRows/2
	for _, i := range shown {
		u := c.Unmatched[i]
		var p95 []string
		for i, val := range u.P95MS {
			if i < len(c.Runs) && c.Runs[i].Analysis != nil && contains(u.In, c.Runs[i].Name) {
				p95 = append(p95, Clip(Clean(c.Runs[i].Name), 16)+" "+MS(val))
			}
		}
		v.Unmatched.Rows = append(v.Unmatched.Rows, []string{levelLabel(u.Users, u.Rate), Clip(Clean(strings.Join(u.In, ", ")), 200),
			Clip(Clean(strings.Join(u.Missing, ", ")), 200), strings.Join(p95, ", ")})
	}
	v.Warnings, v.More = Warnings(WarningTexts(c.Warnings))
	v.Defs = Definitions(ComparisonDefinitions(c))
	return v
}

// Cell is one run's value of a metric at a level and, after the
// baseline, its change.
type Cell struct {
	Value, Change string
	// Direction is the change's: analyze.DirectionWorse, ...Better,
	// ...Same, or "" without a test.
	Direction string
}

// Row is one level of a metric's table ("all" for the whole run).
type Row struct {
	Users string
	All   bool
	Cells []Cell // one per run
}

// Rows are the rows of metric mi: the user levels (capped: Cut levels
// left out before row CutAt), then the whole run.
func (v *Comparison) Rows(mi int) (rows []Row, cut, cutAt int) {
	c := v.c
	row := func(label string, lc compare.LevelComparison, all bool) Row {
		m := lc.Metrics[mi]
		r := Row{Users: label, All: all}
		for i := range c.Runs {
			cell := Cell{Value: Value(m.Values[i], m.Unit)}
			switch {
			case i == 0:
			case m.Changes[i] != nil:
				cell.Change, cell.Direction = Change(m.Changes[i], m.Unit), m.Changes[i].Direction
			case (lc.Users > 0 || lc.Rate != nil) && lc.Steps[i] == nil:
				cell.Value, cell.Change = "not run", "-"
			default:
				cell.Change = NA
			}
			r.Cells = append(r.Cells, cell)
		}
		return r
	}
	shown, cut := Ends(len(c.Levels), MaxStepRows)
	for _, k := range shown {
		rows = append(rows, row(levelLabel(c.Levels[k].Users, c.Levels[k].Rate), c.Levels[k], false))
	}
	return append(rows, row("all", c.Overall, true)), cut, MaxStepRows / 2
}

// Names are the compared runs' names, cleaned.
func (v *Comparison) Names() []string {
	out := make([]string, len(v.c.Runs))
	for i, r := range v.c.Runs {
		out[i] = Clean(r.Name)
	}
	return out
}

// MetricTable is the table of metric mi over the runs of cols (indexes
// into the compared runs; 0 is the baseline), for text and Markdown.
// nameWidth clips the run names of the header.
func (v *Comparison) MetricTable(mi int, cols []int, nameWidth int) Table {
	names := v.Names()
	t := Table{Head: []string{levelHead(v.c)}, Right: []bool{true}, Of: "user levels"}
	for _, i := range cols {
		t.Head = append(t.Head, Clip(names[i], nameWidth))
		t.Right = append(t.Right, true)
		if i > 0 {
			t.Head = append(t.Head, "vs "+Clip(names[0], nameWidth-3))
			t.Right = append(t.Right, true)
		}
	}
	rows, cut, cutAt := v.Rows(mi)
	t.Cut, t.CutAt = cut, cutAt
	for _, r := range rows {
		cells := []string{r.Users}
		for _, i := range cols {
			cells = append(cells, r.Cells[i].Value)
			if i > 0 {
				cells = append(cells, r.Cells[i].Change)
			}
		}
		t.Rows = append(t.Rows, cells)
	}
	return t
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
