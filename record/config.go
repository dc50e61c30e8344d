package record

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/llmrec/llmrec/record/target"
	"github.com/llmrec/llmrec/schemas"
)

// Config is everything a run needs. The llmrec command fills it from flags;
// tests fill it directly.
type Config struct {
	// Target is the service's base URL, recorded (redacted) in the run
	// metadata; Connect builds the client for it.
	Target string
	// Simulator is the built-in simulator's profile when Target is that
	// simulator (recorded in the run metadata); empty otherwise.
	Simulator string
	API       string // openai-chat | openai-completions | http
	Method    string // http only
	Body      string // http only: a text/template with {{.Prompt}}
	Model     string // empty: the first id of GET /v1/models (openai-*)
	MaxTokens int
	Stream    bool
	// ChunkTimes records when each content chunk of a stream arrived
	// (schemas.Record.ChunkUS); on by default.
	ChunkTimes bool
	Prompts    []target.Prompt // empty: target.BuiltinPrompts()
	Headers    http.Header
	APIKey     string

	Profile string // default | stress: recorded with the shape
	Shape   Shape
	// OpenLoop, when its Kind is poisson or constant, replaces the users of
	// Shape (and the think times) with requests sent at a rate: see
	// Arrivals. Its Seed 0 takes Seed (and a random one when that is 0 too).
	OpenLoop OpenLoop
	// Workload sets the size of the requests (synthetic prompts, output
	// tokens, ignore_eos); the zero value sends Prompts as they are.
	Workload Workload
	// Classes, when set, are the request classes of a workload file: each
	// request draws a class by weight, then one of its prompts; they
	// replace Prompts and the Workload's sizes.
	Classes []Class
	// PromptSource names where Prompts came from for the footer: "file" or
	// "sharegpt"; empty means the built-in prompts (Prompts empty) or "file".
	PromptSource     string
	WaitMin, WaitMax time.Duration
	StopOnSaturation bool
	// BaselineUsers and the thresholds drive --stop-on-saturation's live rule.
	BaselineUsers    int
	LatencyThreshold float64
	ErrorThreshold   float64

	Timeout, IdleTimeout, Grace time.Duration
	MaxBodyBytes                int64

	// Shard is this recorder's part of a schedule split over several
	// recorders; the zero value runs the whole schedule.
	Shard Sharding

	// Replay, when set, sends a recorded run's requests instead of the
	// schedule's users or arrivals (Replay.Configure sets it and the
	// schedule).
	Replay *Replay

	// ServerMetrics scrapes the server's own metrics during the run.
	ServerMetrics ServerMetrics

	Labels map[string]string
	Seed   int64 // think times and prompt choice; 0 picks one from the clock

	// Progress, when set, gets the live status about once a second, from
	// the engine's goroutines, one call at a time.
	Progress func(Status)
	// Snapshot, when set, gets the dashboard's view of the run once a
	// second, from the engine's watcher goroutine, after Progress. It must
	// return at once (hand the value over without waiting, dropping it if
	// need be): while it runs, the watcher takes no rows.
	Snapshot func(Snapshot)
	// Observe, when set, gets every row as the watcher takes it (about
	// when the persister writes it), from the watcher's goroutine. It
	// must return at once.
	Observe func(*schemas.Record)
	// Control, when set, changes the level while the run goes on
	// (Control.SetLevel); nil: the shape is as planned.
	Control *Control
	// Notice, when set, gets the events a user should see as they happen
	// (waiting for Shard.StartAt, a late join, a shard stopping alone),
	// one call at a time, never concurrently with Progress.
	Notice func(msg string)
}

// Profiles of the load shape (--profile).
const (
	ProfileDefault = "default"
	ProfileStress  = "stress"
)

// DefaultConfig is the documented defaults (llmrec run --help): 10 users a step every 60 s up to
// 100, think time 0.1–0.5 s, 120 s timeout, 30 s idle timeout, 30 s grace.
func DefaultConfig() Config {
	return Config{
		API:              target.APIChat,
		Method:           http.MethodPost,
		MaxTokens:        128,
		Stream:           true,
		ChunkTimes:       true,
		Profile:          ProfileDefault,
		Shape:            Shape{StepUsers: 10, StepTime: 60 * time.Second, MaxUsers: 100},
		OpenLoop:         DefaultOpenLoop(),
		WaitMin:          100 * time.Millisecond,
		WaitMax:          500 * time.Millisecond,
		BaselineUsers:    10,
		LatencyThreshold: 2,
		ErrorThreshold:   0.01,
		Timeout:          120 * time.Second,
		IdleTimeout:      30 * time.Second,
		Grace:            30 * time.Second,
		MaxBodyBytes:     16 << 20,
	}
}

// ApplyProfile sets the shape of a named profile: stress is the
// aggressive setting, 50 users a step, 200 at most, 15 minutes.
func (c *Config) ApplyProfile(name string) error {
	switch name {
	case ProfileDefault:
	case ProfileStress:
		c.Shape.StepUsers, c.Shape.MaxUsers, c.Shape.Duration = 50, 200, 15*time.Minute
		c.Shape.SpawnRate = 0
	default:
		return fmt.Errorf("unknown profile %q: use default or stress", name)
	}
	c.Profile = name
	return nil
}

// Redactor returns the Redactor of the run c describes: it knows the API
// key, the headers, the secret parts of the target URL and the proxy
// credentials. Everything that prints, serves or stores the target, the
// model or the labels goes through it (Redactor.URL for the target).
func (c *Config) Redactor() *target.Redactor {
	return targetOptions(c).NewRedactor()
}

// FieldError is one problem with one field of a Config. Field is the
// field's Go name ("Shape.StepUsers", or two names joined by "/" when the
// problem is their relation); Problem completes the sentence. The llmrec
// command maps Field to its flag.
type FieldError struct {
	Field   string
	Problem string
}

func (e *FieldError) Error() string { return e.Field + " " + e.Problem }

// Validate reports every problem with c at once: errors.Join of
// *FieldError values.
func (c *Config) Validate() error {
	var errs []error
	bad := func(field, format string, a ...any) {
		errs = append(errs, &FieldError{Field: field, Problem: fmt.Sprintf(format, a...)})
	}
	switch c.API {
	case target.APIChat, target.APICompletions, target.APIHTTP:
	default:
		bad("API", "%q: use openai-chat, openai-completions or http", c.API)
	}
	if c.Target != "" {
		u, err := url.Parse(c.Target)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("Target", "%s is not an http(s) URL", c.Redactor().URL(c.Target))
		}
	}
	if c.API == target.APIHTTP && c.Body == "" && c.Method != http.MethodGet && c.Method != http.MethodHead {
		bad("Body", "is needed by the http API with method %s", c.Method)
	}
	if c.MaxTokens <= 0 || c.MaxTokens > target.MaxRangeTokens {
		bad("MaxTokens", "must be from 1 to %d, got %d", target.MaxRangeTokens, c.MaxTokens)
	}
	s := c.Shape
	if s.StepUsers <= 0 || s.StepUsers > MaxUsers {
		bad("Shape.StepUsers", "must be from 1 to %d, got %d", MaxUsers, s.StepUsers)
	}
	if s.MaxUsers <= 0 || s.MaxUsers > MaxUsers {
		bad("Shape.MaxUsers", "must be from 1 to %d, got %d", MaxUsers, s.MaxUsers)
	}
	if !(s.SpawnRate >= 0 && s.SpawnRate <= MaxArrivalRate) {
		bad("Shape.SpawnRate", "must be a number from 0 to %g users/s, got %g", float64(MaxArrivalRate), s.SpawnRate)
	}
	if !c.open() {
		validateSchedule("Shape.", s.StepTime, s.Duration, s.Total(), bad)
	}
	if c.WaitMin < 0 || c.WaitMax < c.WaitMin || c.WaitMax > MaxRequestTime {
		bad("WaitMin/WaitMax", "must satisfy 0 ≤ min ≤ max ≤ %v, got %v and %v", MaxRequestTime, c.WaitMin, c.WaitMax)
	}
	for _, d := range []struct {
		field string
		v     time.Duration
		min   time.Duration
	}{{"Timeout", c.Timeout, MinRequestTime}, {"IdleTimeout", c.IdleTimeout, MinRequestTime}, {"Grace", c.Grace, 0}} {
		if d.v < d.min || d.v > MaxRequestTime {
			bad(d.field, "must be from %v to %v, got %v", d.min, MaxRequestTime, d.v)
		}
	}
	if !(c.LatencyThreshold > 1) || math.IsInf(c.LatencyThreshold, 1) {
		bad("LatencyThreshold", "must be above 1, got %g", c.LatencyThreshold)
	}
	if !(c.ErrorThreshold > 0 && c.ErrorThreshold < 1) {
		bad("ErrorThreshold", "must be a fraction between 0 and 1, got %g", c.ErrorThreshold)
	}
	c.Shard.validate(bad)
	errs = append(errs, unjoin(c.OpenLoop.Validate())...)
	errs = append(errs, unjoin(c.Workload.Validate(len(c.Prompts) > 0))...)
	errs = append(errs, c.validateClasses()...)
	if c.Workload.conversations() {
		switch {
		case c.open():
			bad("Workload.Turns", "needs closed-loop users: an open loop's arrivals are independent requests, and a conversation's next turn waits for the answer before")
		case c.API == target.APIHTTP:
			bad("Workload.Turns", "needs api %s or %s: with api %s there is no answer to carry into the next turn", target.APIChat, target.APICompletions, target.APIHTTP)
		}
	}
	keys := slices.Sorted(maps.Keys(c.Labels))
	for _, k := range keys {
		switch v := c.Labels[k]; {
		case k == "" || strings.Contains(k, "="):
			bad("Labels", "key %q is empty or has '='", k)
		case !printableLabel(k) || !printableLabel(v):
			// The value is not quoted: it may be a secret.
			bad("Labels", "%q: the key or the value is not valid UTF-8 or holds a control character (a tab, a line break, a terminal escape, a bidi control)", k)
		}
	}
	c.ServerMetrics.validate(bad)
	return errors.Join(errs...)
}

// Bounds of a run's settings, so that every figure of its file is one the
// analyzer can represent (steps in an int32 column, per-request times well
// under its 1e9 ms cap on a latency, the schedule's step in microseconds)
// and no setting is absurd:
//   - MinStepTime: a step shorter than the send lag the analyzer tolerates
//     (100 ms) cannot be told apart from the recorder's own jitter;
//   - MaxSteps: a schedule has at most 100,000 steps (the reports' tables
//     and charts are tested at that size);
//   - MaxRunTime: a run (--duration, or the schedule's steps) lasts at
//     most 30 days;
//   - MinRequestTime, MaxRequestTime: --timeout and --idle-timeout are
//     from 1 ms to 24 h; --grace and the think times at most 24 h;
//   - MaxUsers: at most a million users (a user is a connection; the
//     recorder checks the open-file limit besides).
const (
	MinStepTime    = 100 * time.Millisecond
	MaxSteps       = maxSteps
	MaxRunTime     = 30 * 24 * time.Hour
	MinRequestTime = time.Millisecond
	MaxRequestTime = 24 * time.Hour
	MaxUsers       = 1_000_000
)

// validateSchedule adds the problems of a schedule (the closed loop's
// shape or the open loop's rate steps; prefix names the struct) to bad:
// a step time from MinStepTime to MaxRunTime, a duration from 0 to
// MaxRunTime, and a planned length total of at most MaxRunTime and
// MaxSteps steps.
func validateSchedule(prefix string, stepTime, duration, total time.Duration, bad func(field, format string, a ...any)) {
	if stepTime < MinStepTime || stepTime > MaxRunTime {
		bad(prefix+"StepTime", "must be from %v to %v, got %v", MinStepTime, MaxRunTime, stepTime)
		return
	}
	if duration < 0 || duration > MaxRunTime {
		bad(prefix+"Duration", "must be from 0 (the schedule's own length) to %v, got %v", MaxRunTime, duration)
		return
	}
	if steps := (total + stepTime - 1) / stepTime; steps > MaxSteps {
		bad(prefix+"StepTime", "%v makes %d steps over the run's %v; at most %d: lengthen the step or shorten the run", stepTime, steps, total, MaxSteps)
	} else if total > MaxRunTime {
		bad(prefix+"StepTime", "%v makes a schedule of %d steps lasting %v; at most %v: shorten the step or set a duration", stepTime, steps, total, MaxRunTime)
	}
}

// printableLabel reports whether s is valid UTF-8 with no C0 or C1 control
// character, DEL, line or paragraph separator or bidi control: labels are
// printed in every report and stored as they are in the run file, which
// other tools read too.
func printableLabel(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		switch {
		case r < 0x20, r >= 0x7f && r <= 0x9f, r == 0x2028, r == 0x2029,
			r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			return false
		}
	}
	return true
}

// open reports whether the run is an open loop (requests at a rate rather
// than users).
func (c *Config) open() bool { return c.OpenLoop.Open() }

// total is the planned length of the schedule: the open loop's or the
// shape's.
func (c *Config) total() time.Duration {
	if c.open() {
		return c.OpenLoop.Total()
	}
	return c.Shape.Total()
}

// stepAt is the 1-based step at elapsed time: the open loop's rate step or
// the shape's user step.
func (c *Config) stepAt(elapsed time.Duration) int {
	if c.open() {
		return c.OpenLoop.StepAt(elapsed)
	}
	return c.Shape.StepAt(elapsed)
}

// stepTime is the length of a step of the schedule.
func (c *Config) stepTime() time.Duration {
	if c.open() {
		return c.OpenLoop.StepTime
	}
	return c.Shape.StepTime
}

// unjoin is the errors an errors.Join made (none for nil).
func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
