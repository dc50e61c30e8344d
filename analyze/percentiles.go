package analyze

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// --percentiles: percentiles asked for besides the fixed p50, p90, p95
// and p99. They are taken from the same sorted values as the fixed ones
// (stats.StepQuantiles), so they are as exact, and listed in the latency
// blocks (overall and per step) and in the LLM distributions of the whole
// run. A gate or a compared metric may name any of them: p99.9 (the
// selected metric), ttft_p99.9, tpot_p99.9, itl_p99.9.

// ParsePercentiles reads "50,90,95,99,99.9": percentages above 0 and
// below 100, returned ascending without repeats.
func ParsePercentiles(s string) ([]float64, error) {
	var out []float64
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(part), "p"))
		v, err := strconv.ParseFloat(part, 64)
		if err != nil || !(v > 0 && v < 100) || math.IsNaN(v) {
			return nil, fmt.Errorf("%q is not a percentile: give numbers above 0 and below 100, like 50,90,99,99.9", part)
		}
		out = append(out, v)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// PercentileName is how a percentile is written in metric names and
// headings: 99.9 is "p99.9", 50 "p50".
func PercentileName(p float64) string {
	return "p" + strconv.FormatFloat(p, 'f', -1, 64)
}

// ps are the quantiles (fractions) every distribution computes: statsPs,
// then the --percentiles.
func (c *computer) ps() []float64 {
	out := slices.Clone(statsPs)
	for _, p := range c.opts.Percentiles {
		out = append(out, p/100)
	}
	return out
}

// extra pairs the --percentiles with their values, q[len(statsPs):];
// nil when none was asked for.
func (c *computer) extra(q []*float64) []Percentile {
	if len(c.opts.Percentiles) == 0 {
		return nil
	}
	out := make([]Percentile, len(c.opts.Percentiles))
	for i, p := range c.opts.Percentiles {
		out[i] = Percentile{P: p}
		if k := len(statsPs) + i; k < len(q) {
			out[i].V = q[k]
		}
	}
	return out
}

// PercentileOf finds percentile p in ps.
func PercentileOf(ps []Percentile, p float64) *float64 {
	for _, x := range ps {
		if x.P == p {
			return x.V
		}
	}
	return nil
}
