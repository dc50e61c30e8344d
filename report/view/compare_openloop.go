package view

import (
	"fmt"
	"strconv"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/compare"
)

// Comparisons of open loops (docs/METHOD.md, "Open-loop arrivals") match
// levels by offered rate: their tables and sentences name rates where a
// closed comparison names users.

// compareOpen reports whether c compares open-loop runs.
func compareOpen(c *compare.Comparison) bool {
	for _, r := range c.Runs {
		if len(r.Rates) > 0 || r.Saturation.MaxRate != nil {
			return true
		}
	}
	return false
}

// levelLabel is a level in a table cell: "20" users, or "12.5/s" offered.
func levelLabel(users int, rate *float64) string {
	if rate != nil {
		return strconv.FormatFloat(*rate, 'f', -1, 64) + "/s"
	}
	return Int(users)
}

// levelHead is the head of a comparison's level column.
func levelHead(c *compare.Comparison) string {
	if compareOpen(c) {
		return "offered"
	}
	return "users"
}

// runLevels is a compared run's range of levels: users, or offered rates.
func runLevels(r compare.CompareRun) string {
	switch n := len(r.Rates); n {
	case 0:
		return Users(r.Users)
	case 1:
		return levelLabel(0, &r.Rates[0])
	default:
		return levelLabel(0, &r.Rates[0]) + "-" + levelLabel(0, &r.Rates[n-1])
	}
}

// openSaturationSentence compares two open-loop runs' saturation points
// by offered rate.
func openSaturationSentence(run, base compare.CompareRun) string {
	rs, bs := run.Saturation, base.Saturation
	at := func(s analyze.Saturation) string { return Level(0, s.Rate) }
	upTo := func(s analyze.Saturation) string {
		if s.MaxRate == nil {
			return NA
		}
		return Level(0, s.MaxRate)
	}
	switch {
	case rs.Reached && bs.Reached && rs.Rate != nil && bs.Rate != nil:
		s := fmt.Sprintf("%s saturates at %s vs %s for %s", run.Name, at(rs), at(bs), base.Name)
		if *bs.Rate > 0 {
			s += fmt.Sprintf(" (%+.0f%%)", 100*(*rs.Rate-*bs.Rate) / *bs.Rate)
		}
		return s
	case rs.Reached && rs.Rate != nil:
		return fmt.Sprintf("%s saturates at %s; %s does not up to %s", run.Name, at(rs), base.Name, upTo(bs))
	case bs.Reached && bs.Rate != nil:
		return fmt.Sprintf("%s does not saturate up to %s; %s saturates at %s", run.Name, upTo(rs), base.Name, at(bs))
	}
	return fmt.Sprintf("neither saturates (%s up to %s, %s up to %s)", run.Name, upTo(rs), base.Name, upTo(bs))
}

// LevelName names the compared levels: "users", or "offered rate" when
// the runs are open loops.
func (v *Comparison) LevelName() string {
	if compareOpen(v.c) {
		return "offered rate"
	}
	return "users"
}
