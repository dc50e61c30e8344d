package view

import (
	"fmt"
	"slices"
	"strings"

	"github.com/llmrec/llmrec/analyze"
)

// The saturation answer: its headline and its sentence, worded once for
// every format (the JSON's saturation.summary is SaturationSentence).

// StepLevel names the run's level v: "30 users", "1 user", "24 req/s
// offered".
func StepLevel(a *analyze.Analysis, v float64) string { return levelWords(a.Run.LevelKind, v) }

// SaturationHeadline is the saturation answer in a few words.
func SaturationHeadline(a *analyze.Analysis) string {
	s := &a.Saturation
	switch {
	case NoFigures(a) && !s.Reached:
		return "n/a"
	case s.Reached && s.Level != nil:
		h := "Saturated at " + StepLevel(a, *s.Level)
		if s.Signal != nil {
			h += " (" + Clean(*s.Signal) + ")"
		}
		return h
	case a.Baseline == nil:
		return "Not judged: no step reached the baseline"
	}
	return "Not reached up to " + StepLevel(a, s.MaxLevel)
}

// SaturationSentence says where the run saturated and why, in one
// sentence.
func SaturationSentence(a *analyze.Analysis) string {
	s, set := &a.Saturation, a.Settings
	if a.Baseline == nil {
		if a.Run.LevelKind == analyze.LevelRate {
			return "not judged: no step after the warmup"
		}
		return fmt.Sprintf("not judged: no step after the warmup reached %s, the baseline (--baseline-users)", Plural(set.BaselineUsers, "user", "users"))
	}
	if !s.Reached || s.Step == nil || s.Level == nil {
		return "not reached up to " + StepLevel(a, s.MaxLevel)
	}
	at := fmt.Sprintf("reached at %s (step %d)", StepLevel(a, *s.Level), *s.Step)
	if s.AtBaseline {
		at += ", the baseline step itself"
	}
	var why []string
	for _, sig := range s.Signals {
		switch sig {
		case analyze.SignalLatency:
			why = append(why, fmt.Sprintf("p95 is %s the baseline's (threshold %s)", Ratio(s.LatencyRatio), Factor(set.LatencyThreshold)))
		case analyze.SignalErrors:
			why = append(why, fmt.Sprintf("failure rate %s over %s", Pct(s.FailRate), Pct(&set.ErrorThreshold)))
		case analyze.SignalThroughput:
			why = append(why, throughputWhy(a))
		}
	}
	s2 := at + ": " + strings.Join(why, "; ")
	// Arrivals waited for a slot: what the users waited, beside the
	// verdict's metric, which leaves the wait out.
	for _, st := range a.Steps {
		if st.Step == *s.Step && st.FromScheduleP95MS != nil {
			s2 += fmt.Sprintf(" (p95 from the arrival, the wait for a slot included: %s; the verdict used %s)",
				Duration(st.FromScheduleP95MS), Clean(set.Metric))
		}
	}
	return s2
}

// SaturationDetail is what follows the saturation headline, without
// repeating it: the step and the evidence, or why there is none.
func SaturationDetail(a *analyze.Analysis) string {
	s := &a.Saturation
	switch {
	case a.Baseline == nil:
		return strings.TrimPrefix(SaturationSentence(a), "not judged: ")
	case !s.Reached || s.Step == nil:
		return fmt.Sprintf("no signal fired at any step from the baseline (step %d) on", a.Baseline.Step)
	}
	full := SaturationSentence(a)
	if _, why, ok := strings.Cut(full, ": "); ok {
		d := fmt.Sprintf("step %d", *s.Step)
		if s.AtBaseline {
			d += ", the baseline step itself"
		}
		return d + ": " + why
	}
	return full
}

// throughputWhy says why the throughput signal fired at the saturating
// step of an open loop.
func throughputWhy(a *analyze.Analysis) string {
	s := &a.Saturation
	var st *analyze.Step
	for i := range a.Steps {
		if a.Steps[i].Step == *s.Step {
			st = &a.Steps[i]
		}
	}
	var why []string
	if s.SentRatio != nil && *s.SentRatio < analyze.SentRatioThreshold {
		why = append(why, "sent "+Pct(s.SentRatio)+" of the offered rate")
	}
	if s.CompletedRatio != nil && *s.CompletedRatio < analyze.SentRatioThreshold {
		why = append(why, "completed "+Pct(s.CompletedRatio)+" of it")
	}
	if st != nil && st.Waited != nil && *st.Waited > 0 {
		why = append(why, Plural(int(*st.Waited), "arrival", "arrivals")+" waited for a slot")
	}
	if st != nil && st.Unsent > 0 {
		why = append(why, Plural(int(st.Unsent), "arrival was", "arrivals were")+" never sent")
	}
	if len(why) == 0 {
		return "the offered load was not served"
	}
	return strings.Join(why, ", ")
}

// WithWords returns a with the words the JSON carries filled by the view
// (saturation.summary, growth.summary, capacity.rule, the health rows'
// text, telemetry.summary, warnings[]); a itself is not changed.
func WithWords(a *analyze.Analysis) *analyze.Analysis {
	out := *a
	out.Saturation.Summary = SaturationSentence(a)
	out.Growth.Summary = GrowthSummary(a.Growth, a.Run.LevelKind, a.Settings.ErrorThreshold)
	out.Capacity.Rule = CapacityRule(a.Settings)
	out.Health = slices.Clone(a.Health)
	for i := range out.Health {
		out.Health[i].Text, out.Health[i].WholeText = HealthText(a.Health[i])
	}
	out.Warnings = worded(a.Warnings)
	out.Definitions = AnalysisDefinitions(a)
	if a.Telemetry != nil {
		t := *a.Telemetry
		t.Summary = TelemetrySentence(a)
		out.Telemetry = &t
	}
	return &out
}
