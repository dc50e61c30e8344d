package htmlreport

import "github.com/llmrec/llmrec/analyze"

// openLoopAnalysis is the demo analysis as an open loop: constant arrivals
// at 10, 20, … req/s, sending falling short and arrivals waiting from the
// step where latency climbs, output tokens estimated.
func openLoopAnalysis() *analyze.Analysis {
	a := demoAnalysis()
	a.Run.Shape = analyze.Shape{Arrival: "constant", Rate: 10, StepRate: 10, MaxRate: 10 * float64(len(a.Steps)), StepTimeS: 60, Burstiness: 1, Seed: 3}
	a.Run.Workload = &analyze.Workload{InputTokens: "512", OutputTokens: "128", IgnoreEOS: true, Prompts: "synthetic", Seed: 3}
	a.Run.EstimatedOutputRows = a.Run.Rows
	if a.LLM != nil {
		a.LLM.OutputEstimated = true
	}
	for i := range a.Steps {
		s := &a.Steps[i]
		offered := 10 * float64(i+1)
		achieved, waited := offered, int64(0)
		if s.P95MS != nil && a.Baseline != nil && a.Baseline.P95MS != nil && *s.P95MS > 2**a.Baseline.P95MS {
			achieved, waited = 0.7*offered, s.Requests/2
		}
		completed := 0.98 * achieved
		s.OfferedRPS, s.AchievedRPS, s.CompletedRPS, s.Waited = &offered, &achieved, &completed, &waited
		// What analyze adds for every step once arrivals waited: the wait
		// on top of latency, long where they waited.
		if s.P95MS != nil {
			fs := *s.P95MS + 2
			if waited > 0 {
				fs += 400
			}
			s.FromScheduleP95MS = &fs
		}
	}
	if b := a.Baseline; b != nil {
		b.Rate = a.Steps[0].OfferedRPS
	}
	if s := &a.Saturation; s.Step != nil {
		for _, st := range a.Steps {
			if st.Step == *s.Step {
				s.Rate = st.OfferedRPS
			}
		}
	}
	return a
}
