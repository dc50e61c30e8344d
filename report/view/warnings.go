package view

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/llmrec/llmrec/analyze"
)

// The warnings analyze states as facts (analyze.Fact), worded once for
// every format: the JSON's warnings[] are WarningTexts.

// WarningTexts words every warning: its own Text, or its Fact's sentence
// (WarningText), after "Run: " when it came from a comparison's run.
func WarningTexts(ws []analyze.Warning) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = WarningText(w)
	}
	return out
}

// WarningText is one warning in words (see WarningTexts).
func WarningText(w analyze.Warning) string {
	s := w.Text
	if s == "" && w.Fact != nil {
		s = factText(w.Fact)
	}
	if w.Run != "" {
		s = w.Run + ": " + s
	}
	return s
}

// worded returns ws with every Text the whole sentence (WarningText, the
// run's name before it), for the JSON; ws is not changed.
func worded(ws []analyze.Warning) []analyze.Warning {
	if ws == nil {
		return nil
	}
	out := make([]analyze.Warning, len(ws))
	for i, w := range ws {
		out[i] = analyze.Warning{Text: WarningText(w), Fact: w.Fact}
	}
	return out
}

// factText words a warning's fact.
func factText(f analyze.Fact) string {
	switch f := f.(type) {
	case analyze.LagFact:
		return lagText(f)
	case analyze.WaitedFact:
		return fmt.Sprintf("%d arrivals waited over %s for a slot: the verdict used %s, which leaves the wait out; --metric latency_from_schedule judges by what the users waited",
			f.Waited, ms(analyze.WaitToleranceMS), f.Metric)
	case analyze.GeneratorLagFact:
		return fmt.Sprintf("the load generator of shard %d (%s) sent late: p99 send lag %s (worst %s), over %s for more than %s of its requests; use fewer users per shard or more shards",
			f.Shard, f.File, ms(f.P99MS), ms(f.PeakMS), ms(analyze.LagThresholdMS), pct(analyze.LagWarnFraction))
	case analyze.LittleFact:
		return littleText(f)
	case analyze.OpenLittleFact:
		return openLittleText(f)
	}
	return fmt.Sprintf("%T", f) // a fact added to analyze without words here: the tests catch it
}

// lagText words the client-side lag: in an open loop the late sends first
// waited for a slot under the concurrency cap.
func lagText(f analyze.LagFact) string {
	cause := "the load generator could not keep up"
	if f.OpenLoop {
		limit := "the recorder's in-flight cap"
		if f.MaxConcurrency > 0 {
			limit = fmt.Sprintf("--max-concurrency %d", f.MaxConcurrency)
		}
		cause = "they waited for a free slot under " + limit + " (requests in flight held them), or the load generator could not keep up"
	}
	return fmt.Sprintf("client-side lag: %d requests (%s) were sent more than %s after their scheduled time (max %s): %s",
		f.Late, pct(float64(f.Late)/float64(f.Requests)), ms(analyze.LagThresholdMS), ms(f.MaxMS), cause)
}

// littleText words closed-loop steps off Little's law: how many, the
// check, the likely cause and the steps (the first few, then a count).
func littleText(f analyze.LittleFact) string {
	steps := make([]string, 0, len(f.Steps)+1)
	for _, st := range f.Steps {
		steps = append(steps, fmt.Sprintf("step %d, %s req/s x %s = %.1f of %d users (%+.0f%%)",
			st.Step, sig4(st.RPS), ms(st.CycleS*1000), st.RPS*st.CycleS, st.Users, (st.Ratio-1)*100))
	}
	if more := f.Count - len(f.Steps); more > 0 {
		steps = append(steps, fmt.Sprintf("%d more", more))
	}
	n := fmt.Sprintf("%d steps fail", f.Count)
	if f.Count == 1 {
		n = "1 step fails"
	}
	wait := Secs(f.WaitMinS) + "-" + Secs(f.WaitMaxS)
	if f.WaitMaxS == 0 {
		wait = "none"
	}
	var cause string
	switch f.Cause {
	case analyze.CauseLag:
		cause = fmt.Sprintf("generator lag (requests sent over %s after their scheduled time)", ms(analyze.LagThresholdMS))
	case analyze.CauseLost:
		cause = "lost rows (requests missing from the file), or think time longer than configured (" + wait + ")"
	default:
		cause = "think time shorter than configured (" + wait + "), or rows counted twice (a shard given twice?)"
	}
	return fmt.Sprintf("%s the Little's-law check (users = completed req/s x (mean latency + mean think time), within %.0f%%), likely cause: %s: %s",
		n, analyze.LittleTolerance*100, cause, strings.Join(steps, "; "))
}

// openLittleText words an open-loop step whose achieved rate is off its
// offered rate.
func openLittleText(f analyze.OpenLittleFact) string {
	var cause string
	switch f.Cause {
	case analyze.CauseWaited:
		cause = fmt.Sprintf("generator lag or the concurrency cap: %d arrivals waited over %s", f.Waited, ms(analyze.WaitToleranceMS))
	case analyze.CauseLost:
		cause = "lost rows (requests missing from the file)"
	default:
		cause = "rows counted twice (a shard given twice?) or a rate other than the one recorded"
	}
	return fmt.Sprintf("step %d (%s req/s offered) fails the Little's-law check: it sent %s req/s, %.0f%% of the offered rate; likely cause: %s",
		f.Step, sig4(f.OfferedRPS), sig4(f.AchievedRPS), f.AchievedRPS/f.OfferedRPS*100, cause)
}

// ms is Duration of a value; pct is Pct of one.
func ms(v float64) string  { return Duration(&v) }
func pct(v float64) string { return Pct(&v) }

// sig4 prints v with at most 4 significant digits: "12.35", "0.5".
func sig4(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }
