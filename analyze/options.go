package analyze

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/llmrec/llmrec/schemas/runfile"
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
	// SLO are the objectives a good request meets (none: every success
	// is good); SLOTarget the share of good requests a level needs to
	// hold (0 means DefaultSLOTarget).
	SLO       SLO
	SLOTarget float64
	// Stall is the gap between content chunks over which a request
	// stalled (Stalls).
	Stall time.Duration
	// Percentiles (in percent, each in (0, 100)) are computed besides the
	// fixed p50, p90, p95 and p99 of every distribution and listed in
	// Latency.Percentiles and Quantiles.Percentiles; nil for none.
	Percentiles []float64
	// By breaks the figures down: ByClass gives Analysis.Classes, the
	// figures of each request class; "" none.
	By string

	// MemoryLimit bounds the analysis's memory (DuckDB's size syntax:
	// "256MB", "4GB"): the embedded database gets two thirds of it
	// (dbShareNum/dbShareDen) and spills to TempDir beyond that. Empty
	// means DefaultMemoryLimit().
	MemoryLimit string
	// TempDir is where the database spills: a private directory (0700)
	// is made inside it for the analysis and removed afterwards. Empty
	// means os.TempDir().
	TempDir string
	// Threads bounds the database's worker threads; 0 means
	// min(GOMAXPROCS, DefaultMaxThreads).
	Threads int
	// Trace, when set, receives the duration of each phase (profiling).
	Trace io.Writer
	// period and pwarm are a capacity search's step time and each step's
	// own warmup in µs (probeWarmup), set by forRun; 0 for a step load.
	// ends are where each step ended in µs (stepEndsUS), empty when every
	// step is the step time long: the SQL's step spans.
	period, pwarm int64
	ends          []int64
}

// DefaultMaxThreads bounds the database's worker threads by default.
const DefaultMaxThreads = 4

// DefaultMemoryLimit is the smaller of 4 GB and half the machine's memory
// (docs/METHOD.md, the analyzer at scale), in DuckDB's size syntax.
func DefaultMemoryLimit() string {
	const maxLimit = 4 << 30
	half := machineMemory() / 2
	if half <= 0 || half >= maxLimit {
		return "4GB"
	}
	return strconv.FormatInt(half>>20, 10) + "MB"
}

// machineMemory is MemTotal of /proc/meminfo in bytes, 0 where unknown.
func machineMemory() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "MemTotal:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}

// ParseSize parses a size as DuckDB writes it: a number and a unit (B,
// KB, MB, GB, TB, or KiB, MiB, GiB, TiB; any case, a space allowed), and
// returns it in bytes.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i <= 0 {
		return 0, fmt.Errorf("size %q needs a number and a unit, like 256MB or 4GB", s)
	}
	num, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	mult := map[string]float64{
		"b": 1, "byte": 1, "bytes": 1,
		"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
		"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
	}[unit]
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || mult == 0 {
		return 0, fmt.Errorf("size %q needs a number and a unit, like 256MB or 4GB", s)
	}
	if v*mult < 1 || v*mult > 1<<62 {
		return 0, fmt.Errorf("size %q is out of range", s)
	}
	return int64(v * mult), nil
}

// DefaultOptions are the defaults of docs/METHOD.md.
func DefaultOptions() Options {
	return Options{
		Warmup:           WarmupAuto,
		Window:           10 * time.Second,
		BaselineUsers:    10,
		LatencyThreshold: 2.0,
		ErrorThreshold:   0.01,
		Metric:           MetricLatency,
		MemoryLimit:      DefaultMemoryLimit(),
		SLOTarget:        DefaultSLOTarget,
		Stall:            DefaultStall,
	}
}

// DefaultStall is the default --stall: a second without a content chunk
// is a pause a reader notices.
const DefaultStall = time.Second

// WarmupAuto is the Options.Warmup that resolves per run to AutoWarmup.
const WarmupAuto time.Duration = -1

// MaxAutoWarmup bounds the automatic warmup.
const MaxAutoWarmup = 30 * time.Second

// AutoWarmup is the warmup of a run analyzed with --warmup auto: the
// smaller of MaxAutoWarmup and half the first step (the step time, or the
// planned duration of a run without steps), the rule the recorder's live
// saturation stop uses; a capacity search's is its steps' own warmup. A
// shape without either gets none.
func AutoWarmup(sh Shape) time.Duration {
	if sh.ProbeWarmupS > 0 {
		// A capacity search: the first step's own warmup.
		return time.Duration(sh.ProbeWarmupS * float64(time.Second))
	}
	first := sh.StepTimeS
	if first <= 0 || (sh.DurationS > 0 && sh.DurationS < first) {
		first = sh.DurationS // a --duration shorter than the step shortens it
	}
	switch {
	case !(first > 0): // none, or a NaN from a crafted footer
		return 0
	case first/2 >= MaxAutoWarmup.Seconds():
		// Compared in seconds: a crafted step of 1e300 s overflows a Duration.
		return MaxAutoWarmup
	}
	return time.Duration(first * float64(time.Second) / 2)
}

// forRun resolves WarmupAuto for the run r.
func (o Options) forRun(r Run) Options {
	if o.Warmup == WarmupAuto {
		// The first step as it ran: an interrupted run's ended early.
		sh := r.Shape
		if r.DurationS > 0 && (sh.DurationS <= 0 || r.DurationS < sh.DurationS) {
			sh.DurationS = r.DurationS
		}
		o.Warmup = AutoWarmup(sh)
	}
	o.period, o.pwarm = probeWarmup(r.Shape)
	o.ends = stepEndsUS(r.Shape)
	return o
}

// Upper bounds of the options: a window of more than a day is the
// cumulative series, and a latency threshold over 1000 times the
// baseline's p95 is no threshold (an infinite one made the JSON report
// fail). Users are an int32 column: a larger count never matches.
const (
	MaxWindow           = 24 * time.Hour
	MaxLatencyThreshold = 1000
)

// probeWarmup is a capacity search's step time and each step's own
// warmup in µs (0 and 0 for a step load): the parameters of the "warm"
// fragment beside the run's warmup.
func probeWarmup(sh Shape) (period, pwarm int64) {
	if sh.ProbeWarmupS <= 0 || sh.StepTimeS <= 0 {
		return 0, 0
	}
	return int64(math.Round(sh.StepTimeS * 1e6)), int64(math.Round(sh.ProbeWarmupS * 1e6))
}

// Validate reports every problem with o at once.
func (o Options) Validate() error {
	var errs []error
	if o.By != "" && o.By != ByClass {
		errs = append(errs, fmt.Errorf("by %q: the figures break down by %q only", o.By, ByClass))
	}
	if o.Warmup < 0 && o.Warmup != WarmupAuto {
		errs = append(errs, fmt.Errorf("warmup %v is negative", o.Warmup))
	}
	if o.Window < time.Second || o.Window > MaxWindow {
		errs = append(errs, fmt.Errorf("window %v must be from 1s to %v", o.Window, MaxWindow))
	}
	if o.BaselineUsers < 1 || o.BaselineUsers > math.MaxInt32 {
		errs = append(errs, fmt.Errorf("baseline users %d must be from 1 to %d", o.BaselineUsers, math.MaxInt32))
	}
	if !(o.LatencyThreshold > 1 && o.LatencyThreshold <= MaxLatencyThreshold) {
		errs = append(errs, fmt.Errorf("latency threshold %v must be greater than 1 and at most %g", o.LatencyThreshold, float64(MaxLatencyThreshold)))
	}
	if !(o.ErrorThreshold >= 0 && o.ErrorThreshold < 1) {
		errs = append(errs, fmt.Errorf("error threshold %v must be a fraction in [0, 1)", o.ErrorThreshold))
	}
	if o.Metric != MetricLatency && o.Metric != MetricTTFT && o.Metric != MetricLatencyFromSchedule {
		errs = append(errs, fmt.Errorf("metric %q must be %q, %q or %q", o.Metric, MetricLatency, MetricTTFT, MetricLatencyFromSchedule))
	}
	if o.MemoryLimit != "" {
		if _, err := ParseSize(o.MemoryLimit); err != nil {
			errs = append(errs, fmt.Errorf("memory limit: %w", err))
		}
	}
	if err := checkTempDir(o.TempDir); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, validateSLO(o.SLO, o.SLOTarget)...)
	for _, p := range o.Percentiles {
		if !(p > 0 && p < 100) {
			errs = append(errs, fmt.Errorf("percentile %v must be above 0 and below 100", p))
		}
	}
	if o.Stall < 0 || o.Stall > maxSLO {
		errs = append(errs, fmt.Errorf("stall %v must be at most 24h and not negative", o.Stall))
	}
	if o.Threads < 0 {
		errs = append(errs, fmt.Errorf("threads %d is negative", o.Threads))
	}
	return errors.Join(errs...)
}

// checkTempDir says why dir cannot hold the analysis's private spill
// directory: it does not exist or is not a directory (a file, a device).
// Such a mistake is the user's to fix, not a lack of disk space. Empty
// (the system's temporary directory) is fine.
func checkTempDir(dir string) error {
	if dir == "" {
		return nil
	}
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("temp dir %s: no such directory", dir)
	case err != nil:
		return fmt.Errorf("temp dir %s: %s", dir, pathErrReason(err))
	case st.Mode().IsRegular():
		return fmt.Errorf("temp dir %s: not a directory (it is a file)", dir)
	case !st.IsDir():
		return fmt.Errorf("temp dir %s: not a directory (it is %s)", dir, runfile.FileKind(st.Mode()))
	}
	return nil
}

// sloTarget is the attainment target in force.
func (o Options) sloTarget() float64 {
	if o.SLOTarget == 0 {
		return DefaultSLOTarget
	}
	return o.SLOTarget
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

// ErrResources is what a ResourceError is (errors.Is): the analysis ran
// out of memory or of temporary disk space. llmrep exits with status 4.
var ErrResources = errors.New("out of resources")

// ResourceError is the analysis running out of memory (beyond
// Options.MemoryLimit, with the spill) or out of disk space in the
// temporary directory. Error() is one line naming the limit and the flag
// that raises it; the database's own message is kept in Err only.
type ResourceError struct {
	// Disk is true for temporary disk space, false for memory.
	Disk bool
	// Limit is the memory limit or the temporary directory.
	Limit string
	Err   error
}

func (e *ResourceError) Error() string {
	if e.Disk {
		return "out of disk space: the analysis spilled more than the free space in " + e.Limit +
			"; free space there or point --temp-dir to a larger disk"
	}
	return "out of memory: the analysis needs more than --memory-limit " + e.Limit +
		"; raise --memory-limit or free memory"
}

func (e *ResourceError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrResources) true.
func (e *ResourceError) Is(target error) bool { return target == ErrResources }

// stall is the stall threshold in force (0 means DefaultStall).
func (o Options) stall() time.Duration {
	if o.Stall == 0 {
		return DefaultStall
	}
	return o.Stall
}
