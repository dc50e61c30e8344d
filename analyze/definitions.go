package analyze

import (
	"fmt"
	"strconv"
)

// Definitions states how each figure is computed with the settings s, in
// the order the reports print them. Every renderer prints these.
func Definitions(s Settings) []Definition {
	metric := "latency (send to last byte)"
	switch s.Metric {
	case MetricTTFT:
		metric = "TTFT (send to first content token)"
	case MetricLatencyFromSchedule:
		metric = "latency from schedule (scheduled time, the arrival in an open loop, to last byte: any wait before the send included)"
	}
	g := strconv.FormatFloat
	return []Definition{
		{"warmup", fmt.Sprintf("requests sent in the first %ss of the run are excluded from every figure but the time series", g(s.WarmupS, 'f', -1, 64))},
		{"percentiles", fmt.Sprintf("exact quantile_cont (linear interpolation) of %s over raw rows, never bucketed", metric)},
		{"latency", "latency statistics are over successful requests; failures count in the failure rate and are shown apart by error class"},
		{"rps", "requests sent after the warmup divided by the post-warmup sending span (overall: from the warmup to the schedule's planned end or ended_at, whichever is first, so the grace period for in-flight requests is left out; per step: its planned span clipped to that)"},
		{"failure rate", "failed requests / requests sent after the warmup"},
		{"windowed", fmt.Sprintf("percentile at second t over successes completed in (t - %ss, t]; fewer than %d samples is a gap", g(s.WindowS, 'f', -1, 64), s.MinWindowSamples)},
		{"cumulative", "percentile at second t over all post-warmup successes completed by t"},
		{"level", "what the run set for a step: its users in a closed loop, its offered rate (req/s) in an open loop; every planned step the run reached is listed, with n/a figures when nothing was sent in it; users in flight are evidence, never a level"},
		{"per step", "latency and failure statistics over the post-warmup requests sent in that step; completed req/s and output tokens/s over the successes completed within the step's span"},
		{"baseline", fmt.Sprintf("p95 of the first post-warmup step with a level >= %d users (an open loop: its first post-warmup step); it held when it failed no more than the error threshold", s.BaselineUsers)},
		{"saturation", fmt.Sprintf("the first step from the baseline on where failure rate > %s%% (errors; the baseline step included), p95 > %s x baseline p95 (latency; later steps, against a baseline that held) "+
			"or, in an open loop, the step sent or completed less than %s%% of its offered rate beyond a Poisson count's chance shortfall, or more than %s%% of its arrivals waited over %sms or were never sent (throughput)",
			g(s.ErrorThreshold*100, 'f', -1, 64), g(s.LatencyThreshold, 'f', -1, 64), g(SentRatioThreshold*100, 'f', -1, 64), g(WaitFraction*100, 'f', -1, 64), g(WaitToleranceMS, 'f', -1, 64))},
		{"growth", growthMethod},
		{"health", "judged on the steady state, the post-warmup steps before saturation (the whole run when it does not saturate), the whole run shown beside it; the headline is the worst of p99/p50 and failure rate there and the whole judged run's failure rate (a run that fails more than the error threshold is never healthy): p99/p50 <2 healthy, 2-5 warning, >5 critical; failure rate <0.1% healthy, 0.1-1% warning, >1% critical; growth (over the whole run, its own answer) linear or flat healthy, exponential warning, flat with failures critical"},
		{"good", "a post-warmup request that succeeded and met every --slo bound given (a TTFT bound needs a TTFT, a TPOT bound a TTFT and two or more output tokens, an ITL bound, met when every gap between the request's content chunks is within it, two chunk times: a request without them is not good); without --slo every success"},
		{"goodput", fmt.Sprintf("SLO attainment is good / requests due (sent, and an open loop's arrivals never sent); goodput is good requests per second of the span rps uses; a level holds when its attainment is at least %s%%", g(s.SLOTarget*100, 'f', -1, 64))},
		{"capacity", fmt.Sprintf("without --slo the last level before saturation, none when the first judged step saturated; with --slo the highest level such that it and every level below it had at least %s%% good requests and failed no more than the error threshold (saturation is reported beside it)", g(s.SLOTarget*100, 'f', -1, 64))},
		{"peak", "the highest completed req/s of any step (successes completed within the step's span per second) and the highest output tokens/s (output tokens of those completions per second), where each happened, and how far the last step fell below the peak req/s; the throughput knee is the level after which completed req/s stopped rising by more than 5%"},
		{"little's law", fmt.Sprintf("closed loop: over each step's steady part (from one mean cycle after the step reached its users to its end), users should equal sent req/s x (mean latency + mean think time); open loop: achieved should equal offered; a step off by more than %.0f%% is warned of", LittleTolerance*100)},
		{"llm", "named as vLLM's benchmark names them, over successes: TTFT send to the first content chunk; TPOT (time per output token) (latency - ttft)/(output_tokens - 1) per request; ITL (inter-token latency) every gap between consecutive content chunks, pooled over the requests (chunk times only); E2EL the latency; output tokens/s per request output_tokens/latency, per step output tokens/step duration"},
		{"stalls", fmt.Sprintf("a request's longest gap between consecutive content chunks; a success stalled when it is over %s ms (--stall); the share is over the successes with two chunk times or more (chunk times only)", g(s.StallMS, 'f', -1, 64))},
	}
}

// growthMethod is the growth rule in words (Growth.Method).
const growthMethod = "points: p95 of each step from the baseline on, one per distinct level (users, or offered req/s in an open loop); " +
	"flat when max/min p95 < 1.25 or p95 does not rise with the level (flat_with_failures if a point's failure rate exceeds the error threshold and rises from the first point); " +
	"otherwise least-squares slopes of p95 against the level over the first and last third of the points up to the highest p95: " +
	"exponential when the last slope > 3 x the first (or the first is <= 0), else linear"
