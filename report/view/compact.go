package view

import (
	"fmt"

	"github.com/llmrec/llmrec/analyze/compare"
)

// The compact comparison: what a reviewer reads first in a pull-request
// comment. One short table a run after the baseline: the verdict, each
// run's capacity and saturation point, and p95 at every shared level with
// its change and a mark (better, worse, same); at most five columns, each
// row short enough for 80 characters. Everything else of a comparison
// stays in the full tables.

// MaxCompactLevels caps the levels of a compact table (the first and last
// halves are kept, the cut is said).
const MaxCompactLevels = 16

// Marks of a compact row.
const (
	MarkWorse  = "worse"
	MarkBetter = "better"
	MarkSame   = "same"
)

// Compact is the compact table of run i (1 or more) against the
// baseline: columns "", the baseline, the run, change, mark.
func (v *Comparison) Compact(i int) Table {
	c := v.c
	base, run := c.Runs[0], c.Runs[i]
	t := Table{
		Head:  []string{"", Clip(Clean(base.Name), 18) + " (base)", Clip(Clean(run.Name), 18), "change", "mark"},
		Right: []bool{false, true, true, true, false},
		Of:    "levels",
	}
	t.Rows = append(t.Rows, []string{"verdict", "", "", "", Clean(c.Verdicts[i-1].Outcome)})
	t.Rows = append(t.Rows, []string{"capacity", compactCapacity(base), compactCapacity(run),
		plainChange(run.CapacityChange, false), markOf(run.CapacityChange)})
	satChange := ""
	if rs, bs := run.Saturation, base.Saturation; rs.Reached && bs.Reached && rs.Level != nil && bs.Level != nil && *bs.Level > 0 {
		satChange = signedPct((*rs.Level - *bs.Level) / *bs.Level)
	}
	t.Rows = append(t.Rows, []string{"saturation", compactSaturation(base), compactSaturation(run), satChange,
		mark(compare.SaturationDirection(run.Saturation, base.Saturation))})
	shown, cut := Ends(len(c.Levels), MaxCompactLevels)
	t.Cut, t.CutAt = cut, 3+MaxCompactLevels/2
	for _, k := range shown {
		lc := c.Levels[k]
		m := lc.Metrics[metricIndex(c, "p95")]
		label := "p95 @ " + compactLevel(lc.Users, lc.Rate)
		if lc.Steps[i] == nil {
			t.Rows = append(t.Rows, []string{label, compactMS(m.Values[0]), "not run", "", ""})
			continue
		}
		ch := m.Changes[i]
		t.Rows = append(t.Rows, []string{label, compactMS(m.Values[0]), compactMS(m.Values[i]), relChange(ch, m.Unit), markOf(ch)})
	}
	return t
}

// CompactTitle heads the compact table of run i: "v2 vs v1: worse".
func (v *Comparison) CompactTitle(i int) string {
	c := v.c
	return fmt.Sprintf("%s vs %s: %s", Clip(Clean(c.Runs[i].Name), 40), Clip(Clean(c.Runs[0].Name), 40), Clean(c.Verdicts[i-1].Outcome))
}

// metricIndex is the index of metric name in c.Metrics (p95 is always
// compared).
func metricIndex(c *compare.Comparison, name string) int {
	for i, m := range c.Metrics {
		if m == name {
			return i
		}
	}
	return 0
}

// compactLevel names a level in a compact row: "20 users", "12.5/s".
func compactLevel(users int, rate *float64) string {
	if rate != nil {
		return levelLabel(0, rate)
	}
	return Plural(users, "user", "users")
}

// compactMS prints a latency with its unit, short: "812 ms", "1.62 s".
func compactMS(v *float64) string {
	if v == nil || !finite(*v) {
		return NA
	}
	switch x := *v; {
	case x >= 10000:
		return fmt.Sprintf("%.1f s", x/1000)
	case x >= 1000:
		return fmt.Sprintf("%.2f s", x/1000)
	case x >= 10:
		return fmt.Sprintf("%.0f ms", x)
	default:
		return fmt.Sprintf("%.1f ms", x)
	}
}

// relChange is a change without its test: "+22.9%", "+0.20pp".
func relChange(ch *compare.Change, unit string) string {
	switch {
	case ch == nil || ch.Delta == nil:
		return NA
	case unit == compare.UnitRate:
		return fmt.Sprintf("%+.2fpp", *ch.Delta*100)
	case ch.Relative == nil:
		return NA
	}
	return fmt.Sprintf("%+.1f%%", *ch.Relative*100)
}

// markOf is the mark of a change: its direction; "same" when untested.
func markOf(ch *compare.Change) string {
	if ch == nil {
		return ""
	}
	return mark(ch.Direction)
}

func mark(direction string) string {
	switch direction {
	case compare.DirectionWorse:
		return MarkWorse
	case compare.DirectionBetter:
		return MarkBetter
	}
	return MarkSame
}

// compactCapacity is a run's capacity in a cell: "30 users", ">=60 users".
func compactCapacity(r compare.CompareRun) string {
	k := r.Capacity
	switch {
	case k.Level != nil && k.Bounded:
		return levelWords(k.LevelKind, *k.Level)
	case k.Level != nil:
		return ">=" + levelWords(k.LevelKind, *k.Level)
	case r.Analysis != nil && len(r.Analysis.Steps) > 0:
		return "none"
	}
	return NA
}

// compactSaturation is a run's saturation point in a cell: "40 users",
// "none <=60" (not reached up to 60 users).
func compactSaturation(r compare.CompareRun) string {
	s := r.Saturation
	switch {
	case s.Reached && s.Level != nil:
		return compactLevel(int(*s.Level), s.Rate)
	case r.BaselineP95 == nil:
		return "not judged"
	case s.MaxRate != nil:
		return "none to " + levelLabel(0, s.MaxRate)
	}
	return fmt.Sprintf("none to %d", s.MaxUsers)
}
