package view

import (
	"fmt"

	"github.com/llmrec/llmrec/analyze"
)

// StallSentence says how many successes paused mid-answer: "3 of 1200
// successes (0.25%) waited more than 1 s between two content chunks; the
// longest gap was 1.8 s". "" when the run has no chunk times.
func StallSentence(a *analyze.Analysis) string {
	if a.LLM == nil || a.LLM.Stalls == nil {
		return ""
	}
	s := a.LLM.Stalls
	limit := Seconds(s.ThresholdMS)
	if s.Requests == 0 {
		return "no success had two content chunks or more, so no gap between them was measured (threshold " + limit + ")"
	}
	longest := "n/a"
	if s.LongestGap.Max != nil {
		longest = Seconds(*s.LongestGap.Max)
	}
	return fmt.Sprintf("%s of %s successes (%s) waited more than %s between two content chunks; the longest gap was %s",
		Int(s.Stalled), Int(s.Requests), Pct(s.Share), limit, longest)
}

// Seconds prints a duration given in ms for a sentence: "850 ms", "1.8 s".
func Seconds(ms float64) string {
	if ms < 1000 {
		return Num(&ms, 0) + " ms"
	}
	s := ms / 1000
	return Num(&s, 1) + " s"
}
