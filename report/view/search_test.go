package view

import (
	"strings"
	"testing"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/schemas"
)

// TestSearchWords: the search's answer names the bracket, the SLO and
// the target; its detail the end and every probe with its verdict; a
// sweep's names its range.
func TestSearchWords(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	sr := &schemas.Search{Kind: "rate", SLOWords: "TTFT ≤ 500 ms", SLOTarget: 0.9, Alpha: 0.05, Resolution: 0.1, Relative: true,
		Met: f(23.5), Missed: f(25), End: schemas.SearchBracketed, Probes: []schemas.Probe{
			{Step: 1, Level: 16, Verdict: schemas.ProbeExtend}, {Step: 2, Level: 16, Verdict: schemas.ProbeMeets},
			{Step: 3, Level: 32, Verdict: schemas.ProbeMisses, Reason: "errors"}, {Step: 4, Level: 23.5, Verdict: schemas.ProbeMeets},
			{Step: 5, Level: 25, Verdict: schemas.ProbeInconclusive}}}
	if got, want := SearchHeadline(sr), "capacity 23.5–25 req/s within TTFT ≤ 500 ms at 90"; !strings.HasPrefix(got, want) {
		t.Errorf("headline %q, want it to begin %q", got, want)
	}
	d := SearchDetail(sr)
	for _, w := range []string{"5 probes", "bracketed to 10", "16 undecided, again, 16 met, 32 missed (errors), 23.5 met, 25 inconclusive"} {
		if !strings.Contains(d, w) {
			t.Errorf("detail %q does not say %q", d, w)
		}
	}
	users := &schemas.Search{Kind: "users", SLOWords: "latency ≤ 2 s", SLOTarget: 0.95, Met: f(12), End: schemas.SearchMaxLevel}
	if got := SearchHeadline(users); !strings.Contains(got, "at least 12 users") {
		t.Errorf("users headline %q", got)
	}
	sweep := &schemas.Search{Kind: schemas.SearchKindSweep, End: schemas.SearchSwept, Probes: []schemas.Probe{
		{Level: 8, Mode: schemas.ProbeSynchronous, Users: 1}, {Level: 64, Mode: schemas.ProbeThroughput, Users: 32},
		{Level: 22}, {Level: 36}, {Level: 50}, {Level: 64}}}
	if got, want := SearchHeadline(sweep), "sweep from 8 req/s (synchronous) to 64 req/s (throughput, 32 users), 4 offered rates between"; got != want {
		t.Errorf("sweep headline %q, want %q", got, want)
	}
	if d := SearchDetail(sweep); !strings.Contains(d, "synchronous 8, throughput 64, 22, 36, 50, 64") {
		t.Errorf("sweep detail %q", d)
	}
}

// TestSearchShapeOfOwnLengths: a search whose steps ended on their own
// (step ends in the file) says its probes run up to their length and end
// once decided; one without says its steps' length.
func TestSearchShapeOfOwnLengths(t *testing.T) {
	sr := &schemas.Search{Kind: "rate", ProbeS: 10}
	sh := analyze.Shape{Arrival: "constant", StepTimeS: 13, ProbeWarmupS: 3, Search: sr}
	if got, want := SearchShape(sh), "capacity search of constant arrivals: probes of 10s after 3s of warmup each (steps of 13s)"; got != want {
		t.Errorf("equal steps: %q, want %q", got, want)
	}
	sh.StepEndsS = []float64{5, 18, 24}
	want := "capacity search of constant arrivals: probes of up to 10s after 3s of warmup each; a probe ends once its test decides"
	if got := SearchShape(sh); got != want {
		t.Errorf("own lengths: %q, want %q", got, want)
	}
}
