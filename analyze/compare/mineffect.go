package compare

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The minimum effect of compare and check (--min-effect): a change smaller
// than it is "same" whatever its p-value; a larger one is judged by its
// significance test as before. A test on thousands of requests finds a
// 1% shift significant, and a reviewer learns to skip a report that
// flags one; the threshold says what size of change matters (benchstat's
// lesson).

// MinEffect is the smallest change that counts: Relative for figures
// compared relatively (latencies, requests/s, tokens/s, goodput,
// capacity), as a fraction (0.05 is ±5%); Points for rates (failure rate,
// SLO attainment), as a difference of the fractions (0.01 is ±1 point).
// The zero value counts every significant change.
type MinEffect struct {
	Relative float64 `json:"relative"`
	Points   float64 `json:"points"`
}

// DefaultMinEffect is ±5% for figures and ±1 point for rates.
var DefaultMinEffect = MinEffect{Relative: 0.05, Points: 0.01}

// ParseMinEffect reads --min-effect: "0" (every significant change
// counts), or one or two comma-separated thresholds, a percentage for
// figures ("5%") and points for rates ("1pp"); a threshold not given
// keeps its default ("10%" is ±10% and ±1 point).
func ParseMinEffect(s string) (MinEffect, error) {
	s = strings.TrimSpace(s)
	if s == "0" {
		return MinEffect{}, nil
	}
	m := DefaultMinEffect
	seen := map[string]bool{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		var num, kind string
		switch {
		case strings.HasSuffix(part, "pp"):
			num, kind = strings.TrimSuffix(part, "pp"), "pp"
		case strings.HasSuffix(part, "%"):
			num, kind = strings.TrimSuffix(part, "%"), "%"
		default:
			return MinEffect{}, fmt.Errorf("min effect %q: give a percentage for figures and points for rates, e.g. 5%%,1pp (or 0 to count every significant change)", part)
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
		if err != nil || math.IsNaN(v) || v < 0 || v >= 100 {
			return MinEffect{}, fmt.Errorf("min effect %q: want a number from 0 to under 100 before %s", part, kind)
		}
		if seen[kind] {
			return MinEffect{}, fmt.Errorf("min effect %q: %s given twice", s, kind)
		}
		seen[kind] = true
		if kind == "pp" {
			m.Points = v / 100
		} else {
			m.Relative = v / 100
		}
	}
	return m, nil
}

// String is the thresholds as --min-effect takes them: "5%,1pp".
func (m MinEffect) String() string {
	return pctNum(m.Relative) + "%," + pctNum(m.Points) + "pp"
}

// Words are the thresholds in a sentence: "±5% (±1 point for rates)".
func (m MinEffect) Words() string {
	if m == (MinEffect{}) {
		return "none"
	}
	return m.RelativeWords() + " (" + m.PointsWords() + " for rates)"
}

// PointsWords is the threshold of rates: "±1 point", "±2.5 points".
func (m MinEffect) PointsWords() string {
	if pctNum(m.Points) == "1" {
		return "±1 point"
	}
	return "±" + pctNum(m.Points) + " points"
}

// RelativeWords is the threshold of figures: "±5%".
func (m MinEffect) RelativeWords() string { return "±" + pctNum(m.Relative) + "%" }

// pctNum prints a fraction in percent with as few digits as it needs.
func pctNum(f float64) string {
	return strconv.FormatFloat(math.Round(f*1e6)/1e4, 'f', -1, 64)
}

// Threshold is the minimum effect for a change of unit, and whether it is
// a difference (rates) rather than a relative change.
func (m MinEffect) Threshold(unit string) (float64, bool) {
	if unit == UnitRate {
		return m.Points, true
	}
	return m.Relative, false
}

// Negligible reports whether ch (of unit) is smaller than the minimum
// effect. A change from a base of 0 is compared by its difference only
// when it is one (rates); otherwise it is never negligible unless it is 0.
func (m MinEffect) Negligible(unit string, ch *Change) bool {
	t, diff := m.Threshold(unit)
	if ch == nil || ch.Delta == nil || t == 0 {
		return false
	}
	switch {
	case diff:
		return math.Abs(*ch.Delta) < t
	case ch.Relative != nil:
		return math.Abs(*ch.Relative) < t
	}
	return *ch.Delta == 0
}
