package view

import (
	"fmt"

	"github.com/llmrec/llmrec/analyze/compare"
)

// TrendHead names a figure in a table's head, short.
func TrendHead(figure string) string {
	switch figure {
	case "p95":
		return "p95 ms"
	case "goodput":
		return "goodput/s"
	case "peak_tokens_per_s":
		return "peak tok/s"
	case "fail_rate":
		return "fail rate"
	}
	return Clean(figure)
}

// TrendTitle names a figure of a trend.
func TrendTitle(figure string) string {
	switch figure {
	case "p95":
		return "p95 latency (ms)"
	case "capacity":
		return "capacity"
	case "goodput":
		return "goodput (good req/s)"
	case "peak_tokens_per_s":
		return "peak output tokens/s"
	case "fail_rate":
		return "failure rate"
	}
	return Clean(figure)
}

// TrendValue prints a trend's value in its unit.
func TrendValue(v *float64, unit string) string {
	if unit == compare.UnitLevel {
		return Num(v, 0)
	}
	return Value(v, unit)
}

// ChangePointSentence words where a figure moved: "worse from 4 on: 620.1
// before, 1240 after (+100%)"; "no change beyond ±5%" when none.
func ChangePointSentence(t *compare.Trend, l compare.TrendLine) string {
	cp := l.ChangePoint
	if cp == nil {
		some := false
		for _, v := range l.Values {
			some = some || v != nil
		}
		if !some {
			return "no value in any run"
		}
		limit := t.MinEffect.RelativeWords()
		if l.Unit == compare.UnitRate {
			limit = t.MinEffect.PointsWords()
		}
		return "no change beyond " + limit + " that stayed"
	}
	change := NA
	switch {
	case l.Unit == compare.UnitRate:
		change = fmt.Sprintf("%+.2fpp", cp.Delta*100)
	case cp.Relative != nil:
		change = signedPct(*cp.Relative)
	}
	return fmt.Sprintf("%s from %s on: %s before, %s after (%s)", cp.Direction, Clip(Clean(cp.Run), 60),
		TrendValue(&cp.Before, l.Unit), TrendValue(&cp.After, l.Unit), change)
}
