package analyze

import (
	"time"

	"github.com/llmrec/llmrec/schemas"
)

// FormatVersion is the version of the Analysis document (the JSON output's
// format_version). It changes only when a key is removed or changes meaning;
// new keys may be added within a version.
const FormatVersion = 2

// Fixed thresholds of the method. They are part of the documented
// definitions (report/view words them) and are echoed in Settings.
const (
	// MinStepSamples is the sample count under which a step's percentiles
	// are flagged as unreliable in Warnings.
	MinStepSamples = 30
	// MinWindowSamples is the least number of successful requests a
	// windowed-percentile window needs; fewer is a gap (nil), never a zero.
	MinWindowSamples = 3
	// MaxSeriesPoints caps the length of every time series: a run longer
	// than MaxSeriesPoints seconds gets buckets of ceil(duration /
	// MaxSeriesPoints) seconds instead of one second (Series.BucketS).
	MaxSeriesPoints = 3600
	// FlatRatio: the p95 growth is "flat" when max/min p95 over the growth
	// steps is below this ratio.
	FlatRatio = 1.25
	// ExpSlopeRatio: growth is "exponential" when the slope of p95 against
	// users over the last third of the growth steps exceeds this multiple of
	// the slope over the first third.
	ExpSlopeRatio = 3.0
	// LagThresholdMS: a request sent more than this after its scheduled_at
	// is "late" (client-side lag: the generator could not keep up).
	LagThresholdMS = 100.0
	// LagWarnFraction: more than this fraction of late post-warmup requests
	// raises a warning.
	LagWarnFraction = 0.01
	// HeavyWarmupShare: a warmup that removes more than this share of the
	// requests (or a whole step) is named in the verdict.
	HeavyWarmupShare = 0.25
	// HistogramBuckets is the number of log-spaced latency histogram buckets.
	HistogramBuckets = 40
)

// Health bands (docs/METHOD.md, "Health bands").
const (
	BandHealthy  = "healthy"
	BandWarning  = "warning"
	BandCritical = "critical"
	BandNA       = "n/a" // no samples to judge
)

// Growth patterns of p95 across steps.
const (
	GrowthLinear           = "linear"
	GrowthExponential      = "exponential"
	GrowthFlatWithFailures = "flat_with_failures"
	GrowthFlat             = "flat"
)

// Saturation signals.
const (
	SignalLatency = "latency"
	SignalErrors  = "errors"
	// SignalThroughput (open loops only): a step sent less than
	// SentRatioThreshold of its offered rate, or more than WaitFraction of
	// its arrivals waited (were sent more than WaitToleranceMS late).
	SignalThroughput = "throughput"
)

// Open-loop thresholds of the method (see openSaturation).
const (
	// SentRatioThreshold: a step whose achieved rate is below this share
	// of its offered rate has not been able to send its load.
	SentRatioThreshold = 0.9
	// WaitToleranceMS: an arrival sent more than this after its arrival
	// time waited (for a concurrency slot, or for the generator).
	WaitToleranceMS = 10.0
	// WaitFraction: more than this share of a step's arrivals waiting
	// fires the throughput signal.
	WaitFraction = 0.01
)

// Metrics selectable with Options.Metric.
const (
	MetricLatency = "latency" // latency_ms: send to last byte
	MetricTTFT    = "ttft"    // ttft_ms: send to first content token
	// MetricLatencyFromSchedule is scheduled_at to last byte: latency plus
	// the wait before the send (coordinated omission corrected, as wrk2
	// does). It matters in open loops, where scheduled_at is the arrival.
	MetricLatencyFromSchedule = "latency_from_schedule"
)

// Analysis is everything llmrep reports about one run. Renderers (text,
// JSON, Markdown, HTML) and compare/check consume it; they compute nothing
// the analyzer did not. Times are in milliseconds unless a key says
// otherwise; a figure that has no samples is a nil pointer (JSON null),
// never a zero.
type Analysis struct {
	FormatVersion int        `json:"format_version"`
	Run           Run        `json:"run"`
	Settings      Settings   `json:"settings"`
	Overall       Overall    `json:"overall"`
	Steps         []Step     `json:"steps"`
	Baseline      *Baseline  `json:"baseline"`
	Saturation    Saturation `json:"saturation"`
	// Capacity is the highest level held within the SLOs before
	// saturation; Peak the highest throughput of any step.
	Capacity Capacity `json:"capacity"`
	Peak     Peak     `json:"peak"`
	// Scalability is the Universal Scalability Law fitted to a closed
	// loop's steps; absent for an open loop.
	Scalability *Scalability `json:"scalability,omitempty"`
	Growth      Growth       `json:"growth"`
	// Health judges the steady state (Steady); each row also gives the
	// whole run's value.
	Health []Health `json:"health"`
	// Steady is the steady state the health bands judge: the post-warmup
	// steps before saturation (the whole run when it does not saturate).
	Steady Steady `json:"steady"`
	// Warmup is what the warmup removed.
	Warmup WarmupEffect `json:"warmup"`
	// Errors are the post-warmup failures by error class, most frequent
	// first (ties by class name).
	Errors []ErrorCount `json:"errors"`
	// Lag is the client-side scheduling lag (start - scheduled_at) of
	// post-warmup requests.
	Lag Lag `json:"lag"`
	// LLM holds the LLM figures; nil when the run has no TTFT and no
	// output-token counts (e.g. a plain http API without usage).
	LLM *LLM `json:"llm"`
	// Turns are the figures by conversation turn of a run whose users
	// held conversations (Workload.Turns > 1), in turn order; absent
	// otherwise.
	Turns []Turn `json:"turns,omitempty"`
	// Series are the per-second time series for charts. They include the
	// warmup (charts shade it: see Series.WarmupS).
	Series Series `json:"series"`
	// Histogram is the distribution of the selected metric over
	// post-warmup successes.
	Histogram Histogram `json:"histogram"`
	// Telemetry is the server's own metrics, per step (llmrec run
	// --server-metrics); absent when the run has none.
	Telemetry *Telemetry `json:"telemetry,omitempty"`
	// Classes are the figures by request class (--by class), in the
	// footer's order; absent without --by class, empty when the run has
	// no classes.
	Classes []ClassFigures `json:"classes,omitempty"`
	// Definitions state how every figure is computed, in report order:
	// empty from Analyze, filled by report/view (view.WithWords) before
	// the JSON is written.
	Definitions []Definition `json:"definitions"`
	// Warnings are conditions the reader must know to trust the figures
	// (few samples, short steps, client lag, early end...). Never fatal.
	// The JSON carries each as its sentence (Warning.Text).
	Warnings []Warning `json:"warnings"`
}

// Run describes the run from its footer metadata (schemas.RunMeta), merged
// over its shards.
type Run struct {
	RunID string `json:"run_id"`
	// LevelKind is what the run's levels are: "users" (closed loop) or
	// "rate" (offered req/s, open loop).
	LevelKind   string            `json:"level_kind"`
	StartedAt   time.Time         `json:"started_at"` // the origin of warmup and of the time axis
	EndedAt     time.Time         `json:"ended_at"`   // latest over the shards
	DurationS   float64           `json:"duration_s"` // ended_at - started_at
	EndReason   string            `json:"end_reason"` // completed, interrupted, saturated, error, recovered
	EndDetail   string            `json:"end_detail,omitempty"`
	Labels      map[string]string `json:"labels"`
	Model       string            `json:"model"`
	Target      string            `json:"target"`
	Simulator   string            `json:"simulator,omitempty"`
	API         string            `json:"api"`
	Stream      bool              `json:"stream"`
	MaxTokens   int               `json:"max_tokens"`
	Shape       Shape             `json:"shape"`
	Timeouts    Timeouts          `json:"timeouts"`
	ToolVersion string            `json:"tool_version"`
	// EstimatedOutputRows counts rows (over every shard, warmup included)
	// whose output_tokens is the recorder's estimate, the server having
	// sent no usage; absent when there are none.
	EstimatedOutputRows int64 `json:"estimated_output_rows,omitempty"`
	// EstimatedTextRows counts those of them estimated from the length of
	// the streamed text (about 4 bytes a token, at least one token a
	// content chunk); the rest are counts of content chunks.
	EstimatedTextRows int64 `json:"estimated_output_text_rows,omitempty"`
	// Workload is what the requests asked for (the first shard's footer);
	// absent in files written before workloads were recorded.
	Workload *Workload `json:"workload,omitempty"`
	// ChunkTimes: some shard recorded every content chunk's arrival
	// (schema version 2 with chunk times on), so the ITL and the stalls
	// are known; absent when none did.
	ChunkTimes bool `json:"chunk_times,omitempty"`
	// Rows is the number of rows read over every shard, warmup included.
	Rows int64 `json:"rows"`
	// Shards lists the files read, ordered by shard number then file name.
	Shards []Shard `json:"shards"`
	// Generator is the recorder's view of itself, worst over the shards.
	Generator Generator `json:"generator"`
	// unsent are the arrivals never sent, by step, summed over the shards'
	// footers (Step.Unsent).
	unsent map[int]int64
}

// Shape is the step-load shape the run used (schemas.Shape).
type Shape struct {
	Profile          string  `json:"profile"`
	StepUsers        int     `json:"step_users"`
	StepTimeS        float64 `json:"step_time_s"`
	MaxUsers         int     `json:"max_users"`
	SpawnRate        float64 `json:"spawn_rate"`
	DurationS        float64 `json:"duration_s"`
	WaitMinS         float64 `json:"wait_min_s"`
	WaitMaxS         float64 `json:"wait_max_s"`
	StopOnSaturation bool    `json:"stop_on_saturation"`
	// Open-loop settings (schemas.Shape): Arrival is "poisson" or
	// "constant" for an open loop, "" or "closed" for users.
	Arrival        string  `json:"arrival,omitempty"`
	Rate           float64 `json:"rate,omitempty"`
	StepRate       float64 `json:"step_rate,omitempty"`
	MaxRate        float64 `json:"max_rate,omitempty"`
	Burstiness     float64 `json:"burstiness,omitempty"`
	MaxConcurrency int     `json:"max_concurrency,omitempty"`
	Seed           int64   `json:"seed,omitempty"`
	// A capacity search (schemas.Shape): the level of each step in order,
	// each step's own warmup, and how the search chose the levels.
	Levels       []float64 `json:"levels,omitempty"`
	ProbeWarmupS float64   `json:"probe_warmup_s,omitempty"`
	// StepEndsS, when set, is where each step ended, in seconds from
	// started_at (schemas.Shape.StepEndsS, cleaned: see cleanStepEnds):
	// steps of their own lengths, a search's probes that stopped once
	// decided. StepSpan reads it.
	StepEndsS []float64       `json:"step_ends_s,omitempty"`
	Search    *schemas.Search `json:"search,omitempty"`
	// Changes are the level changes made while the run went on (the live
	// dashboard's), cleaned (see cleanChanges): from each one's step on,
	// the level is its level.
	Changes []schemas.ShapeChange `json:"changes,omitempty"`
}

// Workload is the requests' size settings (schemas.Workload): token ranges
// "N" or "MIN-MAX" ("" when unset), ignore_eos, where prompts came from,
// the turns of a conversation (0 without) and the shared prefixes (0, 0
// without).
type Workload struct {
	InputTokens  string `json:"input_tokens,omitempty"`
	OutputTokens string `json:"output_tokens,omitempty"`
	IgnoreEOS    bool   `json:"ignore_eos,omitempty"`
	Prompts      string `json:"prompts,omitempty"`
	Seed         int64  `json:"seed"`
	Turns        int    `json:"turns,omitempty"`
	PrefixTokens int    `json:"prefix_tokens,omitempty"`
	Prefixes     int    `json:"prefixes,omitempty"`
	// Classes are the request classes of a --workload run (schemas.Class).
	Classes []schemas.Class `json:"classes,omitempty"`
}

// Timeouts are the request timeouts the run used (schemas.Timeouts).
type Timeouts struct {
	TimeoutS     float64 `json:"timeout_s"`
	IdleTimeoutS float64 `json:"idle_timeout_s"`
	GraceS       float64 `json:"grace_s"`
}

// Shard is one input file.
type Shard struct {
	File      string    `json:"file"` // base name of the path given
	Shard     int       `json:"shard"`
	Shards    int       `json:"shards"`
	Hostname  string    `json:"hostname"`
	Rows      int64     `json:"rows"`
	StartedAt time.Time `json:"started_at"`
	EndedAt   time.Time `json:"ended_at"`
	EndReason string    `json:"end_reason"`
	// JoinedAt is when a shard that started after StartedAt joined the
	// schedule; absent when it was on time.
	JoinedAt *time.Time `json:"joined_at,omitempty"`
}

// Generator summarises schemas.Generator over the shards (maxima).
type Generator struct {
	PeakCPU   float64 `json:"peak_cpu"`
	PeakLagMS float64 `json:"peak_lag_ms"`
	P99LagMS  float64 `json:"p99_lag_ms"`
}

// Settings are the options the figures were computed with, plus the fixed
// constants of the method.
type Settings struct {
	WarmupS float64 `json:"warmup_s"`
	// WarmupAuto: WarmupS is the automatic warmup (AutoWarmup), not a
	// duration given.
	WarmupAuto       bool    `json:"warmup_auto"`
	WindowS          float64 `json:"window_s"`
	BaselineUsers    int     `json:"baseline_users"`
	LatencyThreshold float64 `json:"latency_threshold"`
	ErrorThreshold   float64 `json:"error_threshold"`
	Metric           string  `json:"metric"` // "latency" or "ttft"
	MinStepSamples   int     `json:"min_step_samples"`
	MinWindowSamples int     `json:"min_window_samples"`
	// SLO are the --slo bounds (nil when none was given: every success is
	// good); SLOTarget the attainment a level needs to hold.
	SLO       *SLOSettings `json:"slo"`
	SLOTarget float64      `json:"slo_target"`
	// StallMS is the --stall threshold: a request whose longest gap
	// between content chunks is over it stalled.
	StallMS float64 `json:"stall_ms"`
	// Percentiles are the --percentiles asked for (in percent, ascending);
	// absent when not given. Each latency block and LLM distribution then
	// lists them (Percentile).
	Percentiles []float64 `json:"percentiles,omitempty"`
}

// Percentile is one of the --percentiles of a distribution: P in
// percent (99.9), V in the distribution's unit (nil without samples).
type Percentile struct {
	P float64  `json:"p"`
	V *float64 `json:"value"`
}

// SLOSettings are the SLO bounds in ms (nil: not set). TPOTMS bounds a
// request's time per output token; ITLMS every gap between its content
// chunks (its longest gap); LatencyMS its E2EL.
type SLOSettings struct {
	TTFTMS    *float64 `json:"ttft_ms"`
	TPOTMS    *float64 `json:"tpot_ms"`
	ITLMS     *float64 `json:"itl_ms"`
	LatencyMS *float64 `json:"latency_ms"`
}

// Goodput are the SLO figures shared by Overall and Step. Good counts the
// requests that succeeded and met every SLO (every success without
// --slo); SLOAttainment is good / requests (nil with no requests);
// GoodputRPS is good per second of the span rps uses (nil when it is 0).
type Goodput struct {
	Good          int64    `json:"good"`
	SLOAttainment *float64 `json:"slo_attainment"`
	GoodputRPS    *float64 `json:"goodput_rps"`
}

// Level kinds of Capacity: a closed loop's levels are users, an open
// loop's offered rates (req/s).
const (
	LevelUsers = "users"
	LevelRate  = "rate"
)

// Capacity answers how much the service holds: the highest level (see
// capacity) whose steps met the SLO target before saturation.
type Capacity struct {
	LevelKind string `json:"level_kind"`
	// Level is the capacity level (users, or offered req/s); nil when even
	// the first level fails the target (or the run has no step).
	Level *float64 `json:"level"`
	// Step is the step at Level (its last step at that level).
	Step *int `json:"step"`
	// GoodputRPS and OutputTokensPerS are that step's.
	GoodputRPS       *float64 `json:"goodput_rps"`
	OutputTokensPerS *float64 `json:"output_tokens_per_s"`
	// Bounded: the level is below the run's saturation point (false when
	// the run never saturated: the service may hold more).
	Bounded bool `json:"bounded"`
	// Rule is how Level was chosen, in words.
	Rule string `json:"rule"`
}

// Peak is the highest throughput of any step: successes completed per
// second (Step.CompletedRPS in an open loop, OK / duration otherwise)
// and output tokens per second, where each happened, and how far the last
// step fell below the peak req/s (a fraction: 0.68 is 68% lower; 0 when
// the last step is the peak).
type Peak struct {
	RPS              *float64 `json:"rps"`
	Level            *float64 `json:"level"`
	Step             *int     `json:"step"`
	OutputTokensPerS *float64 `json:"output_tokens_per_s"`
	TokensLevel      *float64 `json:"tokens_level"`
	TokensStep       *int     `json:"tokens_step"`
	DropAfterPeak    *float64 `json:"drop_after_peak"`
	// LastLevel is the level of the run's last step (the drop is to it;
	// a capacity search's highest level, its steps' levels not growing
	// with time).
	LastLevel *float64 `json:"last_level"`
	// KneeLevel is the throughput knee: the level after which completed
	// req/s stopped rising by more than 5% (level.KneeGain); nil with
	// fewer than two levels with a completed rate. Evidence beside the
	// saturation point.
	KneeLevel *float64 `json:"knee_level"`
	KneeStep  *int     `json:"knee_step"`
}

// Latency is the percentile block shared by Overall and Step: exact
// quantile_cont (linear interpolation) of the selected metric over
// successful requests. With metric ttft the values are TTFT; the keys keep
// the _ms suffix.
type Latency struct {
	Samples int64    `json:"samples"` // successes with a value for the metric
	MinMS   *float64 `json:"min_ms"`
	MeanMS  *float64 `json:"mean_ms"`
	P50MS   *float64 `json:"p50_ms"`
	P90MS   *float64 `json:"p90_ms"`
	P95MS   *float64 `json:"p95_ms"`
	P99MS   *float64 `json:"p99_ms"`
	MaxMS   *float64 `json:"max_ms"`
	// P99P50 is p99/p50; nil when either is missing or p50 is 0.
	P99P50 *float64 `json:"p99_p50"`
	// Percentiles are the --percentiles (absent when not given).
	Percentiles []Percentile `json:"percentiles,omitempty"`
}

// Overall are the figures over every post-warmup request.
type Overall struct {
	Requests int64 `json:"requests"` // sent after the warmup
	OK       int64 `json:"ok"`
	Failures int64 `json:"failures"`
	// FailRate is failures/requests; nil with no requests.
	FailRate *float64 `json:"fail_rate"`
	// RPS is requests / MeasuredS; nil when MeasuredS is 0.
	RPS *float64 `json:"rps"`
	// MeasuredS is the post-warmup span: ended_at - started_at - warmup
	// (0 when the warmup is longer than the run).
	MeasuredS float64 `json:"measured_s"`
	// WarmupRequests counts the requests excluded as warmup.
	WarmupRequests int64 `json:"warmup_requests"`
	Latency
	Goodput
}

// Step are the figures over the post-warmup requests sent in one step of
// the shape. Steps wholly inside the warmup are not listed.
type Step struct {
	Step int `json:"step"`
	// Level is what the run set for the step: its users in a closed loop,
	// its offered rate (req/s) in an open loop (Run.LevelKind).
	Level float64 `json:"level"`
	// Users is the most users active at a send in the step: a closed
	// loop's level; in an open loop the requests in flight (evidence, not
	// a level).
	Users    int      `json:"users"`
	Requests int64    `json:"requests"`
	OK       int64    `json:"ok"`
	Failures int64    `json:"failures"`
	FailRate *float64 `json:"fail_rate"`
	RPS      *float64 `json:"rps"` // requests / DurationS
	// StartS and EndS bound the step's post-warmup span in seconds since
	// started_at: the planned span [(step-1)·step_time, step·step_time]
	// clipped to [warmup, duration]. Without a step time in the metadata,
	// the span from the step's first to its last send.
	StartS    float64 `json:"start_s"`
	EndS      float64 `json:"end_s"`
	DurationS float64 `json:"duration_s"`
	Latency
	Goodput
	// LittleRatio is the Little's-law check of a closed-loop step:
	// completed req/s × (mean latency + mean think time) / users over the
	// step's steady part (docs/METHOD.md); absent when the steady part is
	// too short to tell, and in open loops.
	LittleRatio *float64 `json:"little_ratio,omitempty"`
	// Errors counts failures by error class (absent classes omitted).
	Errors map[string]int64 `json:"errors"`
	// LLM figures of the step; nil when the run has none.
	LLM *StepLLM `json:"llm"`

	// Open-loop figures, absent in closed runs. OfferedRPS is the step's
	// arrival rate from the run's settings; AchievedRPS the post-warmup
	// requests sent (by start) within the step's span per second;
	// CompletedRPS (closed loops too) the successes completed within
	// the span per second, whenever they were sent; Waited the step's arrivals sent more
	// than WaitToleranceMS after their arrival time.
	OfferedRPS   *float64 `json:"offered_rps,omitempty"`
	AchievedRPS  *float64 `json:"achieved_rps,omitempty"`
	CompletedRPS *float64 `json:"completed_rps,omitempty"`
	Waited       *int64   `json:"waited,omitempty"`
	// FromScheduleP95MS is, in an open loop judged by latency where
	// arrivals waited for a slot, the p95 of latency from schedule (the
	// wait included: what the users waited) beside the verdict's metric;
	// absent otherwise.
	FromScheduleP95MS *float64 `json:"latency_from_schedule_p95_ms,omitempty"`
	// Unsent counts an open loop's arrivals due in the step that were
	// never sent (the run ended while they waited for a slot); absent when
	// none.
	Unsent int64 `json:"unsent,omitempty"`
	// Tokens are the token counts the step's successes received; present
	// only when the run records its workload (Run.Workload), so that what
	// was asked can be set beside what came back.
	Tokens *StepTokens `json:"tokens,omitempty"`
}

// StepTokens are a step's received token counts over its post-warmup
// successes (nil: no success has the count).
type StepTokens struct {
	PromptP50 *float64 `json:"prompt_p50"`
	PromptP95 *float64 `json:"prompt_p95"`
	OutputP50 *float64 `json:"output_p50"`
	OutputP95 *float64 `json:"output_p95"`
}

// StepLLM are a step's LLM figures over its successful requests.
type StepLLM struct {
	TTFTP50MS *float64 `json:"ttft_p50_ms"`
	TTFTP95MS *float64 `json:"ttft_p95_ms"`
	TTFTP99MS *float64 `json:"ttft_p99_ms"`
	// TPOT: time per output token after the first, per request.
	TPOTP50MS *float64 `json:"tpot_p50_ms"`
	TPOTP95MS *float64 `json:"tpot_p95_ms"`
	TPOTP99MS *float64 `json:"tpot_p99_ms"`
	// ITL: every gap between consecutive content chunks, pooled over the
	// step's successes (nil without chunk times).
	ITLP50MS *float64 `json:"itl_p50_ms"`
	ITLP95MS *float64 `json:"itl_p95_ms"`
	ITLP99MS *float64 `json:"itl_p99_ms"`
	// MaxGapMS is the longest gap of any success of the step; StallShare
	// the share of its successes with chunk times whose longest gap is
	// over the --stall threshold (nil without chunk times).
	MaxGapMS   *float64 `json:"max_gap_ms"`
	StallShare *float64 `json:"stall_share"`
	// TokensPerSP50 is the median per-request output tokens/s.
	TokensPerSP50 *float64 `json:"tokens_per_s_p50"`
	// OutputTokensPerS is the step's output tokens over its duration.
	OutputTokensPerS *float64 `json:"output_tokens_per_s"`
	// OutputTokens is the step's sum; nil when no request of the run
	// has a count (unknown, never 0).
	OutputTokens *int64 `json:"output_tokens"`
}

// Baseline is the reference p95: the first post-warmup step with users >=
// baseline_users.
type Baseline struct {
	Step  int `json:"step"`
	Users int `json:"users"`
	// Level is the step's level (Step.Level).
	Level float64  `json:"level"`
	P95MS *float64 `json:"p95_ms"` // nil when that step has no successes
	// Held: the baseline step itself failed no more than the error
	// threshold and has a p95, so the latency rule can be judged
	// against it.
	Held bool `json:"held"`
	// Rate is the step's offered rate in an open loop (absent otherwise).
	Rate *float64 `json:"rate,omitempty"`
}

// Saturation is the first step after the baseline where p95 > latency
// threshold × baseline p95 or the failure rate > error threshold.
type Saturation struct {
	Reached bool `json:"reached"`
	// Step and Level of the saturating step; nil when not reached. Users
	// is the level of a closed loop (nil in an open loop).
	Step  *int     `json:"step"`
	Level *float64 `json:"level"`
	Users *int     `json:"users"`
	// AtBaseline: the baseline step itself saturated (by errors or
	// throughput): no level was judged to hold.
	AtBaseline bool `json:"at_baseline"`
	// Signal is the one that fired ("latency" or "errors"). When both fire
	// in the same step it is the one exceeding its threshold by the larger
	// factor; Signals lists every signal that fired there.
	Signal  *string  `json:"signal"`
	Signals []string `json:"signals"`
	// LatencyRatio is the step's p95 / baseline p95; FailRate its failure
	// rate (the values that were compared).
	LatencyRatio *float64 `json:"latency_ratio"`
	FailRate     *float64 `json:"fail_rate"`
	// MaxUsers is the most users reached by the run; MaxLevel the
	// highest level (for "not reached up to ...").
	MaxUsers int     `json:"max_users"`
	MaxLevel float64 `json:"max_level"`
	// Summary is the sentence the reports print.
	Summary string `json:"summary"`
	// Open loops only (absent otherwise): Rate is the saturating step's
	// offered rate, MaxRate the highest offered rate of the run, and
	// SentRatio the saturating step's achieved / offered rate.
	Rate      *float64 `json:"rate,omitempty"`
	MaxRate   *float64 `json:"max_rate,omitempty"`
	SentRatio *float64 `json:"sent_ratio,omitempty"`
	// CompletedRatio is the saturating step's completed / offered rate.
	CompletedRatio *float64 `json:"completed_ratio,omitempty"`
}

// Growth is the growth pattern of p95 against users and its evidence.
type Growth struct {
	Pattern  string         `json:"pattern"` // linear, exponential, flat_with_failures, flat
	Method   string         `json:"method"`  // the rule, in words
	Evidence GrowthEvidence `json:"evidence"`
	Summary  string         `json:"summary"` // the evidence in one sentence
}

// GrowthEvidence are the numbers the growth rule looked at.
type GrowthEvidence struct {
	// The growth points: one per distinct user count (its first step),
	// from the baseline step on (every post-warmup step without a
	// baseline), with a p95.
	Steps []int `json:"steps"`
	// Levels are the points' levels (the x of the fit); Users their
	// steps' users (in an open loop, requests in flight: evidence).
	Levels   []float64  `json:"levels"`
	Users    []int      `json:"users"`
	P95MS    []float64  `json:"p95_ms"`
	FailRate []*float64 `json:"fail_rate"`
	// P95Ratio is max/min p95 over the points.
	P95Ratio *float64 `json:"p95_ratio"`
	// FitPoints is how many points (from the first) the third slopes
	// use: those up to the highest p95 (at least two).
	FitPoints int `json:"fit_points"`
	// Least-squares slopes of p95 (ms per user) over all points, and over
	// the first third and the last third of the FitPoints (at least two
	// points each).
	Slope      *float64 `json:"slope_ms_per_user"`
	SlopeFirst *float64 `json:"slope_first_ms_per_user"`
	SlopeLast  *float64 `json:"slope_last_ms_per_user"`
	// SlopeRatio is SlopeLast / SlopeFirst; nil when SlopeFirst <= 0.
	SlopeRatio *float64 `json:"slope_ratio"`
	// R² of a linear fit p95 = a + b·users and of a log-linear fit
	// ln p95 = a + b·users (shown, not used by the rule).
	LinearR2 *float64 `json:"linear_r2"`
	ExpR2    *float64 `json:"exp_r2"`
	// MaxFailRate is the highest failure rate over the points.
	MaxFailRate *float64 `json:"max_fail_rate"`
}

// Health is one row of the health table (docs/METHOD.md). Value, Text
// and Band judge the steady state (Analysis.Steady); the Whole* keys are
// the same figure over the whole post-warmup run, shown beside it.
type Health struct {
	Signal string   `json:"signal"` // "p99_p50", "fail_rate", "growth"
	Value  *float64 `json:"value"`  // nil for growth and when not computable
	Text   string   `json:"text"`   // the value as printed: "1.72x", "0.05%", "linear"
	Band   string   `json:"band"`   // healthy, warning, critical, n/a
	Rule   string   `json:"rule"`   // the bands, e.g. "<2 healthy, 2-5 warning, >5 critical"
	// WholeValue, WholeText and WholeBand are over the whole run.
	WholeValue *float64 `json:"whole_run_value"`
	WholeText  string   `json:"whole_run_text"`
	WholeBand  string   `json:"whole_run_band"`
}

// Steady is the steady state: the post-warmup requests sent before the
// saturation step (every post-warmup request when the run does not
// saturate or saturation is not evaluated).
type Steady struct {
	// BeforeSaturation: the steady state stops before the saturation
	// step, at LastStep (0: no step before it).
	BeforeSaturation bool `json:"before_saturation"`
	LastStep         int  `json:"last_step"`
	// BelowLevel: a capacity search's steady state is its steps below the
	// saturation level, in the order of their levels (its probes' levels
	// do not grow with time); LastStep is then the highest of them. Nil
	// for a step load.
	BelowLevel *float64 `json:"below_level,omitempty"`
	Requests   int64    `json:"requests"`
	OK         int64    `json:"ok"`
	FailRate   *float64 `json:"fail_rate"`
	P50MS      *float64 `json:"p50_ms"`
	P99MS      *float64 `json:"p99_ms"`
	P99P50     *float64 `json:"p99_p50"`
}

// WarmupEffect is what the warmup removed from the run.
type WarmupEffect struct {
	// Requests sent within the warmup, and their share of every request.
	Requests int64    `json:"requests"`
	Share    *float64 `json:"share"`
	// WholeSteps is how many steps of the shape the warmup covers whole.
	WholeSteps int `json:"whole_steps"`
	// Heavy: the warmup removes a whole step or more than HeavyWarmupShare
	// of the requests; every report's verdict says so.
	Heavy bool `json:"heavy"`
}

// ErrorCount is the number of post-warmup failures of one error class.
type ErrorCount struct {
	Class string  `json:"class"` // a schemas error class, or "other" when the row has none
	Count int64   `json:"count"`
	Share float64 `json:"share"` // of all post-warmup failures
	// Example is one recorded (redacted) message of this class, the
	// smallest by byte order for determinism.
	Example string `json:"example,omitempty"`
}

// Lag is the client-side scheduling lag over post-warmup requests.
type Lag struct {
	P50MS *float64 `json:"p50_ms"`
	P99MS *float64 `json:"p99_ms"`
	MaxMS *float64 `json:"max_ms"`
	// Late counts requests sent more than LagThresholdMS after scheduled_at.
	Late int64 `json:"late"`
}

// Quantiles is a distribution summary in the unit its key names.
type Quantiles struct {
	Samples int64    `json:"samples"`
	P50     *float64 `json:"p50"`
	P90     *float64 `json:"p90"`
	P95     *float64 `json:"p95"`
	P99     *float64 `json:"p99"`
	Max     *float64 `json:"max"`
	// Percentiles are the --percentiles (absent when not given).
	Percentiles []Percentile `json:"percentiles,omitempty"`
}

// LLM are the run's LLM figures over post-warmup successes.
type LLM struct {
	// TTFT in ms over successes with ttft_ms.
	TTFT Quantiles `json:"ttft_ms"`
	// TPOT is the time per output token after the first, per request, in
	// ms: (latency - ttft)/(output_tokens - 1), over successes with a TTFT
	// and at least two output tokens (vLLM's TPOT; format version 1 named
	// it itl_ms).
	TPOT Quantiles `json:"tpot_ms"`
	// ITL is the inter-token latency as vLLM's benchmark defines it: every
	// gap between consecutive content chunks, in ms, pooled over the
	// successes (chunk_us); nil when the run has no chunk times.
	ITL *Quantiles `json:"itl_ms"`
	// Stalls are the successes' longest gaps; nil without chunk times.
	Stalls *Stalls `json:"stalls"`
	// TokensPerS is the per-request output rate: output_tokens /
	// (latency_ms/1000), over successes with output_tokens > 0.
	TokensPerS Quantiles `json:"tokens_per_s"`
	// OutputTokens and PromptTokens are sums over post-warmup successes;
	// OutputTokens is nil when no request has a count (unknown, never 0).
	OutputTokens *int64 `json:"output_tokens"`
	PromptTokens *int64 `json:"prompt_tokens"` // nil: the server sent no prompt count (unknown, never 0)
	// OutputTokensPerS is OutputTokens / Overall.MeasuredS.
	OutputTokensPerS *float64 `json:"output_tokens_per_s"`
	// OutputEstimated: some output_tokens are the recorder's estimates
	// (Run.EstimatedOutputRows), so every token figure is an estimate.
	OutputEstimated bool `json:"output_estimated,omitempty"`
}

// Turn is the post-warmup requests of one conversation turn (1: a
// conversation's first request; turn k carries the k-1 before it):
// Requests of them, OK successes, the TTFT percentiles over the
// successes with a TTFT (TTFTSamples of them; nil with none), and the
// successes' mean prompt tokens (over PromptTokensN with a count; nil
// with none): a later turn's prompt holds the turns before, so a server
// that caches prefixes answers it sooner than its length says.
type Turn struct {
	Turn             int      `json:"turn"`
	Requests         int64    `json:"requests"`
	OK               int64    `json:"ok"`
	TTFTSamples      int64    `json:"ttft_samples"`
	TTFTP50MS        *float64 `json:"ttft_p50_ms"`
	TTFTP95MS        *float64 `json:"ttft_p95_ms"`
	PromptTokensMean *float64 `json:"prompt_tokens_mean"`
	PromptTokensN    int64    `json:"prompt_tokens_samples"`
}

// Stalls are the longest gaps between content chunks of post-warmup
// successes with two chunk times or more: Requests of them, Stalled of
// which had a gap over ThresholdMS (--stall), Share = Stalled/Requests
// (nil with none), and LongestGap the distribution of each request's
// longest gap.
type Stalls struct {
	ThresholdMS float64   `json:"threshold_ms"`
	Requests    int64     `json:"requests"`
	Stalled     int64     `json:"stalled"`
	Share       *float64  `json:"share"`
	LongestGap  Quantiles `json:"longest_gap_ms"`
}

// Series are time series for charts as parallel arrays (one entry per
// point). Point i covers the bucket (T[i]-BucketS, T[i]] in seconds since
// started_at; BucketS is 1 unless the run is longer than MaxSeriesPoints
// seconds, when it is widened to keep at most MaxSeriesPoints points.
// Requests are placed by send time (Users, SentRPS) or by completion time
// (start + latency: everything else).
type Series struct {
	BucketS float64   `json:"bucket_s"`
	WarmupS float64   `json:"warmup_s"` // requests sent before this are warmup
	WindowS float64   `json:"window_s"`
	T       []float64 `json:"t"`
	// Users is the most users active at a send in the bucket (the previous
	// value carried over when nothing was sent).
	Users        []int     `json:"users"`
	SentRPS      []float64 `json:"sent_rps"`
	CompletedRPS []float64 `json:"completed_rps"`
	OK           []int64   `json:"ok"`
	Failures     []int64   `json:"failures"`
	// FailuresByClass has one array per class that occurs in the run.
	FailuresByClass map[string][]int64 `json:"failures_by_class"`
	// Windowed percentiles at T: over successes (warmup included) completed
	// in (T - window, T]; nil (a gap) below MinWindowSamples samples.
	WindowP50 []*float64 `json:"window_p50_ms"`
	WindowP95 []*float64 `json:"window_p95_ms"`
	WindowP99 []*float64 `json:"window_p99_ms"`
	WindowN   []int64    `json:"window_samples"`
	// Cumulative percentiles at T: over post-warmup successes completed by
	// T; nil before the first one.
	CumP50 []*float64 `json:"cum_p50_ms"`
	CumP95 []*float64 `json:"cum_p95_ms"`
	CumP99 []*float64 `json:"cum_p99_ms"`
	CumN   []int64    `json:"cum_samples"`
	// TTFTWindowP95 is the windowed p95 of ttft_ms; nil when the run has
	// no TTFT (then the whole array is nil).
	TTFTWindowP95 []*float64 `json:"ttft_window_p95_ms"`
	// TokensPerS is output tokens of successes completed in the bucket per
	// second; nil when the run has no token counts.
	TokensPerS []float64 `json:"tokens_per_s"`
}

// Histogram is the exact count of post-warmup successes of the selected
// metric in log-spaced buckets: Counts[i] counts values in
// [Bounds[i], Bounds[i+1]) (the last bucket includes its upper bound).
type Histogram struct {
	Bounds []float64 `json:"bounds_ms"`
	Counts []int64   `json:"counts"`
}

// Definition states how one figure is computed.
type Definition struct {
	Figure     string `json:"figure"`
	Definition string `json:"definition"`
}
