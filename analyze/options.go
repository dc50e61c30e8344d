package analyze

import (
	"errors"
	"fmt"
	"io"
	"time"
)

// Options are the analysis settings (the common flags of llmrep).
type Options struct {
	// Warmup: requests sent in the first Warmup of the run are excluded
	// from every statistic but the time series. WarmupAuto (the default)
	// resolves per run to AutoWarmup of its shape.
	Warmup time.Duration
	// Window is the span of the windowed percentiles.
	Window time.Duration
	// BaselineUsers: the baseline is the first post-warmup step with at
	// least this many users.
	BaselineUsers int
	// LatencyThreshold: saturation when p95 > LatencyThreshold × baseline.
	LatencyThreshold float64
	// ErrorThreshold: saturation when the failure rate > ErrorThreshold
	// (a fraction: 0.01 is 1%).
	ErrorThreshold float64
	// Metric is MetricLatency, MetricTTFT or MetricLatencyFromSchedule: the value the percentiles,
	// baseline, saturation and growth use.
	Metric string

	// MemoryLimit bounds the embedded database's memory (DuckDB syntax,
	// e.g. "1GB"); empty means DefaultMemoryLimit.
	MemoryLimit string
	// Threads bounds the database's worker threads; 0 means
	// min(GOMAXPROCS, DefaultMaxThreads).
	Threads int
	// Trace, when set, receives the duration of each phase (profiling).
	Trace io.Writer
}

// Engine defaults.
const (
	DefaultMemoryLimit = "1536MB"
	DefaultMaxThreads  = 4
)

// DefaultOptions are the documented defaults (docs/METHOD.md).
func DefaultOptions() Options {
	return Options{
		Warmup:           WarmupAuto,
		Window:           10 * time.Second,
		BaselineUsers:    10,
		LatencyThreshold: 2.0,
		ErrorThreshold:   0.01,
		Metric:           MetricLatency,
	}
}

// WarmupAuto is the Options.Warmup that resolves per run to AutoWarmup.
const WarmupAuto time.Duration = -1

// MaxAutoWarmup bounds the automatic warmup.
const MaxAutoWarmup = 30 * time.Second

// AutoWarmup is the warmup of a run analyzed with --warmup auto: the
// smaller of MaxAutoWarmup and half the first step (the step time, or the
// planned duration of a run without steps), the rule the recorder's live
// saturation stop uses. A shape without either gets none.
func AutoWarmup(sh Shape) time.Duration {
	first := sh.StepTimeS
	if first <= 0 {
		first = sh.DurationS
	}
	if first <= 0 {
		return 0
	}
	return min(MaxAutoWarmup, time.Duration(first*float64(time.Second)/2))
}

// forRun resolves WarmupAuto for the run r.
func (o Options) forRun(r Run) Options {
	if o.Warmup == WarmupAuto {
		o.Warmup = AutoWarmup(r.Shape)
	}
	return o
}

// Validate reports every problem with o at once.
func (o Options) Validate() error {
	var errs []error
	if o.Warmup < 0 && o.Warmup != WarmupAuto {
		errs = append(errs, fmt.Errorf("warmup %v is negative", o.Warmup))
	}
	if o.Window < time.Second {
		errs = append(errs, fmt.Errorf("window %v is shorter than 1s", o.Window))
	}
	if o.BaselineUsers < 1 {
		errs = append(errs, fmt.Errorf("baseline users %d must be at least 1", o.BaselineUsers))
	}
	if !(o.LatencyThreshold > 1) {
		errs = append(errs, fmt.Errorf("latency threshold %v must be greater than 1", o.LatencyThreshold))
	}
	if !(o.ErrorThreshold >= 0 && o.ErrorThreshold < 1) {
		errs = append(errs, fmt.Errorf("error threshold %v must be a fraction in [0, 1)", o.ErrorThreshold))
	}
	if o.Metric != MetricLatency && o.Metric != MetricTTFT && o.Metric != MetricLatencyFromSchedule {
		errs = append(errs, fmt.Errorf("metric %q must be %q, %q or %q", o.Metric, MetricLatency, MetricTTFT, MetricLatencyFromSchedule))
	}
	if o.Threads < 0 {
		errs = append(errs, fmt.Errorf("threads %d is negative", o.Threads))
	}
	return errors.Join(errs...)
}

// InputError is a bad or unreadable input file: llmrep exits with status 3
// and prints Error(), one line naming the file and the reason.
type InputError struct {
	Path   string
	Reason string
	Err    error // the underlying error, if any (not printed)
}

func (e *InputError) Error() string { return e.Path + ": " + e.Reason }

func (e *InputError) Unwrap() error { return e.Err }
