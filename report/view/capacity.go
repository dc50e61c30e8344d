package view

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/compare"
)

// The capacity answer (docs/METHOD.md, "SLOs, goodput and capacity"):
// the sentence every report leads with, the goodput table, and the
// capacity columns of a comparison.

// levelWords names a level of kind ("users" or "rate") as Level does:
// "36 users", "12.5 req/s offered".
func levelWords(kind string, v float64) string {
	if kind == analyze.LevelRate {
		return Level(0, &v)
	}
	return Level(int(math.Round(v)), nil)
}

// sloWords is the SLO in words ("TTFT ≤ 500 ms, ITL ≤ 50 ms"), "" when
// none was given.
func sloWords(s *analyze.SLOSettings) string {
	if s == nil {
		return ""
	}
	d := func(ms *float64) time.Duration {
		if ms == nil {
			return 0
		}
		return time.Duration(math.Round(*ms * float64(time.Millisecond)))
	}
	return analyze.SLO{TTFT: d(s.TTFTMS), TPOT: d(s.TPOTMS), ITL: d(s.ITLMS), Latency: d(s.LatencyMS)}.Words()
}

// CapacityRule is how the capacity level was chosen, in words (the
// JSON's capacity.rule), from the analysis' settings.
func CapacityRule(set analyze.Settings) string {
	if set.SLO == nil {
		return "the last level before saturation (no --slo: every success is good); none when the first judged step saturated"
	}
	return fmt.Sprintf("the highest level such that it and every level below it had at least %s%% good requests (succeeded and met %s) and failed no more than %s",
		strconv.FormatFloat(set.SLOTarget*100, 'f', -1, 64), sloWords(set.SLO), Pct(&set.ErrorThreshold))
}

// CapacitySentence is the capacity answer in one sentence, e.g. "holds 36
// users within SLO: TTFT ≤ 500 ms, ITL ≤ 50 ms for 90% of requests, at 14.2 good req/s;
// throughput peaks at 44 req/s at 20 users and falls 68% by 36 users".
func CapacitySentence(a *analyze.Analysis) string {
	lead, rest := capacityParts(a)
	if rest == "" {
		return lead
	}
	return lead + rest
}

// CapacityDetail is what follows the capacity headline: the sentence
// without its lead, which the headline says.
func CapacityDetail(a *analyze.Analysis) string {
	lead, rest := capacityParts(a)
	// The headline says the level and where it is judged: the detail
	// keeps the lead's qualifiers (the SLO, the goodput) and the rest.
	head := CapacityHeadline(a)
	for _, p := range []string{"holds " + head, strings.TrimSuffix(head, " before saturation") + " "} {
		if len(lead) >= len(p) && strings.EqualFold(lead[:len(p)], p) {
			return upperFirst(strings.TrimLeft(lead[len(p):]+rest, " ;:"))
		}
	}
	return lead + rest
}

// capacityParts are the capacity sentence's lead ("holds 30 users within
// SLO ...") and the rest (saturation beside an SLO capacity, the peak).
func capacityParts(a *analyze.Analysis) (lead, rest string) {
	c, p := a.Capacity, a.Peak
	slo := sloWords(a.Settings.SLO)
	target := strconv.FormatFloat(a.Settings.SLOTarget*100, 'f', -1, 64) + "%"
	var s string
	switch {
	case len(a.Steps) == 0:
		return "no capacity to tell: no step after the warmup", ""
	case a.Baseline == nil && slo == "":
		return "not judged: no step after the warmup reached " + Plural(a.Settings.BaselineUsers, "user", "users") + ", the baseline (--baseline-users)", ""
	case c.Level == nil && slo == "":
		s = "holds no level before saturation: the first judged step already saturated"
		if a.Saturation.Level != nil {
			s = "holds no level before saturation: the first judged step, at " + levelWords(c.LevelKind, *a.Saturation.Level) + ", already saturated"
		}
	case c.Level == nil:
		first := a.Steps[0]
		s = fmt.Sprintf("holds no level within SLO: even %s had only %s good requests (%s, target %s)",
			levelWords(c.LevelKind, first.Level), Pct(first.SLOAttainment), slo, target)
	default:
		lv := levelWords(c.LevelKind, *c.Level)
		if !c.Bounded {
			lv = "at least " + lv
		}
		if slo != "" {
			s = fmt.Sprintf("holds %s within SLO: %s for %s of requests, at %s good req/s", lv, slo, target, Num(c.GoodputRPS, 1))
		} else {
			s = fmt.Sprintf("holds %s before saturation at %s req/s", lv, Num(c.GoodputRPS, 1))
		}
		if !c.Bounded {
			s += " (every level the run loaded held)"
		}
	}
	lead = s
	// With an SLO the SLO decides; the 2x rule's saturation point is said
	// beside it.
	if sat := a.Saturation; slo != "" && sat.Reached && sat.Level != nil {
		rest += "; saturated (by the " + Clean(*sat.Signal) + " rule) at " + levelWords(c.LevelKind, *sat.Level)
	}
	if p.RPS == nil || p.Level == nil {
		return lead, rest
	}
	rest += fmt.Sprintf("; throughput peaks at %s req/s at %s", Num(p.RPS, 1), levelWords(c.LevelKind, *p.Level))
	if p.DropAfterPeak != nil && *p.DropAfterPeak >= 0.005 && p.LastLevel != nil {
		rest += fmt.Sprintf(" and falls %.0f%% by %s", *p.DropAfterPeak*100, levelWords(c.LevelKind, *p.LastLevel))
	}
	return lead, rest
}

// goodputTable is the per-step SLO table; no rows without --slo.
func goodputTable(a *analyze.Analysis) Table {
	t := Table{
		Head:  []string{"step", "level", "reqs", "good", "attain", "goodput/s", "mark"},
		Right: []bool{true, true, true, true, true, true, false},
		Of:    "steps",
	}
	if a.Settings.SLO == nil {
		return t
	}
	shown, cut := Ends(len(a.Steps), MaxStepRows)
	t.Cut, t.CutAt = cut, MaxStepRows/2
	for _, i := range shown {
		s := a.Steps[i]
		mark := "-"
		switch {
		case a.Capacity.Step != nil && *a.Capacity.Step == s.Step:
			mark = "capacity"
		case s.SLOAttainment == nil || *s.SLOAttainment < a.Settings.SLOTarget:
			mark = "miss"
		}
		t.Rows = append(t.Rows, []string{Int(s.Step), strconv.FormatFloat(s.Level, 'f', -1, 64), Int(s.Requests), Int(s.Good),
			Pct(s.SLOAttainment), Num(s.GoodputRPS, 2), mark})
	}
	return t
}

// GoodputTitle heads the goodput table.
func GoodputTitle(a *analyze.Analysis) string {
	return fmt.Sprintf("good requests by step: succeeded and met %s; a level holds at %s", sloWords(a.Settings.SLO),
		strconv.FormatFloat(a.Settings.SLOTarget*100, 'f', -1, 64)+"%")
}

// capacityTable is each compared run's capacity and peaks, with their
// relative change against the baseline (untested: one value a run).
func capacityTable(c *compare.Comparison) Table {
	t := Table{Head: []string{"run", "capacity", "change", "peak req/s", "change", "peak tok/s", "change"},
		Right: []bool{false, true, true, true, true, true, true}}
	for _, r := range c.Runs {
		name := Clip(Clean(r.Name), 60)
		if r.Baseline {
			name += " (baseline)"
		}
		capacity := NA
		if k := r.Capacity; k.Level != nil {
			capacity = levelWords(k.LevelKind, *k.Level)
			if !k.Bounded {
				capacity = ">=" + capacity
			}
		} else if r.Analysis != nil && len(r.Analysis.Steps) > 0 {
			capacity = "none"
		}
		t.Rows = append(t.Rows, []string{name, capacity, plainChange(r.CapacityChange, r.Baseline),
			Num(r.Peak.RPS, 1), plainChange(r.PeakRPSChange, r.Baseline), Num(r.Peak.OutputTokensPerS, 0), plainChange(r.PeakTokensChange, r.Baseline)})
	}
	return t
}

func plainChange(ch *compare.Change, base bool) string {
	switch {
	case base:
		return ""
	case ch == nil || ch.Relative == nil:
		return NA
	}
	return signedPct(*ch.Relative)
}

// CapacityHeadline is the capacity answer in a few words: "30 users
// within SLO", "at least 60 users before saturation", "no level within
// SLO".
func CapacityHeadline(a *analyze.Analysis) string {
	c := a.Capacity
	within := "before saturation"
	if a.Settings.SLO != nil {
		within = "within SLO"
	}
	switch {
	case len(a.Steps) == 0:
		return "Not enough data to tell"
	case a.Baseline == nil && a.Settings.SLO == nil:
		return "Not judged: no step reached the baseline"
	case c.Level == nil:
		return "No level " + within
	}
	lv := levelWords(c.LevelKind, *c.Level)
	if !c.Bounded {
		lv = "at least " + lv
	}
	return lv + " " + within
}

// CapacityClass is how the capacity answer reads: "good" when a level
// held, "bad" when none did, "na" without steps.
func CapacityClass(a *analyze.Analysis) string {
	switch {
	case len(a.Steps) == 0:
		return "na"
	case a.Capacity.Level == nil:
		return "bad"
	}
	return "good"
}

// GoodputTitleSLO is the SLO in words for a caption ("TTFT ≤ 500 ms").
func GoodputTitleSLO(a *analyze.Analysis) string { return sloWords(a.Settings.SLO) }
