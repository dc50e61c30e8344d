package view

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/compare"
	"github.com/llmrec/llmrec/schemas"
)

// TestWarningText: each fact analyze states is worded here, in the words
// the JSON's warnings[] have always had; a sentence analyze worded itself
// is kept, and a comparison's run is named before either.
func TestWarningText(t *testing.T) {
	tests := []struct {
		name string
		w    analyze.Warning
		want string
	}{
		{"text", analyze.Warning{Text: "the run has no requests: every figure is n/a"},
			"the run has no requests: every figure is n/a"},
		{"a run's text", analyze.Warning{Text: "the run has no requests", Run: "v2"},
			"v2: the run has no requests"},
		{"lag", analyze.Warning{Fact: analyze.LagFact{Late: 20, Requests: 40, MaxMS: 400}},
			"client-side lag: 20 requests (50.00%) were sent more than 100ms after their scheduled time (max 400ms): the load generator could not keep up"},
		{"lag, open loop", analyze.Warning{Fact: analyze.LagFact{Late: 3, Requests: 1000, MaxMS: 12500, OpenLoop: true}},
			"client-side lag: 3 requests (0.30%) were sent more than 100ms after their scheduled time (max 12.5s): they waited for a free slot under the recorder's in-flight cap (requests in flight held them), or the load generator could not keep up"},
		{"lag, open loop capped", analyze.Warning{Fact: analyze.LagFact{Late: 7, Requests: 9, MaxMS: 1234, OpenLoop: true, MaxConcurrency: 64}, Run: "v1"},
			"v1: client-side lag: 7 requests (77.78%) were sent more than 100ms after their scheduled time (max 1.23s): they waited for a free slot under --max-concurrency 64 (requests in flight held them), or the load generator could not keep up"},
		{"waited", analyze.Warning{Fact: analyze.WaitedFact{Waited: 12, Metric: "latency"}},
			"12 arrivals waited over 10.0ms for a slot: the verdict used latency, which leaves the wait out; --metric latency_from_schedule judges by what the users waited"},
		{"generator lag", analyze.Warning{Fact: analyze.GeneratorLagFact{Shard: 2, File: "runs/shard-2.parquet", P99MS: 350, PeakMS: 900}},
			"the load generator of shard 2 (runs/shard-2.parquet) sent late: p99 send lag 350ms (worst 900ms), over 100ms for more than 1.00% of its requests; use fewer users per shard or more shards"},
		{"little, lost", analyze.Warning{Fact: analyze.LittleFact{Cause: analyze.CauseLost, Count: 2, Steps: []analyze.LittleStep{
			{Step: 1, Users: 20, RPS: 19.95, CycleS: 0.423, Ratio: 0.421928}, {Step: 2, Users: 40, RPS: 19.98, CycleS: 1.09, Ratio: 0.544455}}}, Run: "v4"},
			"v4: 2 steps fail the Little's-law check (users = completed req/s x (mean latency + mean think time), within 15%), likely cause: lost rows (requests missing from the file), or think time longer than configured (none): step 1, 19.95 req/s x 423ms = 8.4 of 20 users (-58%); step 2, 19.98 req/s x 1.09s = 21.8 of 40 users (-46%)"},
		{"little, lag, one step", analyze.Warning{Fact: analyze.LittleFact{Cause: analyze.CauseLag, Count: 1, Steps: []analyze.LittleStep{
			{Step: 3, Users: 30, RPS: 12.3456, CycleS: 1.5, Ratio: 0.617280}}, WaitMinS: 1, WaitMaxS: 2}},
			"1 step fails the Little's-law check (users = completed req/s x (mean latency + mean think time), within 15%), likely cause: generator lag (requests sent over 100ms after their scheduled time): step 3, 12.35 req/s x 1.50s = 18.5 of 30 users (-38%)"},
		{"little, twice, more than listed", analyze.Warning{Fact: analyze.LittleFact{Cause: analyze.CauseTwice, Count: 6, Steps: []analyze.LittleStep{
			{Step: 1, Users: 1, RPS: 2, CycleS: 1, Ratio: 2}, {Step: 2, Users: 1, RPS: 2, CycleS: 1, Ratio: 2},
			{Step: 3, Users: 1, RPS: 2, CycleS: 1, Ratio: 2}, {Step: 4, Users: 1, RPS: 2, CycleS: 1, Ratio: 2}}, WaitMinS: 0.5, WaitMaxS: 1.5}},
			"6 steps fail the Little's-law check (users = completed req/s x (mean latency + mean think time), within 15%), likely cause: think time shorter than configured (500ms-1.5s), or rows counted twice (a shard given twice?): " +
				"step 1, 2 req/s x 1.00s = 2.0 of 1 users (+100%); step 2, 2 req/s x 1.00s = 2.0 of 1 users (+100%); step 3, 2 req/s x 1.00s = 2.0 of 1 users (+100%); step 4, 2 req/s x 1.00s = 2.0 of 1 users (+100%); 2 more"},
		{"open little, waited", analyze.Warning{Fact: analyze.OpenLittleFact{Step: 3, OfferedRPS: 30, AchievedRPS: 25, Cause: analyze.CauseWaited, Waited: 140}},
			"step 3 (30 req/s offered) fails the Little's-law check: it sent 25 req/s, 83% of the offered rate; likely cause: generator lag or the concurrency cap: 140 arrivals waited over 10.0ms"},
		{"open little, lost", analyze.Warning{Fact: analyze.OpenLittleFact{Step: 2, OfferedRPS: 12.5, AchievedRPS: 8.123456, Cause: analyze.CauseLost}},
			"step 2 (12.5 req/s offered) fails the Little's-law check: it sent 8.123 req/s, 65% of the offered rate; likely cause: lost rows (requests missing from the file)"},
		{"open little, twice", analyze.Warning{Fact: analyze.OpenLittleFact{Step: 1, OfferedRPS: 10, AchievedRPS: 20, Cause: analyze.CauseTwice}},
			"step 1 (10 req/s offered) fails the Little's-law check: it sent 20 req/s, 200% of the offered rate; likely cause: rows counted twice (a shard given twice?) or a rate other than the one recorded"},
		{"no rows", analyze.Warning{Fact: analyze.RunFact{Kind: analyze.RunNoRows}}, "the run has no requests: every figure is n/a"},
		{"none after warmup", analyze.Warning{Fact: analyze.RunFact{Kind: analyze.RunNoneAfterWarmup, WarmupS: 30}},
			"no request was sent after the warmup (30s): every figure is n/a"},
		{"warmup too long", analyze.Warning{Fact: analyze.RunFact{Kind: analyze.RunWarmupTooLong, WarmupS: 2.5, DurationS: 1.96}},
			"the warmup (2.5s) is as long as the run (2s) or longer: shorten the warmup"},
		{"interrupted", analyze.Warning{Fact: analyze.RunFact{Kind: analyze.RunInterrupted, DurationS: 61.25}},
			"the run was interrupted after 1m1.3s: the figures cover a partial run"},
		{"stopped", analyze.Warning{Fact: analyze.RunFact{Kind: analyze.RunStopped, DurationS: 20}},
			"the run stopped early on saturation after 20s (it was set to stop on saturation)"},
		{"recovered", analyze.Warning{Fact: analyze.RunFact{Kind: analyze.RunRecovered}},
			"the file was rebuilt by llmrec recover: the run never finished, and its last requests may be missing"},
		{"ended early", analyze.Warning{Fact: analyze.RunFact{Kind: analyze.RunEndedEarly, EndReason: "error", EndDetail: "connect: refused"}},
			"the run ended early (error): connect: refused"},
		{"ended early, no detail", analyze.Warning{Fact: analyze.RunFact{Kind: analyze.RunEndedEarly, EndReason: "timeout"}},
			"the run ended early (timeout)"},
		{"all failed", analyze.Warning{Fact: analyze.RunFact{Kind: analyze.RunAllFailed}}, "every request failed: latency figures are n/a"},
		{"no ttft", analyze.Warning{Fact: analyze.RunFact{Kind: analyze.RunNoTTFT}},
			"the metric is ttft, but no successful request has a TTFT (not streamed?): latency figures are n/a"},
		{"few growth steps", analyze.Warning{Fact: analyze.RunFact{Kind: analyze.RunFewGrowthSteps, N: 1}}, "the growth pattern rests on only 1 step"},
		{"series buckets", analyze.Warning{Fact: analyze.RunFact{Kind: analyze.RunSeriesBuckets, BucketS: 2}},
			"time series use 2s buckets (the run is longer than 3600 s)"},
		{"step, nothing sent", analyze.Warning{Fact: analyze.StepFact{Kind: analyze.StepNothingSent, Step: 3, Level: 30, LevelKind: analyze.LevelUsers}},
			"step 3 (30 users) was reached but no request was sent in it: its figures are n/a"},
		{"step, nothing sent, unsent", analyze.Warning{Fact: analyze.StepFact{Kind: analyze.StepNothingSent, Step: 2, Level: 12.3456, LevelKind: analyze.LevelRate, Unsent: 7}},
			"step 2 (12.346 req/s offered) was reached but 7 arrivals were due and none was sent (they waited for a concurrency slot until the run ended): its figures are n/a"},
		{"step, unsent", analyze.Warning{Fact: analyze.StepFact{Kind: analyze.StepUnsent, Step: 1, Level: 0.30000000000000004, LevelKind: analyze.LevelRate, Unsent: 2}},
			"step 1 (0.3 req/s offered): 2 arrivals due in it were never sent (they waited for a concurrency slot until the run ended)"},
		{"step, few samples", analyze.Warning{Fact: analyze.StepFact{Kind: analyze.StepFewSamples, Step: 1, Level: 1, LevelKind: analyze.LevelUsers, Samples: 12}},
			"step 1 (1 user) has only 12 successful samples (< 30): its percentiles are unreliable"},
		{"step, short", analyze.Warning{Fact: analyze.StepFact{Kind: analyze.StepShort, Step: 2, Level: 20, LevelKind: analyze.LevelUsers, DurationS: 5, PlannedS: 10}},
			"step 2 (20 users) ran 5s of its planned 10s: the run ended before it was over"},
		{"baseline without successes", analyze.Warning{Fact: analyze.StepFact{Kind: analyze.StepNoBaseline, Step: 2}},
			"the baseline step 2 has no successful request: the latency signal of saturation is not evaluated"},
		{"generator failures", analyze.Warning{Fact: analyze.FailureFact{Kind: analyze.FailGenerator, N: 6}},
			"6 requests failed on the load generator itself (class generator: out of file descriptors, memory or local ports), not on the target: raise `ulimit -n`, use fewer users per recorder or more shards, and do not read these failures as the target's"},
		{"empty", analyze.Warning{Fact: analyze.FailureFact{Kind: analyze.FailEmpty, N: 1}},
			"1 request got a complete 2xx answer with no content (class empty, counted as failures): the service answered without generating a token; check the model, the prompts and max_tokens"},
		{"empty ok", analyze.Warning{Fact: analyze.FailureFact{Kind: analyze.FailEmptyOK, N: 3}},
			"3 successes carried 0 output tokens: empty answers, counted as successes by the recorder that wrote the file (today's llmrec fails them as class empty); their latencies are in the figures"},
		{"generator cpu", analyze.Warning{Fact: analyze.GeneratorCPUFact{Cores: 2, Busy: 2, Seconds: 10, Peak: 1.8}},
			"the load generator used 90% or more of its 2 CPU cores in 2 of 10 seconds (peak 1.80 cores): it may have been the bottleneck, and its latencies include its own wait for a CPU; use fewer users per recorder or more shards"},
		{"generator cpu, shard, simulator", analyze.Warning{Fact: analyze.GeneratorCPUFact{Shard: 1, File: "run.parquet", Named: true, Cores: 4, Busy: 4, Seconds: 4, Peak: 4, Simulator: true}},
			"the load generator of shard 1 (run.parquet) used 90% or more of its 4 CPU cores in 4 of 4 seconds (peak 4.00 cores): it may have been the bottleneck, and its latencies include its own wait for a CPU; use fewer users per recorder or more shards (the built-in simulator ran in the same process: its CPU counts too)"},
		{"shard twice", analyze.Warning{Fact: analyze.ShardTwiceFact{Shard: 1, Files: 2}}, "shard 1 appears in 2 files: requests may be counted twice"},
		{"missing shard", analyze.Warning{Fact: analyze.MissingShardFact{Shard: 1, Shards: 3}},
			"shard 1 of 3 is missing (the recorder run with --shard 1/3): its requests are in no figure (throughput is low by about 1/3); give its file, or rebuild it with `llmrec recover` from its journal"},
		{"missing shards", analyze.Warning{Fact: analyze.MissingShardFact{Shards: 20, More: 9}},
			"9 more shards of 20 are missing: its requests are in no figure (throughput is low by about 1/20); give its file, or rebuild it with `llmrec recover` from its journal"},
		{"joined late", analyze.Warning{Fact: analyze.LateJoinFact{Late: 2345678 * time.Microsecond, StartedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}},
			"the recorder joined the schedule 2.346s after its start (2026-01-02T03:04:05Z): the users it should have started before then started late, so the load ran below the users count until it joined; start every shard before --start-at"},
		{"joined late, in a step", analyze.Warning{Fact: analyze.LateJoinFact{Shard: 1, File: "s1.parquet", Named: true, Late: 12 * time.Second,
			StartedAt: time.Date(2026, 1, 2, 3, 4, 5, 120e6, time.FixedZone("x", 3600)), InStep: 2}},
			"shard 1 (s1.parquet) joined the schedule 12s after its start (2026-01-02T02:04:05.120Z), in step 2: the users it should have started before then started late, so the load ran below the users count for more than a step; start every shard before --start-at"},
		{"joined after the end", analyze.Warning{Fact: analyze.LateJoinFact{Late: 25 * time.Second, StartedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), AfterEnd: true}},
			"the recorder joined the schedule 25s after its start (2026-01-02T03:04:05Z), after the schedule's end: it sent nothing, and its share of the load is in no figure; start every shard before --start-at"},
		{"more joined late", analyze.Warning{Fact: analyze.MoreShardsFact{N: 3, Of: analyze.MoreJoinedLate}}, "3 more shards joined late"},
		{"more sent late", analyze.Warning{Fact: analyze.MoreShardsFact{N: 1, Of: analyze.MoreSentLate}}, "1 more shards' generators sent late"},
	}
	for _, tt := range tests {
		if got := WarningText(tt.w); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

// TestComparisonWarningText: a comparison's own warnings, one row a
// wording, levels named as Level does.
func TestComparisonWarningText(t *testing.T) {
	r := func(v float64) *float64 { return &v }
	for _, tc := range []struct {
		name string
		f    analyze.Fact
		want string
	}{
		{"thin level, users", compare.ThinLevelFact{Users: 30, Run: "v2", Samples: 12},
			"at 30 users v2 has 12 successful requests (fewer than 30): the tests there have little power"},
		{"thin level, rate", compare.ThinLevelFact{Rate: r(12.3456), Run: "v2", Samples: 0},
			"at 12.346 req/s offered v2 has 0 successful requests (fewer than 30): the tests there have little power"},
		{"unmatched, users", compare.UnmatchedFact{Users: 1, In: []string{"a"}, Missing: []string{"b", "c"}},
			"1 user: only in a (not in b, c)"},
		{"unmatched, rate", compare.UnmatchedFact{Rate: r(30), In: []string{"a", "b"}, Missing: []string{"c"}},
			"30 req/s offered: only in a, b (not in c)"},
		{"mixed levels", compare.MixedLevelsFact{Run: "v2", Base: "v1"},
			"v2 and v1 have different user levels: their overall figures mix different loads; compare them level by level (the verdict does)"},
		{"trend, no label", compare.TrendNoLabelFact{File: "runs/a.parquet", Label: "build"},
			`runs/a.parquet has no label "build": it is ordered first, by its start time`},
		{"trend, no level", compare.TrendNoLevelFact{File: "runs/a.parquet", Level: 70},
			"runs/a.parquet: no step at level 70"},
	} {
		if got := WarningText(analyze.Warning{Fact: tc.f}); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}

// TestTrendWarningsWorded: a trend's JSON carries its warnings worded,
// and the trend is left as it was.
func TestTrendWarningsWorded(t *testing.T) {
	tr := &compare.Trend{Warnings: []analyze.Warning{{Fact: compare.TrendNoLevelFact{File: "a.parquet", Level: 5}}}}
	b, err := json.Marshal(WithTrendWords(tr).Warnings)
	if err != nil {
		t.Fatal(err)
	}
	if want := `["a.parquet: no step at level 5"]`; string(b) != want {
		t.Errorf("%s, want %s", b, want)
	}
	if tr.Warnings[0].Text != "" {
		t.Errorf("WithTrendWords changed its input: %+v", tr.Warnings)
	}
}

// TestShapeChangeText: the live changes of a run's level, levels named
// as Level does.
func TestShapeChangeText(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    analyze.ShapeChangeFact
		want string
	}{
		{"once, users", analyze.ShapeChangeFact{LevelKind: analyze.LevelUsers, Changes: []schemas.ShapeChange{{AtS: 25, Step: 3, Level: 15, By: schemas.ChangedByDashboard}}},
			"the shape was changed live, once: at 25s (from the dashboard): from step 3 on, 15 users; the steps after a change hold its level instead of the planned one"},
		{"to one user, by nobody named", analyze.ShapeChangeFact{LevelKind: analyze.LevelUsers, Changes: []schemas.ShapeChange{{AtS: 12.3456, Step: 2, Level: 1}}},
			"the shape was changed live, once: at 12.346s (from the unknown): from step 2 on, 1 user; the steps after a change hold its level instead of the planned one"},
		{"rates", analyze.ShapeChangeFact{LevelKind: analyze.LevelRate, Changes: []schemas.ShapeChange{{AtS: 5, Step: 2, Level: 7, By: "api"}, {AtS: 15, Step: 3, Level: 12.3456, By: "api"}}},
			"the shape was changed live, 2 times: at 5s (from the api): from step 2 on, 7 req/s offered; at 15s (from the api): from step 3 on, 12.346 req/s offered; the steps after a change hold its level instead of the planned one"},
	} {
		if got := WarningText(analyze.Warning{Fact: tc.f}); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}

// TestEstimateAndNonFiniteText: the warnings of estimated tokens, of the
// server telemetry, of chunk times missing, of an input file's labels and
// step ends, of classes, of an open loop without a step time and of
// figures that were not finite.
func TestEstimateAndNonFiniteText(t *testing.T) {
	for _, tc := range []struct {
		f    analyze.Fact
		want string
	}{
		{analyze.EstimateFact{Estimated: 20, Rows: 25},
			"output tokens are estimated for 20 of 25 requests: the server sent no usage, so they are counts of streamed content chunks; token figures are estimates"},
		{analyze.EstimateFact{Estimated: 20, Rows: 25, TextRows: 18},
			"output tokens are estimated for 20 of 25 requests: the server sent no usage, so they are the streamed text's bytes over 4 (at least one token a content chunk; 2 requests' chunks carried no text and were counted); token figures are estimates"},
		{analyze.TelemetryFact{File: "a.parquet", Error: "series x has 1 values for 2 scrapes"},
			"a.parquet: its server telemetry was not read: series x has 1 values for 2 scrapes"},
		{analyze.TelemetryFact{Failed: 3, Scrapes: 60, Source: "http://127.0.0.1:8000/metrics"},
			"server telemetry: 3 of 60 scrapes of http://127.0.0.1:8000/metrics failed"},
		{analyze.RunFact{Kind: analyze.RunNoChunkTimes},
			"--slo itl bounds the gaps between content chunks, but this run has no chunk times (recorded before schema version 2 or with --chunk-times=false): no request meets it; bound tpot instead"},
		{analyze.FileFact{Kind: analyze.FileLabelsCut, File: "a.parquet", N: 1, Shown: 64}, "a.parquet: 1 label past the first 64 (by key) not shown"},
		{analyze.FileFact{Kind: analyze.FileLabelsCut, File: "a.parquet", N: 3, Shown: 64}, "a.parquet: 3 labels past the first 64 (by key) not shown"},
		{analyze.FileFact{Kind: analyze.FileStepEnds, File: "a.parquet"},
			"a.parquet: its step ends (step_ends_s) are not what a recorder writes (each above the one before, within a year, one a step): its steps are read as step_time_s long each"},
		{analyze.UnclassedFact{N: 7}, "--by class: 7 post-warmup requests have no class the footer names; they are in no class's figures"},
		{analyze.RunFact{Kind: analyze.RunNoClasses}, "--by class: the run has no request classes (llmrec run --workload records them); no figures by class"},
		{analyze.RunFact{Kind: analyze.RunNoStepTime},
			"open-loop run without a step time in its metadata: offered, achieved and completed rates are not computed"},
		{analyze.NonFiniteFact{N: 1}, "1 figure came out infinite or not a number (the input holds extreme values) and is shown as n/a"},
		{analyze.NonFiniteFact{N: 4}, "4 figures came out infinite or not a number (the input holds extreme values) and are shown as n/a"},
	} {
		if got := WarningText(analyze.Warning{Fact: tc.f}); got != tc.want {
			t.Errorf("%+v:\n got %q\nwant %q", tc.f, got, tc.want)
		}
	}
}

// TestRowsFactText: the rows of an input file left out, each reason with
// its count and what it names (the footer's run and shard, the latency's
// bounds, the shape's steps and users, bounded or not), those read as
// having no TTFT or tokens, and those whose send lag was clamped.
func TestRowsFactText(t *testing.T) {
	every := analyze.RowCounts{Foreign: 1, Nulls: 2, BadLatency: 3, BadShape: 4, BadTime: 5, Repeats: 6, BadTTFT: 7, BadTokens: 8, BadLag: 9}
	for _, tc := range []struct {
		f    analyze.RowsFact
		want string
	}{
		{analyze.RowsFact{Kind: analyze.RowsLeftOut, File: "shard-0.parquet", Rows: 500, RowCounts: every, RunID: `run "b"`, Shard: 2, MaxStep: 3, MaxUsers: 100},
			`shard-0.parquet: 21 of 500 rows were left out: 1 with a run_id or shard other than its footer's (run "run \"b\"", shard 2), ` +
				"2 with a NULL where the format allows none, " +
				"3 with a latency_ms that is negative, under 1e-06 ms (1 ns) but not 0, not finite or over 1e+09 ms, " +
				"4 with a step or users outside the run's shape (steps 1 to 3, 0 to 100 users), " +
				"5 sent outside the run's time (started_at to ended_at), " +
				"6 repeating the seq of an earlier row"},
		{analyze.RowsFact{Kind: analyze.RowsLeftOut, File: "a.parquet", Rows: 40, RowCounts: analyze.RowCounts{BadShape: 4, BadTTFT: 1}},
			"a.parquet: 4 of 40 rows were left out: 4 with a step or users outside the run's shape (steps from 1, users from 0)"},
		{analyze.RowsFact{Kind: analyze.RowsLeftOut, File: "a.parquet", Rows: 40, RowCounts: analyze.RowCounts{BadShape: 4}, MaxUsers: 64},
			"a.parquet: 4 of 40 rows were left out: 4 with a step or users outside the run's shape (steps from 1, 0 to 64 users)"},
		{analyze.RowsFact{Kind: analyze.RowsLeftOut, File: "a.parquet", Rows: 40, RowCounts: analyze.RowCounts{Repeats: 10}},
			"a.parquet: 10 of 40 rows were left out: 10 repeating the seq of an earlier row"},
		{analyze.RowsFact{Kind: analyze.RowsReadAsNone, File: "a.parquet", Rows: 500, RowCounts: every},
			"a.parquet: 7 rows with a ttft_ms that is negative, not finite or over their latency_ms, and 8 with a negative token count, were read as having none"},
		{analyze.RowsFact{Kind: analyze.RowsReadAsNone, File: "a.parquet", Rows: 500, RowCounts: analyze.RowCounts{BadTokens: 3}},
			"a.parquet: 0 rows with a ttft_ms that is negative, not finite or over their latency_ms, and 3 with a negative token count, were read as having none"},
		{analyze.RowsFact{Kind: analyze.RowsLagClamped, File: "a.parquet", Rows: 500, RowCounts: every},
			"a.parquet: 9 rows with a scheduled_at more than 1s after their start or before the run's start: their send lag was clamped to the run's time"},
	} {
		if got := WarningText(analyze.Warning{Fact: tc.f}); got != tc.want {
			t.Errorf("%+v:\n got %q\nwant %q", tc.f, got, tc.want)
		}
	}
}

// TestEveryFactWorded: no fact falls through to its type's name.
func TestEveryFactWorded(t *testing.T) {
	for _, f := range []analyze.Fact{analyze.LagFact{Requests: 1}, analyze.WaitedFact{}, analyze.GeneratorLagFact{}, analyze.LittleFact{},
		analyze.OpenLittleFact{OfferedRPS: 1}, analyze.RunFact{Kind: analyze.RunNoRows}, analyze.StepFact{Kind: analyze.StepShort},
		analyze.ShardTwiceFact{}, analyze.MissingShardFact{}, analyze.LateJoinFact{}, analyze.MoreShardsFact{},
		analyze.GeneratorCPUFact{}, analyze.FailureFact{Kind: analyze.FailEmpty},
		analyze.ShapeChangeFact{}, analyze.TelemetryFact{}, analyze.FileFact{}, analyze.UnclassedFact{},
		analyze.RowsFact{Kind: analyze.RowsLeftOut}, analyze.RowsFact{Kind: analyze.RowsReadAsNone}, analyze.RowsFact{Kind: analyze.RowsLagClamped},
		analyze.RunFact{Kind: analyze.RunNoClasses}, analyze.RunFact{Kind: analyze.RunNoStepTime}, analyze.RunFact{Kind: analyze.RunNoChunkTimes}, analyze.EstimateFact{}, analyze.NonFiniteFact{}, compare.ThinLevelFact{}, compare.UnmatchedFact{}, compare.MixedLevelsFact{}, compare.TrendNoLabelFact{}, compare.TrendNoLevelFact{}} {
		if got := WarningText(analyze.Warning{Fact: f}); strings.HasPrefix(got, "analyze.") || got == "" {
			t.Errorf("%T worded %q", f, got)
		}
	}
}

// TestWarningsWorded: the JSON carries every warning worded, the run's
// name before it, in order, and the analysis itself is left as it was.
func TestWarningsWorded(t *testing.T) {
	a := &analyze.Analysis{Warnings: []analyze.Warning{
		{Text: "first"},
		{Fact: analyze.WaitedFact{Waited: 2, Metric: "ttft"}},
		{Text: "third", Run: "v1"},
	}}
	b, err := json.Marshal(WithWords(a).Warnings)
	if err != nil {
		t.Fatal(err)
	}
	want := `["first","2 arrivals waited over 10.0ms for a slot: the verdict used ttft, which leaves the wait out; --metric latency_from_schedule judges by what the users waited","v1: third"]`
	if string(b) != want {
		t.Errorf("%s\nwant %s", b, want)
	}
	if a.Warnings[1].Text != "" || a.Warnings[2].Run != "v1" {
		t.Errorf("WithWords changed its input: %+v", a.Warnings)
	}
	if _, err := json.Marshal(a.Warnings); err == nil || !strings.Contains(err.Error(), "not worded") {
		t.Errorf("the unworded warnings marshal: %v", err)
	}
}

// TestGrowthSummary: the growth evidence in one sentence, the JSON's
// growth.summary, for each way the rule can decide.
func TestGrowthSummary(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	ev := func(n int) analyze.GrowthEvidence { return analyze.GrowthEvidence{P95MS: make([]float64, n)} }
	with := func(e analyze.GrowthEvidence, edit func(*analyze.GrowthEvidence)) analyze.GrowthEvidence {
		edit(&e)
		return e
	}
	tests := []struct {
		name   string
		g      analyze.Growth
		kind   string
		errThr float64
		want   string
	}{
		{"one step", analyze.Growth{Pattern: analyze.GrowthFlat, Evidence: ev(1)}, analyze.LevelUsers, 0.01,
			"1 step with a p95: too few to see growth"},
		{"none, failures", analyze.Growth{Pattern: analyze.GrowthFlatWithFailures, Evidence: with(ev(0), func(e *analyze.GrowthEvidence) { e.MaxFailRate = f(0.25) })},
			analyze.LevelUsers, 0.01, "0 steps with a p95: too few to see growth; failure rate rises to 25.00% (over 1.00%)"},
		{"flat ratio", analyze.Growth{Pattern: analyze.GrowthFlat, Evidence: with(ev(4), func(e *analyze.GrowthEvidence) { e.P95Ratio, e.Slope = f(1.123), f(0.5) })},
			analyze.LevelUsers, 0.01, "p95 max/min 1.12 < 1.25 over 4 steps"},
		{"flat slope", analyze.Growth{Pattern: analyze.GrowthFlat, Evidence: with(ev(3), func(e *analyze.GrowthEvidence) { e.P95Ratio, e.Slope = f(2), f(-1.23456) })},
			analyze.LevelUsers, 0.01, "p95 does not grow with users (slope -1.235 ms/user)"},
		{"flat slope, rate, failures", analyze.Growth{Pattern: analyze.GrowthFlatWithFailures, Evidence: with(ev(3), func(e *analyze.GrowthEvidence) {
			e.P95Ratio, e.Slope, e.MaxFailRate = f(2), f(0), f(0.5)
		})}, analyze.LevelRate, 0.05, "p95 does not grow with the offered rate (slope 0 ms per req/s); failure rate rises to 50.00% (over 5.00%)"},
		{"linear", analyze.Growth{Pattern: analyze.GrowthLinear, Evidence: with(ev(5), func(e *analyze.GrowthEvidence) {
			e.P95Ratio, e.SlopeFirst, e.SlopeLast, e.SlopeRatio = f(3.456), f(10), f(12.5), f(1.25)
		})}, analyze.LevelUsers, 0.01, "p95 max/min 3.46; slope first third 10, last third 12.5 ms/user (ratio 1.25 <= 3)"},
		{"exponential", analyze.Growth{Pattern: analyze.GrowthExponential, Evidence: with(ev(6), func(e *analyze.GrowthEvidence) {
			e.P95Ratio, e.SlopeFirst, e.SlopeLast, e.SlopeRatio = f(20), f(2.1), f(546.3), f(260.142)
		})}, analyze.LevelRate, 0.01, "p95 max/min 20.00; slope first third 2.1, last third 546.3 ms per req/s (ratio 260.1 > 3)"},
		{"exponential from flat", analyze.Growth{Pattern: analyze.GrowthExponential, Evidence: with(ev(6), func(e *analyze.GrowthEvidence) {
			e.P95Ratio, e.SlopeFirst, e.SlopeLast = f(15.84), f(-1.107), f(546.3)
		})}, analyze.LevelUsers, 0.01, "p95 max/min 15.84; slope first third -1.107, last third 546.3 ms/user (flat, then rising)"},
	}
	for _, tt := range tests {
		if got := GrowthSummary(tt.g, tt.kind, tt.errThr); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

// TestCapacityRule: how the capacity level was chosen, with and without
// an SLO.
func TestCapacityRule(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	tests := []struct {
		name string
		set  analyze.Settings
		want string
	}{
		{"no slo", analyze.Settings{ErrorThreshold: 0.01},
			"the last level before saturation (no --slo: every success is good); none when the first judged step saturated"},
		{"slo", analyze.Settings{ErrorThreshold: 0.01, SLOTarget: 0.9, SLO: &analyze.SLOSettings{TTFTMS: f(150), LatencyMS: f(1000)}},
			"the highest level such that it and every level below it had at least 90% good requests (succeeded and met TTFT ≤ 150 ms, latency ≤ 1 s) and failed no more than 1.00%"},
		{"slo, odd target", analyze.Settings{ErrorThreshold: 0.005, SLOTarget: 0.995, SLO: &analyze.SLOSettings{ITLMS: f(50)}},
			"the highest level such that it and every level below it had at least 99.5% good requests (succeeded and met ITL ≤ 50 ms) and failed no more than 0.50%"},
	}
	for _, tt := range tests {
		if got := CapacityRule(tt.set); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

// TestHealthText: a health row's values as printed; a text the row
// already has (read back from JSON) is kept.
func TestHealthText(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	tests := []struct {
		name        string
		h           analyze.Health
		text, whole string
	}{
		{"ratio", analyze.Health{Signal: "p99_p50", Value: f(1.7249), WholeValue: f(8.571)}, "1.72x", "8.57x"},
		{"fail rate", analyze.Health{Signal: "fail_rate", Value: f(0.0005), WholeValue: f(1)}, "0.05%", "100.00%"},
		{"none", analyze.Health{Signal: "fail_rate"}, "n/a", "n/a"},
		{"growth", analyze.Health{Signal: "growth", Text: "linear", WholeText: "linear"}, "linear", "linear"},
		{"kept", analyze.Health{Signal: "fail_rate", Value: f(0.0009), Text: "0.41%"}, "0.41%", "n/a"},
	}
	for _, tt := range tests {
		if text, whole := HealthText(tt.h); text != tt.text || whole != tt.whole {
			t.Errorf("%s: %q, %q; want %q, %q", tt.name, text, whole, tt.text, tt.whole)
		}
	}
}
