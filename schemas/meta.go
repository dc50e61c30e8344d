package schemas

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// RunMeta is the run-metadata document stored as JSON under KeyRun.
// Durations are in seconds (float) so that any JSON reader understands them.
type RunMeta struct {
	RunID       string            `json:"run_id"`
	ToolVersion string            `json:"tool_version"`
	StartedAt   time.Time         `json:"started_at"`
	EndedAt     time.Time         `json:"ended_at"`
	EndReason   string            `json:"end_reason"`
	EndDetail   string            `json:"end_detail,omitempty"`
	Target      string            `json:"target"` // redacted: see target.RedactURL and the recorder's known secrets
	Simulator   string            `json:"simulator,omitempty"`
	API         string            `json:"api"`
	Model       string            `json:"model"`
	Stream      bool              `json:"stream"`
	MaxTokens   int               `json:"max_tokens"`
	Labels      map[string]string `json:"labels"`
	Hostname    string            `json:"hostname"`
	Shard       int               `json:"shard"`
	Shards      int               `json:"shards"`
	// JoinedAt is when a recorder that began after StartedAt (the shards'
	// shared --start-at) joined the schedule in progress; nil when it was
	// on time. Absent in files written before shards could join late.
	JoinedAt  *time.Time `json:"joined_at,omitempty"`
	Shape     Shape      `json:"shape"`
	Timeouts  Timeouts   `json:"timeouts"`
	Generator Generator  `json:"generator"`
	Requests  int64      `json:"requests"`
	// Workload is what the requests asked for; absent in files written
	// before workloads existed.
	Workload *Workload `json:"workload,omitempty"`
	// EstimatedOutputRows counts the rows whose output_tokens is an
	// estimate (the server sent no usage) rather than the server's figure.
	// 0 (or absent) means every output_tokens came from the server.
	EstimatedOutputRows int64 `json:"estimated_output_rows,omitempty"`
	// EstimatedTextRows counts those of them estimated from the length of
	// the streamed text (about 4 bytes a token, at least one token a
	// content chunk); the others are counts of content chunks (a stream
	// whose chunks carried no text, and every estimate in files written
	// before text was measured).
	EstimatedTextRows int64 `json:"estimated_output_text_rows,omitempty"`
	// Unsent counts, by step, an open loop's arrivals that were due before
	// the run stopped sending but were never sent: the run ended while
	// they waited for an in-flight slot (k6's dropped iterations). Absent
	// when there are none, and in files written before it was recorded.
	Unsent []StepCount `json:"unsent,omitempty"`
	// Replay, when set, says this run re-fired a recorded run's schedule
	// (llmrec replay); absent otherwise.
	Replay *Replay `json:"replay,omitempty"`

	// Telemetry is the server telemetry, stored under its own footer key
	// (KeyTelemetry), never inside this document; nil when none.
	Telemetry *Telemetry `json:"-"`
	// TelemetryError says why a reader ignored the footer's telemetry.
	TelemetryError string `json:"-"`
	// ChunkTimes: the recorder recorded every content chunk's arrival of
	// streamed requests (Record.ChunkUS). False (absent) in a version-1
	// file and with --chunk-times=false.
	ChunkTimes bool `json:"chunk_times,omitempty"`
	// SchemaVersion is the file's schema version, set by DecodeMeta from
	// the footer (not part of the JSON document).
	SchemaVersion int `json:"-"`
}

// Replay is what a replay re-fired: the recorded run's id and file(s),
// the requests taken from them, and where each request's prompt and
// max_tokens came from.
type Replay struct {
	RunID string   `json:"run_id"`
	Files []string `json:"files"` // base names, in the order given
	Shard int      `json:"shard"` // the original's shard replayed; -1: every shard's rows in one process
	// Requests is the rows replayed; Skipped the rows left out (not the
	// file's run or shard, or sent outside its run's time).
	Requests int64 `json:"requests"`
	Skipped  int64 `json:"skipped,omitempty"`
	// Prompts is "same" (each request sent the prompt the original sent:
	// the pool rebuilt from the footer's workload, the prompt by its
	// recorded prompt_index or, for an open loop, by its arrival) or
	// "drawn" (a file older than version 3 of a closed loop: prompts drawn
	// from the same pool, not the same ones).
	Prompts string `json:"prompts"`
	// MaxTokens is "recorded" (each row's max_tokens) or "footer" (a file
	// older than version 3: each prompt's own, else the run's max_tokens).
	MaxTokens string `json:"max_tokens"`
}

// Replay.Prompts and Replay.MaxTokens values.
const (
	ReplaySamePrompts  = "same"
	ReplayDrawnPrompts = "drawn"
	ReplayRecordedMax  = "recorded"
	ReplayFooterMax    = "footer"
)

// StepCount is a count of one step.
type StepCount struct {
	Step int   `json:"step"`
	N    int64 `json:"n"`
}

// Workload is the requests' size settings. Token ranges are "N" or
// "MIN-MAX" ("" when unset: the built-in or file prompts as they are, and
// the run's max_tokens).
type Workload struct {
	InputTokens  string `json:"input_tokens,omitempty"`
	OutputTokens string `json:"output_tokens,omitempty"`
	IgnoreEOS    bool   `json:"ignore_eos,omitempty"`
	// Prompts is where prompts came from: "builtin", "synthetic", "file"
	// (JSONL or text) or "sharegpt".
	Prompts string `json:"prompts,omitempty"`
	Seed    int64  `json:"seed"`
	// Turns is the turns of each user's conversations (--turns): turn k
	// carries the k-1 turns before it (prompts and answers); 0 or 1 (and
	// absent) means every request stands alone. Version 3.
	Turns int `json:"turns,omitempty"`
	// PrefixTokens and Prefixes (--prefix-tokens, --prefixes): every
	// prompt starts with one of Prefixes fixed texts of about PrefixTokens
	// tokens, chosen per request (per conversation with Turns). 0 (absent)
	// without prefixes. Version 3.
	PrefixTokens int `json:"prefix_tokens,omitempty"`
	Prefixes     int `json:"prefixes,omitempty"`
	// Classes are the request classes of a --workload file (version 3),
	// in the file's order; each request drew one by weight, and its row
	// names it (Record.Class). Absent without classes.
	Classes []Class `json:"classes,omitempty"`
}

// Class is one request class of a workload: its name, its weight (a
// request draws the class with probability weight over the sum of the
// weights), the size of its requests (as Workload: token ranges "N" or
// "MIN-MAX", "" when unset; an unset OutputTokens is the run's
// max_tokens), where its prompts came from ("builtin", "synthetic",
// "file" or "sharegpt"; a file by its base name only), and its own SLO as
// given ("ttft=500ms"; "" for none: the analyzer's --slo applies).
type Class struct {
	Name         string  `json:"name"`
	Weight       float64 `json:"weight"`
	Prompts      string  `json:"prompts"`
	PromptsFile  string  `json:"prompts_file,omitempty"`
	InputTokens  string  `json:"input_tokens,omitempty"`
	OutputTokens string  `json:"output_tokens,omitempty"`
	SLO          string  `json:"slo,omitempty"`
}

// MaxClasses bounds the classes of a workload: a reader keeps an index of
// at most one byte per row.
const MaxClasses = 64

// Shape is the step-load shape the run used.
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
	// Arrival is "closed" (users with think time: the fields above) or an
	// open loop, "poisson" or "constant" (the fields below). Absent in
	// files written before open loops existed: read as closed.
	Arrival        string  `json:"arrival,omitempty"`
	Rate           float64 `json:"rate,omitempty"`      // requests/s in step 1
	StepRate       float64 `json:"step_rate,omitempty"` // added each step
	MaxRate        float64 `json:"max_rate,omitempty"`
	Burstiness     float64 `json:"burstiness,omitempty"` // gamma shape; 1 is Poisson
	MaxConcurrency int     `json:"max_concurrency,omitempty"`
	Seed           int64   `json:"seed,omitempty"` // the arrival sequence's seed
	// Levels, when set, is the level of each step in order (users of a
	// closed loop, offered req/s of an open loop): the steps of a
	// capacity search, whose levels do not grow step by step. Rate,
	// StepRate, StepUsers and MaxUsers do not describe the steps then.
	Levels []float64 `json:"levels,omitempty"`
	// ProbeWarmupS, when above 0, is each step's own warmup: requests sent
	// in the first ProbeWarmupS seconds of a step are left out of its
	// statistics, as those sent in the run's warmup are.
	ProbeWarmupS float64 `json:"probe_warmup_s,omitempty"`
	// StepEndsS, when set, is where each step ended, in seconds from
	// StartedAt, one entry a step in order: step k spans
	// [StepEndsS[k-2], StepEndsS[k-1]) (step 1 from 0). A capacity
	// search ends a probe as soon as its test decides, so its steps are
	// of their own lengths, StepTimeS the longest one may run. Absent,
	// every step is StepTimeS long (step k spans [(k-1)·StepTimeS,
	// k·StepTimeS)), as in every file written before steps could differ.
	StepEndsS []float64 `json:"step_ends_s,omitempty"`
	// Search says how a capacity search chose its levels; nil for a step
	// load.
	Search *Search `json:"search,omitempty"`
	// Changes are the level changes made while the run went on (the live
	// dashboard's level control), in the order they were made: from its
	// Step on, each step's level is its Level (held until the next
	// change), instead of what the fields above plan. Absent when the
	// shape was never changed, and in files written before it could be.
	Changes []ShapeChange `json:"changes,omitempty"`
}

// ShapeChange is one change of the level made while the run went on.
type ShapeChange struct {
	// At is when the change was made (UTC); AtS the same instant in
	// seconds from StartedAt.
	At  time.Time `json:"at"`
	AtS float64   `json:"at_s"`
	// Step is the first step the change applies to (the step after the
	// one it was made in); Level the level from then on: users in a
	// closed loop, offered req/s in an open loop.
	Step  int     `json:"step"`
	Level float64 `json:"level"`
	// By names who changed it: ChangedByDashboard.
	By string `json:"by"`
}

// ChangedByDashboard is ShapeChange.By of a change made from the live
// dashboard.
const ChangedByDashboard = "dashboard"

// MaxShapeChanges bounds the changes of one run: the recorder refuses
// more, a reader keeps the first MaxShapeChanges.
const MaxShapeChanges = 100

// Search is a capacity search (llmrec search): every step is a probe of
// one level, chosen by doubling from Start until a level missed the SLO,
// then by bisection between the highest level that met it and the lowest
// that missed, until the two were within the resolution. Or, with Kind
// "sweep" (llmrec search --profile sweep), a sweep: a synchronous probe,
// a throughput probe, then offered rates evenly spaced between their
// completed rates.
type Search struct {
	// Kind is "users" (closed loop), "rate" (open loop) or "sweep".
	Kind string `json:"kind"`
	// SLO as given ("ttft=500ms"), its words ("TTFT ≤ 500 ms"), the
	// attainment target (0.9), the one-sided test's alpha and the error
	// threshold a probe must keep within.
	SLO            string  `json:"slo"`
	SLOWords       string  `json:"slo_words"`
	SLOTarget      float64 `json:"slo_target"`
	Alpha          float64 `json:"alpha"`
	ErrorThreshold float64 `json:"error_threshold"`
	// Resolution: the bracket's width the search stops at, a share of its
	// top (Relative) or in levels.
	Resolution float64 `json:"resolution"`
	Relative   bool    `json:"relative"`
	ProbeS     float64 `json:"probe_s"` // the measured part of each step
	// MaxLooks is how many times a level may be tested (its first probe
	// and its extensions): Alpha is spent evenly over them, each test's
	// bounds are at Alpha/MaxLooks (0 in files written before: at Alpha).
	MaxLooks int `json:"max_looks,omitempty"`
	// Met is the highest level that met the SLO, Missed the lowest level
	// above it that did not (nil: none).
	Met    *float64 `json:"met"`
	Missed *float64 `json:"missed"`
	// End says why the search stopped: "bracketed" (within the
	// resolution), "max_level" (the highest level allowed met the SLO),
	// "no_level_met", "probe_limit", "interrupted" or "error".
	End    string  `json:"end"`
	Probes []Probe `json:"probes"`
}

// Search end reasons (Search.End).
const (
	SearchBracketed   = "bracketed"
	SearchMaxLevel    = "max_level"
	SearchNoLevelMet  = "no_level_met"
	SearchProbeLimit  = "probe_limit"
	SearchInterrupted = "interrupted"
	SearchError       = "error"
	// A sweep ends "swept" (every rate probed), or "no_rate" when its
	// throughput probe completed nothing to space rates below.
	SearchSwept  = "swept"
	SearchNoRate = "no_rate"
)

// SearchKindSweep is Search.Kind of a sweep.
const SearchKindSweep = "sweep"

// Probe is one step of a search: its level and what the search decided
// from its measured requests (those of earlier steps at the same level
// pooled in, when the probe extends one).
type Probe struct {
	Step  int     `json:"step"`
	Level float64 `json:"level"`
	// Due: requests due in the measured part (sent or never sent), Good:
	// those that met the SLO, Failures: those that failed; pooled over
	// the level's steps so far.
	Due      int64 `json:"due"`
	Good     int64 `json:"good"`
	Failures int64 `json:"failures"`
	// Attainment is Good/Due (nil with none due); Lo and Hi its one-sided
	// bounds at confidence 1 − alpha (exact, Clopper–Pearson).
	Attainment *float64 `json:"attainment"`
	Lo         float64  `json:"lo"`
	Hi         float64  `json:"hi"`
	// Verdict: "meets", "misses", "extend" (undecided: the next step
	// probes the same level again) or "inconclusive" (still undecided
	// after the last extension; the search counts it as missed).
	Verdict string `json:"verdict"`
	// Reason is why a level missed: "slo" or "errors".
	Reason string `json:"reason,omitempty"`
	// Mode names a sweep's first two probes: "synchronous" (one user
	// sending again as soon as each answer is whole) and "throughput"
	// (Users such users); their Level is the rate they completed. Empty
	// for a probe at an offered rate or users.
	Mode  string `json:"mode,omitempty"`
	Users int    `json:"users,omitempty"`
}

// Probe verdicts (Probe.Verdict).
const (
	ProbeMeets        = "meets"
	ProbeMisses       = "misses"
	ProbeExtend       = "extend"
	ProbeInconclusive = "inconclusive"
	ProbeSynchronous  = "synchronous"
	ProbeThroughput   = "throughput"
)

// Open-loop arrival kinds recorded in Shape.Arrival.
const (
	ArrivalClosed   = "closed"
	ArrivalPoisson  = "poisson"
	ArrivalConstant = "constant"
)

// SafetyInFlight is the most requests an open loop without a
// max_concurrency keeps in flight: the recorder caps them there, so no
// row's users (requests in flight) is above it.
const SafetyInFlight = 8192

// OpenLoop reports whether the shape is an open loop (poisson or constant).
func (s Shape) OpenLoop() bool { return s.Arrival == ArrivalPoisson || s.Arrival == ArrivalConstant }

// Timeouts are the request timeouts the run used.
type Timeouts struct {
	TimeoutS     float64 `json:"timeout_s"`
	IdleTimeoutS float64 `json:"idle_timeout_s"`
	GraceS       float64 `json:"grace_s"`
}

// Generator is what the recorder saw of itself: whether it, rather than the
// target, could have been the bottleneck.
type Generator struct {
	GOMAXPROCS     int         `json:"gomaxprocs"`
	PeakCPU        float64     `json:"peak_cpu"` // busiest second, in cores
	MeanCPU        float64     `json:"mean_cpu"`
	PeakLagMS      float64     `json:"peak_lag_ms"` // worst start - scheduled_at
	P99LagMS       float64     `json:"p99_lag_ms"`
	PeakGoroutines int         `json:"peak_goroutines"`
	Seconds        []GenSecond `json:"seconds,omitempty"`
}

// GenSecond is one second of the generator's own health.
type GenSecond struct {
	T        int     `json:"t"` // seconds since StartedAt
	CPU      float64 `json:"cpu"`
	MaxLagMS float64 `json:"max_lag_ms"`
}

// Marshal encodes m for the footer.
func (m *RunMeta) Marshal() (string, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("encode run metadata: %w", err)
	}
	return string(b), nil
}

// MaxShards is the most shards one run may be split over: far more
// recorders than a run needs (one holds thousands of users), few enough
// that a reader can afford one entry per shard. llmrec refuses a larger
// --shard N and readers refuse a footer that claims one.
const MaxShards = 10000

// CheckShard checks the footer's shard fields: 1 ≤ shards ≤ MaxShards and
// 0 ≤ shard < shards. Every recorder writes them so; a file that breaks
// this was made by hand, and a reader that trusted it could allocate or
// loop per claimed shard.
func (m *RunMeta) CheckShard() error {
	if m.Shards < 1 || m.Shards > MaxShards {
		return fmt.Errorf("its footer says the run has %d shards; a run has 1 to %d: not a file llmrec wrote", m.Shards, MaxShards)
	}
	if m.Shard < 0 || m.Shard >= m.Shards {
		return fmt.Errorf("its footer says it is shard %d of %d; a shard is 0 to %d: not a file llmrec wrote", m.Shard, m.Shards, m.Shards-1)
	}
	return nil
}

// MaxMetaBytes bounds the run metadata JSON a reader accepts: 16 MiB, four
// times what a day-long run's per-second generator health takes.
const MaxMetaBytes = 16 << 20

// maxEchoed bounds a footer value quoted in an error message, in bytes.
const maxEchoed = 32

// DecodeMeta checks the schema version string and decodes the run metadata.
// It fails on a missing or newer version, on metadata over MaxMetaBytes and
// on malformed JSON. Its messages quote at most maxEchoed bytes of a value.
func DecodeMeta(version, run string) (*RunMeta, error) {
	if err := CheckVersion(version); err != nil {
		return nil, err
	}
	if len(run) > MaxMetaBytes {
		return nil, fmt.Errorf("run metadata (%s) is %d bytes, over the %d MiB a run file may hold: not an llmrec run file", KeyRun, len(run), MaxMetaBytes>>20)
	}
	var m RunMeta
	if err := json.Unmarshal([]byte(run), &m); err != nil {
		return nil, fmt.Errorf("run metadata (%s) is not valid JSON: %w", KeyRun, err)
	}
	m.SchemaVersion, _ = strconv.Atoi(version) // CheckVersion accepted it
	if m.SchemaVersion < 2 {
		m.ChunkTimes = false // a version-1 file has no chunk column
	}
	if m.Labels == nil {
		m.Labels = map[string]string{}
	}
	return &m, nil
}

// CheckVersion validates a footer schema version string.
func CheckVersion(version string) error {
	if version == "" {
		return fmt.Errorf("not an llmrec run file: footer key %s is missing", KeySchemaVersion)
	}
	v, err := strconv.Atoi(version)
	if err != nil || v < 1 {
		return fmt.Errorf("bad schema version %s in footer", echo(version))
	}
	if v > Version {
		return fmt.Errorf("schema version %d is newer than this tool understands (%d): upgrade llmrep", v, Version)
	}
	return nil
}

// echo quotes at most maxEchoed bytes of a footer value for a message,
// saying how long the value was when it is cut.
func echo(v string) string {
	if len(v) <= maxEchoed {
		return strconv.Quote(v)
	}
	cut := maxEchoed
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes)", strconv.Quote(v[:cut]), len(v))
}
