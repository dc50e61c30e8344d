package view

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/llmrec/llmrec/analyze/compare"
)

// NA is printed for a figure with no samples, never 0.
const NA = "n/a"

// MS prints milliseconds for a table: one decimal below 1000, none above.
func MS(v *float64) string {
	if v == nil || !finite(*v) {
		return NA
	}
	if math.Abs(*v) >= 1000 {
		return fmt.Sprintf("%.0f", *v)
	}
	return fmt.Sprintf("%.1f", *v)
}

// Duration prints milliseconds with a unit that suits the size, for
// sentences ("850ms", "1.25s", "12.0s").
func Duration(v *float64) string {
	if v == nil || !finite(*v) {
		return NA
	}
	x := *v
	switch {
	case x >= 10000:
		return fmt.Sprintf("%.1fs", x/1000)
	case x >= 1000:
		return fmt.Sprintf("%.2fs", x/1000)
	case x >= 100:
		return fmt.Sprintf("%.0fms", x)
	case x >= 1:
		return fmt.Sprintf("%.1fms", x)
	}
	return fmt.Sprintf("%.3fms", x)
}

// Pct prints a fraction as a percentage with two decimals.
func Pct(v *float64) string {
	if v == nil || !finite(*v) {
		return NA
	}
	return fmt.Sprintf("%.2f%%", *v*100)
}

// Num prints v with prec decimals.
func Num(v *float64, prec int) string {
	if v == nil || !finite(*v) {
		return NA
	}
	return fmt.Sprintf("%.*f", prec, *v)
}

// Ratio prints a ratio such as p99/p50: "1.72x".
func Ratio(v *float64) string {
	if v == nil || !finite(*v) {
		return NA
	}
	return fmt.Sprintf("%.2fx", *v)
}

// Factor prints a setting such as the latency threshold with as few
// digits as it needs: "2x", "1.5x".
func Factor(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64) + "x"
}

// Secs prints a span given in seconds like a Go duration, to 0.1 s.
func Secs(s float64) string {
	if !finite(s) {
		return NA
	}
	return (time.Duration(math.Round(s*10)) * time.Second / 10).String()
}

// Stamp prints an instant in UTC, RFC 3339.
func Stamp(t time.Time) string {
	if t.IsZero() {
		return NA
	}
	return t.UTC().Format(time.RFC3339)
}

// Int prints a count.
func Int[T ~int | ~int64](n T) string { return strconv.FormatInt(int64(n), 10) }

// Value prints a metric value in its unit, for a table.
func Value(v *float64, unit string) string {
	switch unit {
	case compare.UnitMS:
		return MS(v)
	case compare.UnitRate:
		return Pct(v)
	}
	return Num(v, 2)
}

// Change prints a change against a baseline the way every report does,
// benchstat-like: "+23.0% (p=0.002)" when significant, "~ (p=0.410)"
// when not, "~ +3.1% (p=0.004, within ±5%)" when below the minimum
// effect; a failure rate changes in percentage points ("+1.20pp"). A
// change without a test prints the difference alone; nil is "n/a".
func Change(ch *compare.Change, unit string) string {
	if ch == nil {
		return NA
	}
	var d string
	switch {
	case unit == compare.UnitRate:
		d = fmt.Sprintf("%+.2fpp", *ch.Delta*100)
	case ch.Relative != nil:
		d = fmt.Sprintf("%+.1f%%", *ch.Relative*100)
	default:
		d = "+" + strconv.FormatFloat(*ch.Delta, 'g', 4, 64) + " from 0"
	}
	if ch.P == nil {
		return d
	}
	if !ch.Significant {
		return "~ (" + pValue(*ch.P) + ")"
	}
	if ch.Negligible {
		return "~ " + d + " (" + pValue(*ch.P) + ", within ±" + minEffectText(ch.MinEffect, unit) + ")"
	}
	return d + " (" + pValue(*ch.P) + ")"
}

// minEffectText prints a minimum effect in a change's terms: "5%",
// "1pp" (rates), to at most 4 decimals of a percent.
func minEffectText(t float64, unit string) string {
	n := strconv.FormatFloat(math.Round(t*1e6)/1e4, 'f', -1, 64)
	if unit == compare.UnitRate {
		return n + "pp"
	}
	return n + "%"
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Level names a load level, the one wording of a level in every report:
// "20 users", "1 user" in a closed loop, or an open loop's offered rate,
// "12.5 req/s offered" (rate is nil in a closed loop). The rate is printed
// to the level model's resolution, a thousandth of a req/s (analyze.KeyRate:
// rates that print alike are one level), in its shortest digits: 12345
// req/s is "12345", 0.1+0.2 is "0.3", 2.0004 is "2".
func Level(users int, rate *float64) string {
	if rate != nil {
		return strconv.FormatFloat(math.Round(*rate*1000)/1000, 'f', -1, 64) + " req/s offered"
	}
	return Plural(users, "user", "users")
}

// Count prints a count that may be unknown: "n/a" for nil.
func Count(n *int64) string {
	if n == nil {
		return NA
	}
	return Int(*n)
}
