package view

import (
	"fmt"
	"strconv"

	"github.com/llmrec/llmrec/analyze"
)

// Telemetry is the server-telemetry section: where the figures came from,
// the sentence naming the signals that moved with saturation, and the
// known signals per step.
type Telemetry struct {
	Source  string // "http://host/metrics every 1s, 40 of 40 scrapes read"
	Summary string
	Steps   Table
}

// NewTelemetry is the view of a.Telemetry; nil when the run has none.
func NewTelemetry(a *analyze.Analysis) *Telemetry { return telemetry(a) }

// telemetry is the view of a.Telemetry; nil when the run has none.
func telemetry(a *analyze.Analysis) *Telemetry {
	t := a.Telemetry
	if t == nil {
		return nil
	}
	v := &Telemetry{
		Source: Clean(fmt.Sprintf("%s every %ss, %d of %d scrapes read", t.Source,
			strconv.FormatFloat(t.IntervalS, 'f', -1, 64), t.Scrapes-t.Failed, t.Scrapes)),
		Summary: Clean(TelemetrySentence(a)),
		Steps: Table{
			Head:  []string{"step", "level", "running", "run max", "waiting", "wait max", "KV cache", "KV max", "preempt/s"},
			Right: []bool{true, true, true, true, true, true, true, true, true},
			Of:    "steps",
		},
	}
	if t.Every > 1 {
		v.Source += fmt.Sprintf(" (every %d-th kept)", t.Every)
	}
	kind := a.Run.LevelKind
	shown, cut := Ends(len(t.Steps), MaxStepRows)
	v.Steps.Cut, v.Steps.CutAt = cut, MaxStepRows/2
	for _, i := range shown {
		s := t.Steps[i]
		v.Steps.Rows = append(v.Steps.Rows, []string{Int(s.Step), levelNumber(kind, s.Level),
			Num(s.RunningMean, 1), Num(s.RunningMax, 0), Num(s.WaitingMean, 1), Num(s.WaitingMax, 0),
			pct0(s.KVCacheMean), pct0(s.KVCacheMax), Num(s.PreemptionsPerS, 2)})
	}
	return v
}

// levelNumber is a step's level as a number: users, or offered req/s.
func levelNumber(kind string, v float64) string {
	if kind == analyze.LevelRate {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

// pct0 prints a fraction as a whole percentage.
func pct0(v *float64) string {
	if v == nil || !finite(*v) {
		return NA
	}
	return fmt.Sprintf("%.0f%%", *v*100)
}
