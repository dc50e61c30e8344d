package htmlreport

import (
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// dash stands for a figure with no samples.
const dash = "–"

// fmtMS prints a latency in milliseconds with a precision that suits its
// size, or a dash when there is none.
func fmtMS(v *float64) string {
	if v == nil {
		return dash
	}
	return fmtNum(*v)
}

// fmtMSUnit is fmtMS with its unit.
func fmtMSUnit(v *float64) string {
	if v == nil {
		return dash
	}
	return fmtNum(*v) + " ms"
}

// fmtNum prints a non-integral measure with 3 significant digits below 100
// and none above.
func fmtNum(v float64) string {
	a := math.Abs(v)
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return dash
	case a >= 100 || a == 0:
		return groupDigits(strconv.FormatFloat(math.Round(v), 'f', 0, 64))
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	default:
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
}

// fmtPtr is fmtNum of an optional value.
func fmtPtr(v *float64) string {
	if v == nil {
		return dash
	}
	return fmtNum(*v)
}

// fmtPct prints a fraction as a percentage.
func fmtPct(v *float64) string {
	if v == nil {
		return dash
	}
	p := *v * 100
	switch {
	case p == 0:
		return "0%"
	case p < 0.01:
		return "<0.01%"
	case p < 10:
		return strconv.FormatFloat(p, 'f', 2, 64) + "%"
	default:
		return strconv.FormatFloat(p, 'f', 1, 64) + "%"
	}
}

// fmtRatio prints a ratio such as p99/p50 as "1.72×".
func fmtRatio(v *float64) string {
	if v == nil {
		return dash
	}
	return strconv.FormatFloat(*v, 'f', 2, 64) + "×"
}

// fmtInt prints a count with thousands separators.
func fmtInt(n int64) string {
	return groupDigits(strconv.FormatInt(n, 10))
}

// groupDigits puts a thin space between groups of three digits.
func groupDigits(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(",")
		}
		b.WriteRune(r)
	}
	return b.String()
}

// fmtSeconds prints a span given in seconds as a Go duration ("1m30s").
func fmtSeconds(s float64) string {
	if s <= 0 || math.IsNaN(s) || math.IsInf(s, 0) {
		return "0s"
	}
	d := time.Duration(math.Round(s*1000)) * time.Millisecond
	switch {
	case d >= time.Minute:
		d = d.Round(time.Second)
	case d >= time.Second:
		d = d.Round(100 * time.Millisecond)
	}
	return d.String()
}

// trimFloat prints v with as few digits as needed ("2", "1.5").
func trimFloat(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// redactURL removes what could be a secret from a target URL even if the
// recorder already did: user info and query values.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		return s
	}
	if u.User != nil {
		u.User = url.User("REDACTED")
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			q[k] = []string{"REDACTED"}
		}
		u.RawQuery = q.Encode()
	}
	return u.String()
}
