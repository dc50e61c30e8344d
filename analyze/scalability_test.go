package analyze

import (
	"math"
	"testing"

	"github.com/llmrec/llmrec/analyze/stats"
)

// TestScalability: a closed loop's steps whose completed rates follow a
// known USL get a fit with its peak; too few levels, or steps the law does
// not describe, get no prediction and a reason; an open loop gets none.
func TestScalability(t *testing.T) {
	law := stats.USL{Lambda: 5, Sigma: 0.05, Kappa: 0.004}
	steps := func(levels []float64, x func(float64) float64) []Step {
		var out []Step
		for i, n := range levels {
			out = append(out, Step{Step: i + 1, Level: n, Users: int(n), Requests: 100, CompletedRPS: ptr(x(n))})
		}
		return out
	}
	closed := func(s []Step) *Analysis { return &Analysis{Run: Run{Shape: Shape{Arrival: "closed"}}, Steps: s} }
	sc := scalability(closed(steps([]float64{1, 4, 8, 16, 24, 32}, law.X)))
	if sc == nil || !sc.Fitted || sc.PeakUsers == nil {
		t.Fatalf("scalability %+v: want a fit with a peak", sc)
	}
	truePeak := math.Sqrt((1 - law.Sigma) / law.Kappa)
	if math.Abs(*sc.PeakUsers-truePeak) > 0.05*truePeak || math.Abs(*sc.PeakRPS-law.X(truePeak)) > 0.02*law.X(truePeak) {
		t.Errorf("peak %g users at %g req/s, want %g at %g", *sc.PeakUsers, *sc.PeakRPS, truePeak, law.X(truePeak))
	}
	if sc := scalability(closed(steps([]float64{10, 20, 30}, law.X))); sc == nil || sc.Fitted || sc.Reason == "" || sc.PeakUsers != nil {
		t.Errorf("three levels: %+v, want no prediction and a reason", sc)
	}
	zigzag := func(n float64) float64 { return 10 + 8*math.Mod(n, 2) }
	if sc := scalability(closed(steps([]float64{1, 2, 3, 4, 5, 6, 7, 8}, zigzag))); sc == nil || sc.Fitted || sc.PeakUsers != nil {
		t.Errorf("steps the law does not describe: %+v, want no prediction", sc)
	}
	open := &Analysis{Run: Run{Shape: Shape{Arrival: "poisson"}}, Steps: steps([]float64{1, 4, 8, 16}, law.X)}
	if sc := scalability(open); sc != nil {
		t.Errorf("open loop: %+v, want none", sc)
	}
}
