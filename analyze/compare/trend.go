package compare

import (
	"cmp"
	"errors"
	"github.com/llmrec/llmrec/analyze"
	"math"
	"slices"
	"strconv"
	"time"
)

// Trends over many runs (`llmrep trend`): one point per run, ordered, for
// the figures a comparison weighs, and the change point of each figure:
// the first run after which the figure moved beyond the minimum effect and
// stayed there.

// TrendFormatVersion is the version of the Trend document.
const TrendFormatVersion = 1

// Orders of a trend (TrendOptions.By); any other value names a label.
const (
	ByDate   = "date"   // the runs' start time
	ByCommit = "commit" // the label "commit" names each point; ordered by start time
)

// TrendFigures are the figures of a trend, in order.
var TrendFigures = []string{"p95", "capacity", "goodput", "peak_tokens_per_s", "fail_rate"}

// TrendOptions are what a trend reads.
type TrendOptions struct {
	// By orders the runs: ByDate, ByCommit, or a label's name (its values
	// compared as numbers when they all are, else as text).
	By string
	// Users, when not 0, reads p95 at the first step with that many users
	// (or offered req/s in an open loop) rather than the whole run.
	Users     int
	MinEffect MinEffect
}

// Trend is the figures of many runs, one point each.
type Trend struct {
	FormatVersion int         `json:"format_version"`
	By            string      `json:"by"`
	Users         int         `json:"users"`
	MinEffect     MinEffect   `json:"min_effect"`
	Runs          []TrendRun  `json:"runs"`
	Figures       []TrendLine `json:"figures"`
	// Warnings are facts report/view words (TrendNoLabelFact,
	// TrendNoLevelFact), then written as sentences.
	Warnings []analyze.Warning `json:"warnings"`
}

// TrendNoLabelFact: the run of File has no label Label (the trend's
// order): it is ordered first, by its start time.
type TrendNoLabelFact struct{ File, Label string }

// TrendNoLevelFact: the run of File has no step at level Level (the
// trend's p95 at a level): its point is missing.
type TrendNoLevelFact struct {
	File  string
	Level int
}

func (TrendNoLabelFact) WarningFact() {}
func (TrendNoLevelFact) WarningFact() {}

// TrendRun is one point of a trend.
type TrendRun struct {
	// Label is what names the point on the axis: the start time, the
	// commit, or the label's value.
	Label     string    `json:"label"`
	File      string    `json:"file"`
	RunID     string    `json:"run_id"`
	StartedAt time.Time `json:"started_at"`
}

// TrendLine is one figure over the runs.
type TrendLine struct {
	Figure string     `json:"figure"`
	Unit   string     `json:"unit"`
	Values []*float64 `json:"values"`
	// ChangePoint is the first run after which the figure moved, nil when
	// none did.
	ChangePoint *ChangePoint `json:"change_point"`
}

// ChangePoint is where a figure moved: from run Index on (0-based; Run is
// its label), every value is beyond the minimum effect from Before (the
// median of the runs before it) in one direction; After is the median of
// the runs from it on.
type ChangePoint struct {
	Index     int      `json:"index"`
	Run       string   `json:"run"`
	Before    float64  `json:"before"`
	After     float64  `json:"after"`
	Delta     float64  `json:"delta"`
	Relative  *float64 `json:"relative"`
	Direction string   `json:"direction"`
}

// MinTrendWindow is the fewest runs on each side of a change point: one
// run beyond the others is not yet a change that stayed (check gates the
// newest run).
const MinTrendWindow = 2

// NewTrend orders the analyses and reads their figures. files[i] is the
// file of runs[i].
func NewTrend(runs []*analyze.Analysis, files []string, o TrendOptions) (*Trend, error) {
	if len(runs) != len(files) {
		return nil, errors.New("trend: one file per run")
	}
	if len(runs) == 0 {
		return nil, errors.New("trend needs at least one run")
	}
	if o.By == "" {
		o.By = ByDate
	}
	t := &Trend{FormatVersion: TrendFormatVersion, By: o.By, Users: o.Users, MinEffect: o.MinEffect, Runs: []TrendRun{}, Figures: []TrendLine{}, Warnings: []analyze.Warning{}}
	idx, label := trendOrder(t, runs, files, o.By)
	for _, i := range idx {
		a := runs[i]
		t.Runs = append(t.Runs, TrendRun{Label: label(i), File: files[i], RunID: a.Run.RunID, StartedAt: a.Run.StartedAt})
	}
	for _, f := range TrendFigures {
		line := TrendLine{Figure: f, Unit: trendUnit(f)}
		for _, i := range idx {
			v, ok := trendValue(runs[i], f, o.Users)
			if !ok {
				t.Warnings = append(t.Warnings, analyze.Warning{Fact: TrendNoLevelFact{File: files[i], Level: o.Users}})
			}
			line.Values = append(line.Values, v)
		}
		line.ChangePoint = changePoint(line.Values, line.Unit, o.MinEffect)
		if cp := line.ChangePoint; cp != nil {
			cp.Run = t.Runs[cp.Index].Label
			cp.Direction = DirectionBetter
			if (cp.Delta > 0) == worseUp(f) {
				cp.Direction = DirectionWorse
			}
		}
		t.Figures = append(t.Figures, line)
	}
	return t, nil
}

// trendOrder orders the runs by label by (a date, a commit, or any
// label: numerically when every run's is a number), then by start time,
// and returns their indexes in that order and each run's label. A run
// without the label is warned of in t.
func trendOrder(t *Trend, runs []*analyze.Analysis, files []string, by string) ([]int, func(int) string) {
	idx := make([]int, len(runs))
	for i := range idx {
		idx[i] = i
	}
	label := func(i int) string {
		a := runs[i]
		switch by {
		case ByDate:
			return a.Run.StartedAt.UTC().Format(time.RFC3339)
		case ByCommit:
			return a.Run.Labels["commit"]
		}
		return a.Run.Labels[by]
	}
	numeric := true
	for i := range runs {
		if _, err := strconv.ParseFloat(label(i), 64); err != nil {
			numeric = false
		}
		if by != ByDate && label(i) == "" {
			t.Warnings = append(t.Warnings, analyze.Warning{Fact: TrendNoLabelFact{File: files[i], Label: by}})
		}
	}
	slices.SortStableFunc(idx, func(x, y int) int {
		switch {
		case by == ByDate || by == ByCommit:
		case numeric:
			a, _ := strconv.ParseFloat(label(x), 64)
			b, _ := strconv.ParseFloat(label(y), 64)
			if c := cmp.Compare(a, b); c != 0 {
				return c
			}
		default:
			if c := cmp.Compare(label(x), label(y)); c != 0 {
				return c
			}
		}
		return runs[x].Run.StartedAt.Compare(runs[y].Run.StartedAt)
	})
	return idx, label
}

func trendUnit(figure string) string {
	switch figure {
	case "p95":
		return UnitMS
	case "fail_rate":
		return UnitRate
	case "capacity":
		return UnitLevel
	}
	return UnitPerS
}

// worseUp reports whether a higher value of figure is worse.
func worseUp(figure string) bool { return figure == "p95" || figure == "fail_rate" }

// trendValue reads figure of run a (p95 at users when not 0); false when
// a has no step at that level.
func trendValue(a *analyze.Analysis, figure string, users int) (*float64, bool) {
	switch figure {
	case "p95":
		if users == 0 {
			return a.Overall.Latency.P95MS, true
		}
		for i := range a.Steps {
			if st := &a.Steps[i]; int(math.Round(st.Level)) == users {
				return st.Latency.P95MS, true
			}
		}
		return nil, false
	case "capacity":
		return a.Capacity.Level, true
	case "goodput":
		return a.Overall.Goodput.GoodputRPS, true
	case "peak_tokens_per_s":
		return a.Peak.OutputTokensPerS, true
	case "fail_rate":
		return a.Overall.FailRate, true
	}
	return nil, true
}

// changePoint is the first index k, with at least MinTrendWindow runs
// before it and from it on, such that every value from k on lies beyond
// the minimum effect from the median of the values before k, all on the
// same side. Missing values are skipped.
func changePoint(values []*float64, unit string, me MinEffect) *ChangePoint {
	for k := MinTrendWindow; k+MinTrendWindow <= len(values); k++ {
		before, after := presentValues(values[:k]), presentValues(values[k:])
		if len(before) < MinTrendWindow || len(after) < MinTrendWindow {
			continue
		}
		base := MedianOf(before)
		side := 0
		ok := true
		for _, v := range after {
			ch := &Change{Delta: ptr(v - base)}
			if base != 0 {
				ch.Relative = ptr((v - base) / base)
			}
			s := cmp.Compare(v, base)
			if s == 0 || me.Negligible(unit, ch) || (side != 0 && s != side) {
				ok = false
				break
			}
			side = s
		}
		if !ok {
			continue
		}
		cp := &ChangePoint{Index: k, Before: base, After: MedianOf(after)}
		cp.Delta = cp.After - base
		if base != 0 {
			cp.Relative = ptr(cp.Delta / base)
		}
		return cp
	}
	return nil
}

func presentValues(vs []*float64) []float64 {
	var out []float64
	for _, v := range vs {
		if v != nil && !math.IsNaN(*v) {
			out = append(out, *v)
		}
	}
	return out
}

// MedianOf is the median of vs (not empty).
func MedianOf(vs []float64) float64 {
	s := slices.Clone(vs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
