package view

import (
	"fmt"
	"strconv"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/compare"
)

// How each figure is computed, worded once for every format: the JSON's
// definitions[] are AnalysisDefinitions (ComparisonDefinitions), which
// WithWords (WithSummaries) fills before the JSON is written.

// AnalysisDefinitions states how each figure of a is computed with its
// settings, in the order the reports print them, with the open-loop rates
// when a is an open loop with a step time; a's own Definitions when it
// carries some (read from a JSON document).
func AnalysisDefinitions(a *analyze.Analysis) []analyze.Definition {
	if len(a.Definitions) > 0 {
		return a.Definitions
	}
	defs := settingsDefinitions(a.Settings)
	if a.Run.OpenLoop() && a.Run.Shape.StepTimeS > 0 {
		defs = append(defs,
			analyze.Definition{Figure: "offered_rps", Definition: "the step's arrival rate set for the run: rate + (step - 1) x step_rate, at most max_rate"},
			analyze.Definition{Figure: "achieved_rps", Definition: "post-warmup requests sent within the step's span (by send time) per second of the span"},
			analyze.Definition{Figure: "unsent", Definition: "arrivals due in the step that were never sent: the run ended while they waited for a concurrency slot (counted, as dropped iterations are, never silently absent)"},
		)
	}
	return defs
}

// ComparisonDefinitions states how each figure of c is computed: its
// runs' figures with their settings, then the comparison's own; c's own
// Definitions when it carries some.
func ComparisonDefinitions(c *compare.Comparison) []analyze.Definition {
	if len(c.Definitions) > 0 {
		return c.Definitions
	}
	return append(settingsDefinitions(c.Settings), compareDefinitions(c.Alpha, c.MinEffect, c.BootstrapResamples)...)
}

// settingsDefinitions states how each figure of a run is computed with
// the settings s.
func settingsDefinitions(s analyze.Settings) []analyze.Definition {
	metric := "latency (send to last byte)"
	switch s.Metric {
	case analyze.MetricTTFT:
		metric = "TTFT (send to first content token)"
	case analyze.MetricLatencyFromSchedule:
		metric = "latency from schedule (scheduled time, the arrival in an open loop, to last byte: any wait before the send included)"
	}
	g := strconv.FormatFloat
	return []analyze.Definition{
		{Figure: "warmup", Definition: fmt.Sprintf("requests sent in the first %ss of the run are excluded from every figure but the time series", g(s.WarmupS, 'f', -1, 64))},
		{Figure: "percentiles", Definition: fmt.Sprintf("exact quantile_cont (linear interpolation) of %s over raw rows, never bucketed", metric)},
		{Figure: "latency", Definition: "latency statistics are over successful requests; failures count in the failure rate and are shown apart by error class"},
		{Figure: "rps", Definition: "requests sent after the warmup divided by the post-warmup sending span (overall: from the warmup to the schedule's planned end or ended_at, whichever is first, so the grace period for in-flight requests is left out; per step: its planned span clipped to that)"},
		{Figure: "failure rate", Definition: "failed requests / requests sent after the warmup"},
		{Figure: "windowed", Definition: fmt.Sprintf("percentile at second t over successes completed in (t - %ss, t]; fewer than %d samples is a gap", g(s.WindowS, 'f', -1, 64), s.MinWindowSamples)},
		{Figure: "cumulative", Definition: "percentile at second t over all post-warmup successes completed by t"},
		{Figure: "level", Definition: "what the run set for a step: its users in a closed loop, its offered rate (req/s) in an open loop; every planned step the run reached is listed, with n/a figures when nothing was sent in it; users in flight are evidence, never a level"},
		{Figure: "per step", Definition: "latency and failure statistics over the post-warmup requests sent in that step; completed req/s and output tokens/s over the successes completed within the step's span"},
		{Figure: "baseline", Definition: fmt.Sprintf("p95 of the first post-warmup step with a level >= %d users (an open loop: its first post-warmup step); it held when it failed no more than the error threshold", s.BaselineUsers)},
		{Figure: "saturation", Definition: fmt.Sprintf("the first step from the baseline on where failure rate > %s%% (errors; the baseline step included), p95 > %s x baseline p95 (latency; later steps, against a baseline that held) "+
			"or, in an open loop, the step sent or completed less than %s%% of its offered rate beyond a Poisson count's chance shortfall, or more than %s%% of its arrivals waited over %sms or were never sent (throughput)",
			g(s.ErrorThreshold*100, 'f', -1, 64), g(s.LatencyThreshold, 'f', -1, 64), g(analyze.SentRatioThreshold*100, 'f', -1, 64), g(analyze.WaitFraction*100, 'f', -1, 64), g(analyze.WaitToleranceMS, 'f', -1, 64))},
		{Figure: "growth", Definition: analyze.GrowthMethod},
		{Figure: "health", Definition: "judged on the steady state, the post-warmup steps before saturation (the whole run when it does not saturate), the whole run shown beside it; the headline is the worst of p99/p50 and failure rate there and the whole judged run's failure rate (a run that fails more than the error threshold is never healthy): p99/p50 <2 healthy, 2-5 warning, >5 critical; failure rate <0.1% healthy, 0.1-1% warning, >1% critical; growth (over the whole run, its own answer) linear or flat healthy, exponential warning, flat with failures critical"},
		{Figure: "good", Definition: "a post-warmup request that succeeded and met every --slo bound given (a TTFT bound needs a TTFT, a TPOT bound a TTFT and two or more output tokens, an ITL bound, met when every gap between the request's content chunks is within it, two chunk times: a request without them is not good); without --slo every success"},
		{Figure: "goodput", Definition: fmt.Sprintf("SLO attainment is good / requests due (sent, and an open loop's arrivals never sent); goodput is good requests per second of the span rps uses; a level holds when its attainment is at least %s%%", g(s.SLOTarget*100, 'f', -1, 64))},
		{Figure: "capacity", Definition: fmt.Sprintf("without --slo the last level before saturation, none when the first judged step saturated; with --slo the highest level such that it and every level below it had at least %s%% good requests and failed no more than the error threshold (saturation is reported beside it)", g(s.SLOTarget*100, 'f', -1, 64))},
		{Figure: "peak", Definition: "the highest completed req/s of any step (successes completed within the step's span per second) and the highest output tokens/s (output tokens of those completions per second), where each happened, and how far the last step fell below the peak req/s; the throughput knee is the level after which completed req/s stopped rising by more than 5%"},
		{Figure: "little's law", Definition: fmt.Sprintf("closed loop: over each step's steady part (from one mean cycle after the step reached its users to its end), users should equal sent req/s x (mean latency + mean think time); open loop: achieved should equal offered; a step off by more than %.0f%% is warned of", analyze.LittleTolerance*100)},
		{Figure: "llm", Definition: "named as vLLM's benchmark names them, over successes: TTFT send to the first content chunk; TPOT (time per output token) (latency - ttft)/(output_tokens - 1) per request; ITL (inter-token latency) every gap between consecutive content chunks, pooled over the requests (chunk times only); E2EL the latency; output tokens/s per request output_tokens/latency, per step output tokens/step duration"},
		{Figure: "stalls", Definition: fmt.Sprintf("a request's longest gap between consecutive content chunks; a success stalled when it is over %s ms (--stall); the share is over the successes with two chunk times or more (chunk times only)", g(s.StallMS, 'f', -1, 64))},
	}
}

// compareDefinitions state how a comparison is made, at significance
// level alpha, with min effect me and resamples bootstrap replicates.
func compareDefinitions(alpha float64, me compare.MinEffect, resamples int) []analyze.Definition {
	a := strconv.FormatFloat(alpha, 'f', -1, 64)
	minEffect := "none: every significant change counts (--min-effect 0)"
	if me != (compare.MinEffect{}) {
		minEffect = "a change smaller than " + me.Words() + " is the same whatever its p-value (--min-effect " + me.String() + "), printed ~ with its size; a larger one is judged by its test"
	}
	return []analyze.Definition{
		{Figure: "min effect", Definition: minEffect},
		{Figure: "matching", Definition: "the first run is the baseline; steps are matched by user count (each run's first post-warmup step with that many users); levels some run lacks are listed apart, never dropped"},
		{Figure: "change", Definition: "each run's value against the baseline's: relative for latencies, rates per second and tokens/s; in percentage points (pp) for the failure rate"},
		{Figure: "~", Definition: "the change is not significant at alpha = " + a + " (p >= " + a + "): it could be noise. Tests are on the raw per-request values of post-warmup successes"},
		{Figure: "median test", Definition: "p50, ttft_p50 and tokens/s: Mann-Whitney U, two-sided, normal approximation with tie and continuity correction (as benchstat): distribution-free, sensitive to a shift of the whole distribution"},
		{Figure: "tail test", Definition: fmt.Sprintf("p90, p95, p99 and ttft_p95: percentile bootstrap of the difference of the quantiles, %d resamples from a fixed seed (deterministic); p is twice the smaller share of resampled differences on either side of 0. Chosen because a rank test barely sees a change confined to the tail", resamples)},
		{Figure: "failure test", Definition: "two-proportion z-test (pooled); Fisher's exact test when an expected count is under 5"},
		{Figure: "rps test", Definition: "conditional test of two Poisson rates (requests over the measured span), normal approximation; conservative for closed-loop users"},
		{Figure: "goodput test", Definition: "goodput: the conditional Poisson test on the good requests over the span; SLO attainment: the two-proportion z-test (Fisher's exact test under 5 expected) on the requests that were not good"},
		{Figure: "capacity change", Definition: "each run's capacity level and peak req/s and tokens/s against the baseline's, relative; one value per run, so untested"},
		{Figure: "verdict", Definition: "worse, better, mixed or same over the changes of p50, p95, p99 and failure rate (at matched levels, and overall when the runs have the same user levels) that reach the min effect and stay significant under the Holm-Bonferroni correction for the number of tests, and the saturation point"},
	}
}
