package analyze

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/llmrec/llmrec/schemas"
)

// Warning is a condition the reader must know to trust the figures. One
// with a Fact carries its kind and numbers, and report/view words it
// (view.WithWords, view.WithSummaries fill Text) before any report shows
// it: the warnings about the run, its steps, its lag, Little's law, the
// load generator, the shards, the live changes of its shape, an input
// file's labels, step ends and rows left out, read as none or clamped,
// classes, token estimates, telemetry reading, chunk times and non-finite
// figures, and a comparison's own (analyze/compare's facts). Only the
// cuts of the server telemetry, the recorder's sentences read from the
// file, carry their Text alone. The JSON carries the whole sentence alone, a string,
// and refuses a warning not yet worded (a Fact without Text, or a Run not
// yet put before its Text).
type Warning struct {
	// Text is the sentence; empty for a Fact until the view words it.
	Text string
	// Fact is what a warning worded by report/view states; nil when Text
	// is analyze's own.
	Fact Fact
	// Run names the run of a comparison the warning came from ("" in a
	// run's own analysis): its sentence starts with "Run: " once worded.
	Run string
}

// Fact is the kind and numbers of a warning that report/view words: one
// of the *Fact types of this file, or of a library over runs that states
// warnings of its own (analyze/compare's). WarningFact only marks the
// type.
type Fact interface{ WarningFact() }

// TextWarnings wraps ready sentences (a test's, or ones read from a
// file) as warnings.
func TextWarnings(texts ...string) []Warning {
	w := make([]Warning, len(texts))
	for i, t := range texts {
		w[i] = Warning{Text: t}
	}
	return w
}

// MarshalJSON writes the warning as its sentence.
func (w Warning) MarshalJSON() ([]byte, error) {
	if (w.Text == "" && w.Fact != nil) || w.Run != "" {
		return nil, fmt.Errorf("warning %T of run %q not worded (report/view words it)", w.Fact, w.Run)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // the encoder of the whole document escapes, or not
	if err := enc.Encode(w.Text); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// UnmarshalJSON reads a warning's sentence.
func (w *Warning) UnmarshalJSON(b []byte) error {
	*w = Warning{}
	return json.Unmarshal(b, &w.Text)
}

// LagFact: more than LagWarnFraction of the post-warmup requests were sent
// over LagThresholdMS after their scheduled time. In an open loop
// (OpenLoop) they first waited for a slot under the concurrency cap
// (MaxConcurrency, 0 for the recorder's own cap).
type LagFact struct {
	Late, Requests int64
	MaxMS          float64
	OpenLoop       bool
	MaxConcurrency int
}

// WaitedFact: Waited arrivals of an open loop waited over WaitToleranceMS
// for a slot, and the verdict's Metric leaves that wait out.
type WaitedFact struct {
	Waited int64
	Metric string
}

// GeneratorLagFact: the load generator of shard Shard (file File) sent
// late: its p99 send lag P99MS over LagThresholdMS, at worst PeakMS.
type GeneratorLagFact struct {
	Shard         int
	File          string
	P99MS, PeakMS float64
}

// Likely causes of a step off Little's law.
const (
	// CauseLag: the sends were late (the generator lagged).
	CauseLag = "lag"
	// CauseLost: too few requests: rows lost, or (closed loop) a think
	// time longer than configured.
	CauseLost = "lost"
	// CauseTwice: too many requests: rows counted twice, or (closed loop)
	// a think time shorter than configured, (open loop) a rate other than
	// the one recorded.
	CauseTwice = "twice"
	// CauseWaited: (open loop) arrivals waited for a slot: generator lag
	// or the concurrency cap.
	CauseWaited = "waited"
)

// LittleStep is one closed-loop step off Little's law: at RPS sent req/s
// and a mean cycle (latency and think time) of CycleS seconds, RPS ×
// CycleS users of Users.
type LittleStep struct {
	Step, Users int
	RPS, CycleS float64
	Ratio       float64 // RPS × CycleS / Users, to 6 decimals
}

// LittleFact: closed-loop steps off Little's law by more than
// LittleTolerance, with one likely Cause (CauseLag, CauseLost,
// CauseTwice): the first littleMaxListed of them in Steps, Count in all.
// WaitMinS and WaitMaxS are the configured think time.
type LittleFact struct {
	Cause              string
	Count              int
	Steps              []LittleStep
	WaitMinS, WaitMaxS float64
}

// OpenLittleFact: an open-loop step whose achieved rate is off its offered
// rate, with a likely Cause (CauseWaited, with Waited arrivals; CauseLost;
// CauseTwice).
type OpenLittleFact struct {
	Step                    int
	OfferedRPS, AchievedRPS float64
	Cause                   string
	Waited                  int64
}

func (LagFact) WarningFact()          {}
func (WaitedFact) WarningFact()       {}
func (GeneratorLagFact) WarningFact() {}
func (LittleFact) WarningFact()       {}
func (OpenLittleFact) WarningFact()   {}

// Kinds of RunFact.
const (
	RunNoRows          = "no_rows"           // the run has no requests
	RunNoneAfterWarmup = "none_after_warmup" // no request sent after the warmup (WarmupS)
	RunWarmupTooLong   = "warmup_too_long"   // the warmup (WarmupS) is as long as the run (DurationS)
	RunInterrupted     = "interrupted"       // interrupted after DurationS
	RunStopped         = "stopped"           // stopped on saturation after DurationS
	RunRecovered       = "recovered"         // rebuilt by llmrec recover
	RunEndedEarly      = "ended_early"       // ended early for EndReason (EndDetail)
	RunAllFailed       = "all_failed"        // every request failed
	RunNoTTFT          = "no_ttft"           // the metric is ttft and no success has one
	RunFewGrowthSteps  = "few_growth_steps"  // the growth pattern rests on N steps
	RunSeriesBuckets   = "series_buckets"    // the time series use BucketS buckets
	RunNoChunkTimes    = "no_chunk_times"    // --slo itl is given, and the run has no chunk times
	RunNoClasses       = "no_classes"        // --by class, and the run has no request classes
	RunNoStepTime      = "no_step_time"      // an open loop without a step time: no offered, achieved, completed rates
)

// RunFact is a warning about the run as a whole, of a Kind (Run*) and
// the numbers it names.
type RunFact struct {
	Kind                 string
	WarmupS, DurationS   float64
	EndReason, EndDetail string
	N                    int
	BucketS              float64
}

// Kinds of StepFact.
const (
	StepNothingSent = "nothing_sent" // reached, nothing sent (Unsent arrivals due)
	StepUnsent      = "unsent"       // Unsent arrivals due in it never sent
	StepFewSamples  = "few_samples"  // Samples successful samples, under MinStepSamples
	StepShort       = "short"        // ran DurationS of its planned PlannedS
	StepNoBaseline  = "no_baseline"  // the baseline step has no successful request
)

// StepFact is a warning about step Step (of level Level, LevelKind), of a
// Kind (Step*) and the numbers it names.
type StepFact struct {
	Kind                string
	Step                int
	Level               float64
	LevelKind           string
	Unsent, Samples     int64
	DurationS, PlannedS float64
}

// ShardTwiceFact: shard Shard is in Files files.
type ShardTwiceFact struct{ Shard, Files int }

// MissingShardFact: shard Shard of Shards was not given; with More > 0,
// More shards past the listed ones were not given either (Shard unused).
type MissingShardFact struct{ Shard, Shards, More int }

// LateJoinFact: the recorder (shard Shard, file File, when Named) joined
// the schedule that started at StartedAt Late after its start: after the
// schedule's end (AfterEnd), in step InStep (more than a step late), or
// else within the first step.
type LateJoinFact struct {
	Shard     int
	File      string
	Named     bool
	Late      time.Duration
	StartedAt time.Time
	AfterEnd  bool
	InStep    int
}

// More shards of a kind than MaxShardWarnings: MoreShardsFact.Of.
const (
	MoreJoinedLate = "joined_late"
	MoreSentLate   = "sent_late"
)

// MoreShardsFact: N more shards than those listed joined late or sent
// late (Of: MoreJoinedLate, MoreSentLate).
type MoreShardsFact struct {
	N  int
	Of string
}

// GeneratorCPUFact: the load generator (of shard Shard, file File, when
// Named) used GenBusyFraction or more of its Cores CPU cores in Busy of
// Seconds seconds, at peak Peak cores; Simulator: the built-in simulator
// ran in its process.
type GeneratorCPUFact struct {
	Shard         int
	File          string
	Named         bool
	Cores         int
	Busy, Seconds int
	Peak          float64
	Simulator     bool
}

// Kinds of FailureFact.
const (
	FailGenerator = "generator" // N requests failed on the load generator itself
	FailEmpty     = "empty"     // N requests got a complete 2xx answer with no content
	FailEmptyOK   = "empty_ok"  // N successes carried 0 output tokens (older recorders)
)

// FailureFact is a warning about N requests of a Kind (Fail*).
type FailureFact struct {
	Kind string
	N    int64
}

// ShapeChangeFact: the level was changed while the run went on, by
// Changes (the run's Shape.Changes, at least one), in a run of level kind
// LevelKind: the steps after a change hold its level instead of the
// planned one.
type ShapeChangeFact struct {
	LevelKind string
	Changes   []schemas.ShapeChange
}

// EstimateFact: the output tokens of Estimated of the run's Rows
// requests are the recorder's estimates (the server sent no usage):
// TextRows of them from the streamed text's length, the others by
// counting content chunks.
type EstimateFact struct{ Estimated, Rows, TextRows int64 }

// NonFiniteFact: N figures came out infinite or not a number, and are
// shown as n/a.
type NonFiniteFact struct{ N int }

// TelemetryFact: the server telemetry of file File was not read (Error
// says why), or, File empty, Failed of the Scrapes scrapes of Source
// failed.
type TelemetryFact struct {
	File, Error     string
	Failed, Scrapes int
	Source          string
}

// Kinds of FileFact.
const (
	FileLabelsCut = "labels_cut" // N labels past the first Shown (by key) dropped
	FileStepEnds  = "step_ends"  // step ends not a recorder's: steps read as step_time_s long
)

// FileFact is a warning about one input file File (its base name), of a
// Kind (File*) and the numbers it names.
type FileFact struct {
	Kind     string
	File     string
	N, Shown int
}

// Kinds of RowsFact.
const (
	RowsLeftOut    = "left_out"     // rows left out of every figure (RowCounts.LeftOut), each reason counted
	RowsReadAsNone = "read_as_none" // BadTTFT and BadTokens rows read as having no TTFT, no tokens
	RowsLagClamped = "lag_clamped"  // BadLag rows whose send lag was clamped to the run's time
)

// RowsFact is a warning about the rows of input file File (its base
// name) that break what schemas/FORMAT.md promises, of a Kind (Rows*):
// of its Rows rows, the counts by reason, with what the reasons name: the
// footer's RunID and Shard, the last step MaxStep and the most users
// MaxUsers a row may hold (0: no bound).
type RowsFact struct {
	Kind string
	File string
	Rows int64
	RowCounts
	RunID             string
	Shard             int
	MaxStep, MaxUsers int64
}

// UnclassedFact: --by class, and N post-warmup requests have no class
// the footer names: they are in no class's figures.
type UnclassedFact struct{ N int64 }

func (ShapeChangeFact) WarningFact() {}
func (FileFact) WarningFact()        {}
func (RowsFact) WarningFact()        {}
func (UnclassedFact) WarningFact()   {}
func (TelemetryFact) WarningFact()   {}
func (EstimateFact) WarningFact()    {}
func (NonFiniteFact) WarningFact()   {}

func (RunFact) WarningFact()          {}
func (StepFact) WarningFact()         {}
func (ShardTwiceFact) WarningFact()   {}
func (MissingShardFact) WarningFact() {}
func (LateJoinFact) WarningFact()     {}
func (MoreShardsFact) WarningFact()   {}
func (GeneratorCPUFact) WarningFact() {}
func (FailureFact) WarningFact()      {}
