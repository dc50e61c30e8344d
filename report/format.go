package report

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// na is printed for a figure with no samples, never 0.
const na = "n/a"

// ms prints milliseconds: one decimal below 1000, none above.
func ms(v *float64) string {
	if v == nil {
		return na
	}
	if math.Abs(*v) >= 1000 {
		return fmt.Sprintf("%.0f", *v)
	}
	return fmt.Sprintf("%.1f", *v)
}

// human prints milliseconds with a unit that suits the size.
func human(v *float64) string {
	if v == nil {
		return na
	}
	x := *v
	switch {
	case x >= 10000:
		return fmt.Sprintf("%.1fs", x/1000)
	case x >= 1000:
		return fmt.Sprintf("%.2fs", x/1000)
	case x >= 100:
		return fmt.Sprintf("%.0fms", x)
	}
	return fmt.Sprintf("%.1fms", x)
}

func pct(v *float64) string {
	if v == nil {
		return na
	}
	return fmt.Sprintf("%.2f%%", *v*100)
}

func num(v *float64, prec int) string {
	if v == nil {
		return na
	}
	return fmt.Sprintf("%.*f", prec, *v)
}

func ratio(v *float64) string {
	if v == nil {
		return na
	}
	return fmt.Sprintf("%.2fx", *v)
}

func secs(s float64) string {
	return (time.Duration(math.Round(s*10)) * time.Second / 10).String()
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return na
	}
	return t.UTC().Format(time.RFC3339)
}

// clip shortens s to n runes, marking the cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// oneLine removes line breaks and tabs from s (labels, messages).
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// wrap breaks s into lines of at most width runes, the first prefixed
// with first and the rest indented like it.
func wrap(first, s string, width int) []string {
	indent := strings.Repeat(" ", utf8.RuneCountInString(first))
	var lines []string
	line := first
	empty := true
	for _, word := range strings.Fields(s) {
		if !empty && utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) > width {
			lines = append(lines, line)
			line, empty = indent, true
		}
		if !empty {
			line += " "
		}
		line += word
		empty = false
	}
	return append(lines, line)
}
