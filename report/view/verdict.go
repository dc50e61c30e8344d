package view

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/llmrec/llmrec/analyze/compare"
)

// VerdictSummary words the verdict of run i (1 or more) of c against the
// baseline in one sentence: the saturation points, the largest p95 change
// of a matched level that holds, the overall p95, and the failure rate
// when it changed.
func VerdictSummary(c *compare.Comparison, i int) string {
	run, base := c.Runs[i], c.Runs[0]
	e := c.Verdicts[i-1].Evidence
	parts := []string{saturationSentence(run, base)}
	for _, r := range []compare.CompareRun{run, base} {
		if a := r.Analysis; a != nil && a.Warmup.Heavy {
			w := fmt.Sprintf("the warmup (%s) removed %s of %s's requests", Secs(a.Settings.WarmupS), Pct(a.Warmup.Share), Clean(r.Name))
			if a.Warmup.WholeSteps > 0 {
				w += " and " + Plural(a.Warmup.WholeSteps, "whole step", "whole steps")
			}
			parts = append([]string{w}, parts...)
		}
	}
	if u := UnlikeSentence(c, run.Name); u != "" {
		parts = append([]string{u}, parts...)
	}
	if e.NoSuccess {
		parts = append(parts, run.Name+" has no successful request after the warmup")
	} else {
		switch {
		case e.WorstP95 != nil:
			parts = append(parts, fmt.Sprintf("p95 at %s %s", Level(e.WorstUsers, e.WorstRate), Change(e.WorstP95, compare.UnitMS)))
		case e.Matched > 0:
			parts = append(parts, p95Same(c, i))
		}
		if e.OverallP95 != nil {
			parts = append(parts, "overall p95 "+Change(e.OverallP95, compare.UnitMS))
		}
	}
	if e.FailRate != nil && e.FailRate.P != nil {
		parts = append(parts, fmt.Sprintf("failure rate %s vs %s (%s)", Pct(e.FailRateRun), Pct(e.FailRateBase), pValue(*e.FailRate.P)))
	}
	return strings.Join(parts, "; ")
}

// UnlikeSentence words the settings that make run differ from the
// baseline: "not like for like: max tokens 64 vs 48"; "" when none do.
func UnlikeSentence(c *compare.Comparison, run string) string {
	var diffs []string
	for _, d := range c.Unlike {
		if d.Run != run {
			continue
		}
		diffs = append(diffs, fmt.Sprintf("%s %s vs %s", SettingName(d.Setting), settingValue(d.Setting, d.Base), settingValue(d.Setting, d.Value)))
	}
	if len(diffs) == 0 {
		return ""
	}
	return "not like for like: " + Clip(Clean(strings.Join(diffs, ", ")), 400)
}

// SettingName names a setting of a like-for-like difference.
func SettingName(s string) string {
	switch s {
	case compare.SettingModel:
		return "server's model id"
	case compare.SettingAPI:
		return "API"
	case compare.SettingStream:
		return "streaming"
	case compare.SettingMaxTokens:
		return "max tokens"
	case compare.SettingInputTokens:
		return "input tokens"
	case compare.SettingOutputTokens:
		return "output tokens"
	case compare.SettingIgnoreEOS:
		return "ignore EOS"
	case compare.SettingThinkTime:
		return "think time"
	}
	return Clean(s)
}

func settingValue(setting, v string) string {
	switch {
	case setting == compare.SettingTarget:
		return Target(v)
	case v == "":
		return "none"
	}
	return Clip(Clean(v), 80)
}

// WithSummaries returns c with the words its JSON carries filled by the
// view (every verdict's summary, each run's growth_summary,
// capacity.rule and server, warnings[]); c itself is not changed.
func WithSummaries(c *compare.Comparison) *compare.Comparison {
	out := *c
	out.Verdicts = append([]compare.Verdict(nil), c.Verdicts...)
	for k := range out.Verdicts {
		out.Verdicts[k].Summary = VerdictSummary(c, k+1)
	}
	out.Runs = slices.Clone(c.Runs)
	for i := range out.Runs {
		r := &out.Runs[i]
		r.Server = RunServer(*r)
		if a := r.Analysis; a != nil {
			r.GrowthSummary = GrowthSummary(a.Growth, a.Run.LevelKind, a.Settings.ErrorThreshold)
			r.Capacity.Rule = CapacityRule(a.Settings)
		}
	}
	out.Warnings = worded(c.Warnings)
	out.Definitions = ComparisonDefinitions(c)
	return &out
}

// WithTrendWords returns t with its warnings worded for the JSON; t is
// not changed.
func WithTrendWords(t *compare.Trend) *compare.Trend {
	out := *t
	out.Warnings = worded(t.Warnings)
	return &out
}

// saturationSentence compares two runs' saturation points.
func saturationSentence(run, base compare.CompareRun) string {
	rs, bs := run.Saturation, base.Saturation
	if rs.MaxRate != nil || bs.MaxRate != nil {
		return openSaturationSentence(run, base)
	}
	switch {
	case rs.Reached && bs.Reached:
		s := fmt.Sprintf("%s saturates at %s vs %s for %s", run.Name, users(*rs.Level), strconv.FormatFloat(*bs.Level, 'f', -1, 64), base.Name)
		if *bs.Level > 0 {
			s += fmt.Sprintf(" (%s)", signedPct((*rs.Level-*bs.Level) / *bs.Level))
		}
		return s
	case rs.Reached:
		return fmt.Sprintf("%s saturates at %s; %s does not up to %s", run.Name, users(*rs.Level), base.Name, users(bs.MaxLevel))
	case bs.Reached:
		return fmt.Sprintf("%s does not saturate up to %s; %s saturates at %s", run.Name, users(rs.MaxLevel), base.Name, users(*bs.Level))
	}
	return fmt.Sprintf("neither saturates (%s up to %s, %s up to %s)", run.Name, users(rs.MaxLevel), base.Name, users(bs.MaxLevel))
}

// pValue prints a p-value: "p=0.002", "p<0.001".
func pValue(p float64) string {
	if p < 0.001 {
		return "p<0.001"
	}
	return "p=" + strconv.FormatFloat(p, 'f', 3, 64)
}

// users names a closed loop's level: "1 user", "40 users".
func users(v float64) string { return Level(int(math.Round(v)), nil) }

// signedPct prints a relative change in whole percent with its sign; a
// change that rounds to zero is "+0%", never "-0%".
func signedPct(v float64) string {
	if math.Round(v*100) == 0 {
		return "+0%"
	}
	return fmt.Sprintf("%+.0f%%", v*100)
}

// p95Same words a verdict without a p95 change that counts: "no p95
// change beyond ±5% at any matched user level" when every change is
// smaller than the min effect, else "p95 ~ at every matched user level"
// (and, with a min effect, that no significant change reaches it).
func p95Same(c *compare.Comparison, i int) string {
	where := "user level"
	if compareOpen(c) {
		where = "offered rate"
	}
	me := c.MinEffect
	if me.Relative == 0 {
		return "p95 ~ at every matched " + where
	}
	within := true
	for _, lc := range c.Levels {
		for _, m := range lc.Metrics {
			if ch := m.Changes[i]; m.Metric == "p95" && ch != nil && !ch.Negligible {
				within = false
			}
		}
	}
	limit := me.RelativeWords()
	if within {
		return "no p95 change beyond " + limit + " at any matched " + where
	}
	return "p95 ~ at every matched " + where + " (no significant change beyond " + limit + ")"
}
