package view

import (
	"fmt"
	"strings"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/compare"
)

// The server-telemetry sentence (the JSON's telemetry.summary): which
// server signals moved with saturation. The rule (docs/METHOD.md, "Server
// telemetry"): the saturation step is set beside the baseline step (the
// first listed step without a baseline). The waiting queue moved when its
// maximum in the saturation step is at least 1 and above the reference's;
// the KV cache when its maximum reached analyze.KVFullThreshold or rose 20
// points over the reference's; preemptions when they ran at the
// saturation step and not at the reference. Then the first level where
// requests waited, the KV cache reached the threshold and preemptions
// began. Without saturation the highest level's figures are given.

// TelemetrySentence names the server signals that moved with a's
// saturation; "" when the run has no telemetry.
func TelemetrySentence(a *analyze.Analysis) string {
	t := a.Telemetry
	switch {
	case t == nil:
		return ""
	case len(t.Signals) == 0:
		return fmt.Sprintf("The server published none of the known serving signals (%s).", strings.Join(analyze.KnownSignalNames(), ", "))
	case len(t.Steps) == 0:
		return "No step to set the server's signals against."
	}
	byStep := map[int]*analyze.TelemetryStep{}
	for i := range t.Steps {
		byStep[t.Steps[i].Step] = &t.Steps[i]
	}
	ref := &t.Steps[0]
	if a.Baseline != nil && byStep[a.Baseline.Step] != nil {
		ref = byStep[a.Baseline.Step]
	}
	var s string
	if sat := a.Saturation; sat.Reached && sat.Step != nil && byStep[*sat.Step] != nil {
		s = telSaturated(a.Run.LevelKind, byStep[*sat.Step], ref)
	} else {
		last := &t.Steps[len(t.Steps)-1]
		s = fmt.Sprintf("The run did not saturate; at its highest level (%s) the server's %s.", telLevel(a.Run.LevelKind, last), telLevels(last))
	}
	if o := telOnsets(a.Run.LevelKind, t.Steps); o != "" {
		s += " " + strings.ToUpper(o[:1]) + o[1:] + "."
	}
	return s
}

// RunServer is a compared run's server-telemetry sentence: its
// analysis' (TelemetrySentence), or the one it carries when it has none
// (a comparison read back from JSON).
func RunServer(r compare.CompareRun) string {
	if r.Analysis != nil {
		return TelemetrySentence(r.Analysis)
	}
	return r.Server
}

// telSaturated says what moved at the saturation step sat against the
// reference step ref, or that nothing did.
func telSaturated(kind string, sat, ref *analyze.TelemetryStep) string {
	head := fmt.Sprintf("At the saturation point (%s)", telLevel(kind, sat))
	var parts []string
	if sat.WaitingMax != nil && *sat.WaitingMax >= 1 && (ref.WaitingMax == nil || *sat.WaitingMax > *ref.WaitingMax) {
		parts = append(parts, fmt.Sprintf("the server's waiting queue grew from %s to %s", telNum(ref.WaitingMax), telNum(sat.WaitingMax)))
	}
	if sat.KVCacheMax != nil && (*sat.KVCacheMax >= analyze.KVFullThreshold || ref.KVCacheMax != nil && *sat.KVCacheMax-*ref.KVCacheMax >= 0.2) {
		parts = append(parts, fmt.Sprintf("its KV cache was %s full", telPct(*sat.KVCacheMax)))
	}
	if sat.PreemptionsPerS != nil && *sat.PreemptionsPerS > 0 && (ref.PreemptionsPerS == nil || *ref.PreemptionsPerS == 0) {
		parts = append(parts, fmt.Sprintf("preemptions ran at %s/s (none at the baseline)", sig4(*sat.PreemptionsPerS)))
	}
	if len(parts) == 0 {
		return head + ", no server signal moved: " + telLevels(sat) + "."
	}
	return head + " " + telJoin(parts) + "."
}

// telOnsets names the first level where requests waited, the KV cache
// reached analyze.KVFullThreshold and preemptions began ("" when none
// did).
func telOnsets(kind string, steps []analyze.TelemetryStep) string {
	var onsets []string
	first := func(cond func(*analyze.TelemetryStep) bool, what string) {
		for i := range steps {
			if cond(&steps[i]) {
				onsets = append(onsets, what+" at "+telLevel(kind, &steps[i]))
				return
			}
		}
	}
	first(func(s *analyze.TelemetryStep) bool { return s.WaitingMax != nil && *s.WaitingMax >= 1 }, "requests began waiting")
	first(func(s *analyze.TelemetryStep) bool {
		return s.KVCacheMax != nil && *s.KVCacheMax >= analyze.KVFullThreshold
	},
		"the KV cache reached "+telPct(analyze.KVFullThreshold))
	first(func(s *analyze.TelemetryStep) bool { return s.PreemptionsPerS != nil && *s.PreemptionsPerS > 0 }, "preemptions began")
	return strings.Join(onsets, "; ")
}

// telLevels says a step's waiting and KV-cache maxima and its running
// requests.
func telLevels(s *analyze.TelemetryStep) string {
	var p []string
	if s.WaitingMax != nil {
		p = append(p, "waiting queue reached "+telNum(s.WaitingMax))
	}
	if s.KVCacheMax != nil {
		p = append(p, "KV cache "+telPct(*s.KVCacheMax))
	}
	if s.RunningMax != nil {
		p = append(p, "running requests "+telNum(s.RunningMax))
	}
	if len(p) == 0 {
		return "no known signal was scraped in that step"
	}
	return telJoin(p)
}

// telLevel names a step's level (levelWords).
func telLevel(kind string, s *analyze.TelemetryStep) string { return levelWords(kind, s.Level) }

func telNum(v *float64) string {
	if v == nil {
		return NA
	}
	return sig4(*v)
}

func telPct(v float64) string { return fmt.Sprintf("%.0f%%", 100*v) }

// telJoin joins "a", "a and b", "a, b and c".
func telJoin(p []string) string {
	if len(p) <= 1 {
		return strings.Join(p, "")
	}
	return strings.Join(p[:len(p)-1], ", ") + " and " + p[len(p)-1]
}
