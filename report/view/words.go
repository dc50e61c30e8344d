package view

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/compare"
)

// Settings is the one sentence every report prints for the analysis
// settings (docs/METHOD.md defines each).
func Settings(s analyze.Settings) string {
	warmup := "warmup " + Secs(s.WarmupS)
	if s.WarmupS == 0 {
		warmup = "no warmup"
	}
	if s.WarmupAuto {
		warmup += " (auto: half the first step, at most 30s)"
	}
	out := fmt.Sprintf("metric %s, %s, window %s, baseline users %d, latency threshold %s, error threshold %s",
		Clean(s.Metric), warmup, Secs(s.WindowS), s.BaselineUsers, Factor(s.LatencyThreshold), Pct(&s.ErrorThreshold))
	if s.SLO != nil {
		out += fmt.Sprintf(", SLO %s at %s", sloWords(s.SLO), Pct(&s.SLOTarget))
	}
	return out
}

// CompareSettings is Settings with the significance level of a comparison.
func CompareSettings(c *compare.Comparison) string {
	s := Settings(c.Settings) + fmt.Sprintf("; ~ means not significant at alpha = %g", c.Alpha)
	if c.MinEffect != (compare.MinEffect{}) {
		s += ", or smaller than the min effect " + c.MinEffect.Words()
	}
	return s
}

// MetricTitle names a compared metric's table; latency is the settings'
// metric ("latency" or "ttft").
func MetricTitle(metric, latency string) string {
	switch metric {
	case "p50", "p95", "p99":
		return metric + " " + latency + " (ms)"
	case "fail_rate":
		return "failure rate"
	case "rps":
		return "requests/s"
	case "ttft_p95":
		return "TTFT p95 (ms)"
	case "tokens_per_s":
		return "output tokens/s per request (median)"
	case "goodput":
		return "goodput (good req/s)"
	case "slo_attainment":
		return "SLO attainment"
	}
	if strings.HasPrefix(metric, "p") && !strings.Contains(metric, "_") {
		return metric + " " + latency + " (ms)" // a --percentiles one: p99.9
	}
	return Clean(metric)
}

// SignalName names a health signal.
func SignalName(signal string) string {
	switch signal {
	case "p99_p50":
		return "p99/p50"
	case "fail_rate":
		return "failure rate"
	case "growth":
		return "p95 growth"
	}
	return Clean(signal)
}

// GrowthName words a growth pattern; ok is false for an unknown one.
func GrowthName(pattern string) (name string, ok bool) {
	switch pattern {
	case analyze.GrowthLinear:
		return "linear", true
	case analyze.GrowthExponential:
		return "exponential", true
	case analyze.GrowthFlatWithFailures:
		return "flat, with failures", true
	case analyze.GrowthFlat:
		return "flat", true
	}
	return Clean(pattern), false
}

// GrowthSummary is the growth evidence in one sentence, the JSON's
// growth.summary: the numbers the rule looked at ("p95 max/min 15.84;
// slope first third 2.1, last third 546.3 ms/user (ratio 260.1 > 2)"),
// and for flat_with_failures the failure rate over errThreshold.
func GrowthSummary(g analyze.Growth, kind string, errThreshold float64) string {
	ev := &g.Evidence
	per, with := "ms/user", "users"
	if kind == analyze.LevelRate {
		per, with = "ms per req/s", "the offered rate"
	}
	n := len(ev.P95MS)
	var s string
	switch {
	case n < 2:
		s = fmt.Sprintf("%s with a p95: too few to see growth", Plural(n, "step", "steps"))
	case g.Pattern != analyze.GrowthFlat && g.Pattern != analyze.GrowthFlatWithFailures:
		s = fmt.Sprintf("p95 max/min %s; slope first third %s, last third %s %s",
			Num(ev.P95Ratio, 2), sig4(*ev.SlopeFirst), sig4(*ev.SlopeLast), per)
		switch {
		case g.Pattern == analyze.GrowthLinear:
			s += fmt.Sprintf(" (ratio %s <= %s)", Num(ev.SlopeRatio, 2), sig4(analyze.ExpSlopeRatio))
		case ev.SlopeRatio == nil:
			s += " (flat, then rising)"
		default:
			s += fmt.Sprintf(" (ratio %.1f > %s)", *ev.SlopeRatio, sig4(analyze.ExpSlopeRatio))
		}
	case ev.P95Ratio != nil && *ev.P95Ratio < analyze.FlatRatio:
		s = fmt.Sprintf("p95 max/min %.2f < %s over %d steps", *ev.P95Ratio, sig4(analyze.FlatRatio), n)
	default:
		s = fmt.Sprintf("p95 does not grow with %s (slope %s %s)", with, sig4(*ev.Slope), per)
	}
	if g.Pattern == analyze.GrowthFlatWithFailures && ev.MaxFailRate != nil {
		s += fmt.Sprintf("; failure rate rises to %s (over %s)", Pct(ev.MaxFailRate), Pct(&errThreshold))
	}
	return s
}

// GrowthWords says how p95 grew with the load in a reader's words: "p95
// rose 20× from 10 to 60 users, 80× faster in the last third than the
// first". The numbers behind it stay in the evidence.
func GrowthWords(g analyze.Growth, kind string) string {
	e := &g.Evidence
	// lv names point i's level; lvs two levels: "from 10 to 60 users".
	lv := func(i int) string {
		if i < len(e.Levels) {
			return levelWords(kind, e.Levels[i])
		}
		return levelWords(analyze.LevelUsers, float64(e.Users[i]))
	}
	span := func(i, j int) string {
		if kind == analyze.LevelRate {
			return "from " + strings.TrimSuffix(lv(i), " req/s offered") + " to " + lv(j)
		}
		return fmt.Sprintf("from %s to %s", strings.TrimSuffix(strings.TrimSuffix(lv(i), " users"), " user"), lv(j))
	}
	n := len(e.P95MS)
	if n == 0 {
		return "no load level has a p95: growth is not judged"
	}
	if n < 2 || len(e.Users) < n {
		return fmt.Sprintf("%s with a p95: too few to see growth", Plural(n, "load level", "load levels"))
	}
	peak := 0
	for i, v := range e.P95MS {
		if v > e.P95MS[peak] {
			peak = i
		}
	}
	var s string
	switch {
	case e.P95MS[0] <= 0:
		s = fmt.Sprintf("p95 rose from %s to %s %s", Duration(&e.P95MS[0]), Duration(&e.P95MS[peak]), span(0, peak))
	case peak == 0:
		s = "p95 did not rise " + span(0, n-1)
	default:
		s = fmt.Sprintf("p95 rose %s %s", Times(e.P95MS[peak]/e.P95MS[0]), span(0, peak))
	}
	switch g.Pattern {
	case analyze.GrowthExponential:
		if e.SlopeRatio != nil {
			s += fmt.Sprintf(", %s faster in the last third than the first", Times(*e.SlopeRatio))
		} else {
			s += ", flat at first, then rising"
		}
	case analyze.GrowthLinear:
		s += ", at a steady pace"
	case analyze.GrowthFlat, analyze.GrowthFlatWithFailures:
		if e.P95Ratio != nil && peak > 0 {
			s = fmt.Sprintf("p95 stayed within %s %s", Times(*e.P95Ratio), span(0, n-1))
		}
	}
	if g.Pattern == analyze.GrowthFlatWithFailures && e.MaxFailRate != nil {
		s += ", but the failure rate rose to " + Pct(e.MaxFailRate)
	}
	return s
}

// Times prints a factor for a sentence: "1.3×", "20×".
func Times(x float64) string {
	switch {
	case x >= 10:
		return fmt.Sprintf("%.0f×", x)
	case x >= 1.95:
		return strconv.FormatFloat(math.Round(x*10)/10, 'f', -1, 64) + "×"
	}
	return fmt.Sprintf("%.2f×", x)
}

// Baseline is the baseline verdict of a run.
func Baseline(b *analyze.Baseline) string {
	if b == nil {
		return "none: no post-warmup step reached the baseline users"
	}
	return fmt.Sprintf("p95 %s at %s (step %d)", Duration(b.P95MS), Level(b.Users, b.Rate), b.Step)
}

// Shape is the load shape of a run in a few words.
func Shape(sh analyze.Shape) string {
	if sh.StepUsers <= 0 {
		return NA
	}
	s := fmt.Sprintf("%d users/step every %s, up to %d users", sh.StepUsers, Secs(sh.StepTimeS), sh.MaxUsers)
	if sh.Profile != "" {
		s += " (profile " + Clean(sh.Profile) + ")"
	}
	return s
}

// RunSource describes a compared run in one line.
func RunSource(r compare.CompareRun) string {
	s := "run " + Clean(r.RunID)
	if m := r.Labels["model"]; m != "" && m != r.Model {
		s += ", label model " + Clean(m)
	}
	if r.Model != "" {
		s += ", server's model id " + Clean(r.Model)
	}
	return s + ", " + Clean(strings.Join(r.Files, " "))
}

// RunSaturation is a compared run's saturation point in a few words.
func RunSaturation(r compare.CompareRun) string {
	s := r.Saturation
	if s.Reached && s.Level != nil {
		sig := ""
		if s.Signal != nil {
			sig = " (" + Clean(*s.Signal) + ")"
		}
		return fmt.Sprintf("%s%s", Level(int(*s.Level), s.Rate), sig)
	}
	if r.BaselineP95 == nil {
		return "not evaluated"
	}
	if s.MaxRate != nil {
		return "not reached up to " + Level(0, s.MaxRate)
	}
	return fmt.Sprintf("not reached up to %d", s.MaxUsers)
}

// RunBaselineP95 is a compared run's baseline p95 and its users.
func RunBaselineP95(r compare.CompareRun) string {
	if b := r.BaselineP95; b != nil {
		return fmt.Sprintf("%s at %s", Duration(b.P95MS), Level(b.Users, b.Rate))
	}
	return NA
}

// Users prints the user levels of a run: "5", "5-40".
func Users(users []int) string {
	switch len(users) {
	case 0:
		return NA
	case 1:
		return Int(users[0])
	}
	return fmt.Sprintf("%d-%d", users[0], users[len(users)-1])
}
