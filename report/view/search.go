package view

import (
	"math"
	"strconv"
	"strings"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/schemas"
)

// A capacity search (llmrec search) is a run whose steps are probes of
// levels chosen one after the other; its footer keeps what the search
// decided of each. These words say so in every format: the shape line,
// an answer of its own after the capacity (the bracket and the probe
// sequence).

// maxProbeWords bounds the probes listed in the search answer's detail.
const maxProbeWords = 40

// SearchUnit is the unit of a search's levels.
func SearchUnit(sr *schemas.Search) string {
	if sr.Kind == "users" {
		return "users"
	}
	return "req/s"
}

// SearchHeadline is the search's answer: "capacity 23.5–25 req/s within
// TTFT ≤ 500 ms at 90%" (or what it found instead of a bracket).
func SearchHeadline(sr *schemas.Search) string {
	if sr.Kind == schemas.SearchKindSweep {
		return sweepHeadline(sr)
	}
	unit := SearchUnit(sr)
	within := "within " + Clean(sr.SLOWords) + " at " + Pct(&sr.SLOTarget)
	switch {
	case sr.Met != nil && sr.Missed != nil:
		return "capacity " + num(*sr.Met) + "–" + num(*sr.Missed) + " " + unit + " " + within
	case sr.Met != nil:
		return "capacity at least " + num(*sr.Met) + " " + unit + " " + within + " (no level probed missed)"
	case sr.Missed != nil:
		return "no level met the SLO: " + num(*sr.Missed) + " " + unit + " already missed it " + within
	}
	return "no answer: no probe was decided"
}

// SearchDetail is how the search got there: how it ended, and its probes
// in order, each with its verdict.
func SearchDetail(sr *schemas.Search) string {
	if sr.Kind == schemas.SearchKindSweep {
		return sweepDetail(sr)
	}
	end := map[string]string{
		schemas.SearchBracketed:   "bracketed to " + resolution(sr),
		schemas.SearchMaxLevel:    "the highest level allowed met the SLO",
		schemas.SearchNoLevelMet:  "no level met the SLO down to the lowest allowed",
		schemas.SearchProbeLimit:  "stopped at its probe limit before the bracket was narrow enough",
		schemas.SearchInterrupted: "interrupted",
		schemas.SearchError:       "stopped by an error",
	}[sr.End]
	if end == "" {
		end = Clean(sr.End)
	}
	var parts []string
	for i, p := range sr.Probes {
		if i == maxProbeWords {
			parts = append(parts, "… "+strconv.Itoa(len(sr.Probes)-i)+" more")
			break
		}
		parts = append(parts, num(p.Level)+" "+probeMark(p))
	}
	test := "alpha " + num(sr.Alpha)
	if sr.MaxLooks > 1 {
		test += " spent over at most " + strconv.Itoa(sr.MaxLooks) + " tests of a level (each at " + Num3(sr.Alpha/float64(sr.MaxLooks)) + ")"
	}
	return "A capacity search of " + Plural(len(sr.Probes), "probe", "probes") + " (" + end + "), each decided by an exact one-sided test at " +
		test + ": " + strings.Join(parts, ", ")
}

// probeMark is a probe's verdict in a word.
func probeMark(p schemas.Probe) string {
	switch p.Verdict {
	case schemas.ProbeMeets:
		return "met"
	case schemas.ProbeMisses:
		if p.Reason == "errors" {
			return "missed (errors)"
		}
		return "missed"
	case schemas.ProbeExtend:
		return "undecided, again"
	case schemas.ProbeInconclusive:
		return "inconclusive"
	}
	return Clean(p.Verdict)
}

func resolution(sr *schemas.Search) string {
	if sr.Relative {
		return Pct(&sr.Resolution)
	}
	return num(sr.Resolution) + " " + SearchUnit(sr)
}

// SearchShape is the shape line of a search.
func SearchShape(sh analyze.Shape) string {
	sr := sh.Search
	if sr.Kind == schemas.SearchKindSweep {
		return "sweep of " + Clean(sh.Arrival) + " arrivals: a synchronous and a throughput probe, then offered rates between; " +
			probeWords(sh)
	}
	kind := "closed-loop users"
	if sr.Kind != "users" {
		kind = Clean(sh.Arrival) + " arrivals"
	}
	return "capacity search of " + kind + ": " + probeWords(sh)
}

// probeWords says how long a search's probes ran: each its whole length
// (steps of StepTimeS), or, with the steps' own ends in the file, until
// its test decided.
func probeWords(sh analyze.Shape) string {
	if len(sh.StepEndsS) > 0 {
		return "probes of up to " + Secs(sh.Search.ProbeS) + " after " + Secs(sh.ProbeWarmupS) +
			" of warmup each; a probe ends once its test decides"
	}
	return "probes of " + Secs(sh.Search.ProbeS) + " after " + Secs(sh.ProbeWarmupS) + " of warmup each (steps of " + Secs(sh.StepTimeS) + ")"
}

// searchAnswer is the search's answer of the verdict.
func searchAnswer(a *analyze.Analysis) (Answer, bool) {
	sr := a.Run.Shape.Search
	if sr == nil {
		return Answer{}, false
	}
	band := analyze.BandNA
	if sr.Met != nil {
		band = analyze.BandHealthy
	}
	q := "What did the capacity search find?"
	if sr.Kind == schemas.SearchKindSweep {
		q, band = "What range did the sweep cover?", analyze.BandNA
	}
	return Answer{Name: "search", Question: q, Answer: upperFirst(SearchHeadline(sr)),
		Detail: SearchDetail(sr), Band: band}, true
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

// shapeLine is the header's shape: a search's, or Shape.
func shapeLine(sh analyze.Shape) string {
	if sh.Search != nil {
		return SearchShape(sh)
	}
	return Shape(sh)
}

// sweepHeadline is a sweep's answer: the range its first two probes gave.
func sweepHeadline(sr *schemas.Search) string {
	if len(sr.Probes) < 2 {
		return "sweep without a range: it ended before its throughput probe"
	}
	sync, thr := sr.Probes[0], sr.Probes[1]
	s := "sweep from " + num(sync.Level) + " req/s (synchronous) to " + num(thr.Level) + " req/s (throughput, " +
		Plural(thr.Users, "user", "users") + ")"
	if n := len(sr.Probes) - 2; n > 0 {
		s += ", " + Plural(n, "offered rate", "offered rates") + " between"
	}
	return s
}

// sweepDetail lists a sweep's probes, with the SLO's verdict when given.
func sweepDetail(sr *schemas.Search) string {
	var parts []string
	for i, p := range sr.Probes {
		if i == maxProbeWords {
			parts = append(parts, "… "+strconv.Itoa(len(sr.Probes)-i)+" more")
			break
		}
		w := num(p.Level)
		if p.Mode != "" {
			w = Clean(p.Mode) + " " + w
		}
		if p.Verdict != "" {
			w += " " + probeMark(p)
		}
		parts = append(parts, w)
	}
	s := "A sweep as guidellm runs it, " + Plural(len(sr.Probes), "probe", "probes") + " (req/s): " + strings.Join(parts, ", ")
	if sr.SLO != "" {
		s += "; each rate's verdict is the exact one-sided test of " + Clean(sr.SLOWords) + " at " + Pct(&sr.SLOTarget) + ", alpha " + num(sr.Alpha)
	}
	return s
}

// scalabilityAnswer is the scalability model's answer (closed loops): the
// fitted peak, or why there is no prediction.
func scalabilityAnswer(a *analyze.Analysis) (Answer, bool) {
	sc := a.Scalability
	if sc == nil {
		return Answer{}, false
	}
	ans := Answer{Name: "scaling", Question: "How does it scale?", Band: analyze.BandNA}
	if !sc.Fitted {
		ans.Answer = "No prediction"
		ans.Detail = "Universal Scalability Law over completed req/s by users: " + Clean(sc.Reason)
		return ans, true
	}
	fit := "λ " + Num3(*sc.Lambda) + " req/s per user, contention σ " + Num3(*sc.Sigma) + ", coherency κ " + Num3(*sc.Kappa) +
		", R² " + Num3(*sc.R2) + " over " + Plural(sc.Points, "step", "steps")
	if sc.PeakUsers == nil {
		ans.Answer = "No peak predicted"
		ans.Detail = "Universal Scalability Law fitted to completed req/s by users (" + fit + "): no coherency cost within the steps, so throughput keeps rising over them"
		return ans, true
	}
	ans.Answer = "Throughput peaks near " + Num3(*sc.PeakUsers) + " users at " + Num3(*sc.PeakRPS) + " req/s (predicted)"
	ans.Detail = "Universal Scalability Law fitted to completed req/s by users: " + fit
	return ans, true
}

// Num3 is v to three significant digits (0 for a value within 1e-9 of it).
func Num3(v float64) string {
	if math.Abs(v) < 1e-9 {
		return "0"
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}
