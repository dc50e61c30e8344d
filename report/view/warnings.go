package view

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/compare"
	"github.com/llmrec/llmrec/schemas"
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
	case analyze.RunFact:
		return runText(f)
	case analyze.StepFact:
		return stepText(f)
	case analyze.FailureFact:
		return failureText(f)
	case analyze.GeneratorCPUFact:
		return generatorCPUText(f)
	case analyze.ShapeChangeFact:
		return shapeChangeText(f)
	case analyze.FileFact:
		if f.Kind == analyze.FileLabelsCut {
			return fmt.Sprintf("%s: %s past the first %d (by key) not shown", f.File, Plural(f.N, "label", "labels"), f.Shown)
		}
		return f.File + ": its step ends (step_ends_s) are not what a recorder writes (each above the one before, within a year, one a step): its steps are read as step_time_s long each"
	case analyze.RowsFact:
		return rowsText(f)
	case analyze.UnclassedFact:
		return fmt.Sprintf("--by class: %d post-warmup requests have no class the footer names; they are in no class's figures", f.N)
	case analyze.TelemetryFact:
		if f.File != "" {
			return fmt.Sprintf("%s: its server telemetry was not read: %s", f.File, f.Error)
		}
		return fmt.Sprintf("server telemetry: %d of %d scrapes of %s failed", f.Failed, f.Scrapes, f.Source)
	case analyze.EstimateFact:
		if f.TextRows == 0 {
			return fmt.Sprintf("output tokens are estimated for %d of %d requests: the server sent no usage, so they are counts of streamed content chunks; token figures are estimates",
				f.Estimated, f.Rows)
		}
		return fmt.Sprintf("output tokens are estimated for %d of %d requests: the server sent no usage, so they are the streamed text's bytes over 4 (at least one token a content chunk; %d requests' chunks carried no text and were counted); token figures are estimates",
			f.Estimated, f.Rows, f.Estimated-f.TextRows)
	case analyze.NonFiniteFact:
		return fmt.Sprintf("%s came out infinite or not a number (the input holds extreme values) and %s shown as n/a",
			Plural(f.N, "figure", "figures"), map[bool]string{true: "is", false: "are"}[f.N == 1])
	case compare.ThinLevelFact, compare.UnmatchedFact, compare.MixedLevelsFact, compare.TrendNoLabelFact, compare.TrendNoLevelFact:
		return comparisonText(f)
	}
	return shardText(f)
}

// shardText words the warnings about the shards of a run.
func shardText(f analyze.Fact) string {
	switch f := f.(type) {
	case analyze.ShardTwiceFact:
		return fmt.Sprintf("shard %d appears in %d files: requests may be counted twice", f.Shard, f.Files)
	case analyze.MissingShardFact:
		m := fmt.Sprintf("shard %d of %d is missing (the recorder run with --shard %d/%d)", f.Shard, f.Shards, f.Shard, f.Shards)
		if f.More > 0 {
			m = fmt.Sprintf("%d more shards of %d are missing", f.More, f.Shards)
		}
		return m + fmt.Sprintf(": its requests are in no figure (throughput is low by about 1/%d); give its file, or rebuild it with `llmrec recover` from its journal", f.Shards)
	case analyze.LateJoinFact:
		return lateJoinText(f)
	case analyze.MoreShardsFact:
		if f.Of == analyze.MoreSentLate {
			return fmt.Sprintf("%d more shards' generators sent late", f.N)
		}
		return fmt.Sprintf("%d more shards joined late", f.N)
	}
	return fmt.Sprintf("%T", f) // a fact added to analyze without words here: TestEveryFactWorded catches it
}

// comparisonText words a comparison's own warnings, and a trend's.
func comparisonText(f analyze.Fact) string {
	switch f := f.(type) {
	case compare.ThinLevelFact:
		return fmt.Sprintf("at %s %s has %d successful requests (fewer than %d): the tests there have little power",
			Level(f.Users, f.Rate), f.Run, f.Samples, analyze.MinStepSamples)
	case compare.UnmatchedFact:
		return fmt.Sprintf("%s: only in %s (not in %s)", Level(f.Users, f.Rate), strings.Join(f.In, ", "), strings.Join(f.Missing, ", "))
	case compare.MixedLevelsFact:
		return fmt.Sprintf("%s and %s have different user levels: their overall figures mix different loads; compare them level by level (the verdict does)",
			f.Run, f.Base)
	case compare.TrendNoLabelFact:
		return fmt.Sprintf("%s has no label %q: it is ordered first, by its start time", f.File, f.Label)
	case compare.TrendNoLevelFact:
		return fmt.Sprintf("%s: no step at level %d", f.File, f.Level)
	}
	return fmt.Sprintf("%T", f)
}

// rowsText words the rows of an input file that break what the format
// promises: those left out, each reason with its count and what it names;
// those read as having no TTFT or tokens; those whose send lag was clamped.
func rowsText(f analyze.RowsFact) string {
	switch f.Kind {
	case analyze.RowsReadAsNone:
		return fmt.Sprintf("%s: %d rows with a ttft_ms that is negative, not finite or over their latency_ms, and %d with a negative token count, were read as having none",
			f.File, f.BadTTFT, f.BadTokens)
	case analyze.RowsLagClamped:
		return fmt.Sprintf("%s: %d rows with a scheduled_at more than %s after their start or before the run's start: their send lag was clamped to the run's time",
			f.File, f.BadLag, analyze.TimeSlack)
	}
	var why []string
	for _, r := range []struct {
		n    int64
		what string
	}{
		{f.Foreign, fmt.Sprintf("with a run_id or shard other than its footer's (run %q, shard %d)", f.RunID, f.Shard)},
		{f.Nulls, "with a NULL where the format allows none"},
		{f.BadLatency, fmt.Sprintf("with a latency_ms that is negative, under %g ms (1 ns) but not 0, not finite or over %.0e ms", analyze.MinLatencyMS, analyze.MaxLatencyMS)},
		{f.BadShape, fmt.Sprintf("with a step or users outside the run's shape (%s)", shapeBounds(f.MaxStep, f.MaxUsers))},
		{f.BadTime, "sent outside the run's time (started_at to ended_at)"},
		{f.Repeats, "repeating the seq of an earlier row"},
	} {
		if r.n > 0 {
			why = append(why, fmt.Sprintf("%d %s", r.n, r.what))
		}
	}
	return fmt.Sprintf("%s: %d of %d rows were left out: %s", f.File, f.LeftOut(), f.Rows, strings.Join(why, ", "))
}

// shapeBounds says the steps and users a row may hold: up to maxStep and
// maxUsers, 0 for no bound.
func shapeBounds(maxStep, maxUsers int64) string {
	steps, users := "steps from 1", "users from 0"
	if maxStep > 0 {
		steps = fmt.Sprintf("steps 1 to %d", maxStep)
	}
	if maxUsers > 0 {
		users = fmt.Sprintf("0 to %d users", maxUsers)
	}
	return steps + ", " + users
}

// shapeChangeText words the live changes of a run's level: when, by
// whom, from which step, to which level.
func shapeChangeText(f analyze.ShapeChangeFact) string {
	parts := make([]string, 0, len(f.Changes))
	for _, c := range f.Changes {
		by := c.By
		if by == "" {
			by = "unknown"
		}
		parts = append(parts, fmt.Sprintf("at %s (from the %s): from step %d on, %s",
			time.Duration(math.Round(c.AtS*1000))*time.Millisecond, by, c.Step, levelWords(f.LevelKind, c.Level)))
	}
	times := "once"
	if len(f.Changes) > 1 {
		times = strconv.Itoa(len(f.Changes)) + " times"
	}
	return fmt.Sprintf("the shape was changed live, %s: %s; the steps after a change hold its level instead of the planned one",
		times, strings.Join(parts, "; "))
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
	return fmt.Sprintf("step %d (%s) fails the Little's-law check: it sent %s req/s, %.0f%% of the offered rate; likely cause: %s",
		f.Step, Level(0, &f.OfferedRPS), sig4(f.AchievedRPS), f.AchievedRPS/f.OfferedRPS*100, cause)
}

// runText words a warning about the run as a whole.
func runText(f analyze.RunFact) string {
	switch f.Kind {
	case analyze.RunNoRows:
		return "the run has no requests: every figure is n/a"
	case analyze.RunNoneAfterWarmup:
		return fmt.Sprintf("no request was sent after the warmup (%s): every figure is n/a", Secs(f.WarmupS))
	case analyze.RunWarmupTooLong:
		return fmt.Sprintf("the warmup (%s) is as long as the run (%s) or longer: shorten the warmup", Secs(f.WarmupS), Secs(f.DurationS))
	case analyze.RunInterrupted:
		return fmt.Sprintf("the run was interrupted after %s: the figures cover a partial run", Secs(f.DurationS))
	case analyze.RunStopped:
		return fmt.Sprintf("the run stopped early on saturation after %s (it was set to stop on saturation)", Secs(f.DurationS))
	case analyze.RunRecovered:
		return "the file was rebuilt by llmrec recover: the run never finished, and its last requests may be missing"
	case analyze.RunEndedEarly:
		msg := fmt.Sprintf("the run ended early (%s)", f.EndReason)
		if f.EndDetail != "" {
			msg += ": " + f.EndDetail
		}
		return msg
	case analyze.RunAllFailed:
		return "every request failed: latency figures are n/a"
	case analyze.RunNoTTFT:
		return "the metric is ttft, but no successful request has a TTFT (not streamed?): latency figures are n/a"
	case analyze.RunFewGrowthSteps:
		return "the growth pattern rests on only " + Plural(f.N, "step", "steps")
	case analyze.RunNoClasses:
		return "--by class: the run has no request classes (llmrec run --workload records them); no figures by class"
	case analyze.RunNoStepTime:
		return "open-loop run without a step time in its metadata: offered, achieved and completed rates are not computed"
	case analyze.RunNoChunkTimes:
		return "--slo itl bounds the gaps between content chunks, but this run has no chunk times (recorded before schema version 2 or with --chunk-times=false): no request meets it; bound tpot instead"
	case analyze.RunSeriesBuckets:
		return fmt.Sprintf("time series use %s buckets (the run is longer than %d s)", Secs(f.BucketS), analyze.MaxSeriesPoints)
	}
	return f.Kind
}

// stepText words a warning about one step, named with its level.
func stepText(f analyze.StepFact) string {
	at := fmt.Sprintf("step %d (%s)", f.Step, levelWords(f.LevelKind, f.Level))
	switch f.Kind {
	case analyze.StepNothingSent:
		why := "no request was sent in it"
		if f.Unsent > 0 {
			why = fmt.Sprintf("%d arrivals were due and none was sent (they waited for a concurrency slot until the run ended)", f.Unsent)
		}
		return fmt.Sprintf("%s was reached but %s: its figures are n/a", at, why)
	case analyze.StepUnsent:
		return fmt.Sprintf("%s: %d arrivals due in it were never sent (they waited for a concurrency slot until the run ended)", at, f.Unsent)
	case analyze.StepFewSamples:
		return fmt.Sprintf("%s has only %d successful samples (< %d): its percentiles are unreliable", at, f.Samples, analyze.MinStepSamples)
	case analyze.StepShort:
		return fmt.Sprintf("%s ran %s of its planned %s: the run ended before it was over", at, Secs(f.DurationS), Secs(f.PlannedS))
	case analyze.StepNoBaseline:
		return fmt.Sprintf("the baseline step %d has no successful request: the latency signal of saturation is not evaluated", f.Step)
	}
	return at + ": " + f.Kind
}

// failureText words a warning about requests that failed, or succeeded,
// without an answer from the target.
func failureText(f analyze.FailureFact) string {
	switch f.Kind {
	case analyze.FailGenerator:
		return fmt.Sprintf("%s failed on the load generator itself (class %s: out of file descriptors, memory or local ports), not on the target: raise `ulimit -n`, use fewer users per recorder or more shards, and do not read these failures as the target's",
			Plural(int(f.N), "request", "requests"), schemas.ErrGenerator)
	case analyze.FailEmpty:
		return fmt.Sprintf("%s got a complete 2xx answer with no content (class %s, counted as failures): the service answered without generating a token; check the model, the prompts and max_tokens",
			Plural(int(f.N), "request", "requests"), schemas.ErrEmpty)
	}
	return fmt.Sprintf("%s carried 0 output tokens: empty answers, counted as successes by the recorder that wrote the file (today's llmrec fails them as class %s); their latencies are in the figures",
		Plural(int(f.N), "success", "successes"), schemas.ErrEmpty)
}

// generatorCPUText words a load generator that was CPU-bound.
func generatorCPUText(f analyze.GeneratorCPUFact) string {
	who := "the load generator"
	if f.Named {
		who = fmt.Sprintf("the load generator of shard %d (%s)", f.Shard, f.File)
	}
	msg := fmt.Sprintf("%s used %.0f%% or more of its %d CPU cores in %d of %d seconds (peak %.2f cores): it may have been the bottleneck, and its latencies include its own wait for a CPU; use fewer users per recorder or more shards",
		who, 100*analyze.GenBusyFraction, f.Cores, f.Busy, f.Seconds, f.Peak)
	if f.Simulator {
		msg += " (the built-in simulator ran in the same process: its CPU counts too)"
	}
	return msg
}

// lateJoinText words a recorder that joined the schedule late.
func lateJoinText(f analyze.LateJoinFact) string {
	who := "the recorder"
	if f.Named {
		who = fmt.Sprintf("shard %d (%s)", f.Shard, f.File)
	}
	joined := fmt.Sprintf("%s joined the schedule %s after its start (%s)", who, f.Late.Round(time.Millisecond),
		strings.Replace(f.StartedAt.UTC().Format("2006-01-02T15:04:05.000Z07:00"), ".000Z", "Z", 1))
	switch {
	case f.AfterEnd:
		return joined + ", after the schedule's end: it sent nothing, and its share of the load is in no figure; start every shard before --start-at"
	case f.InStep > 0:
		return joined + fmt.Sprintf(", in step %d: the users it should have started before then started late, so the load ran below the users count for more than a step; start every shard before --start-at", f.InStep)
	}
	return joined + ": the users it should have started before then started late, so the load ran below the users count until it joined; start every shard before --start-at"
}

// ms is Duration of a value; pct is Pct of one.
func ms(v float64) string  { return Duration(&v) }
func pct(v float64) string { return Pct(&v) }

// sig4 prints v with at most 4 significant digits: "12.35", "0.5".
func sig4(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }
