package record

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/llmrec/llmrec/record/target"
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
			bad("Target", "%s is not an http(s) URL", target.RedactURL(c.Target))
		}
	}
	if c.API == target.APIHTTP && c.Body == "" && c.Method != http.MethodGet && c.Method != http.MethodHead {
		bad("Body", "is needed by the http API with method %s", c.Method)
	}
	if c.MaxTokens <= 0 {
		bad("MaxTokens", "must be positive, got %d", c.MaxTokens)
	}
	s := c.Shape
	if s.StepUsers <= 0 {
		bad("Shape.StepUsers", "must be positive, got %d", s.StepUsers)
	}
	if s.MaxUsers <= 0 {
		bad("Shape.MaxUsers", "must be positive, got %d", s.MaxUsers)
	}
	if s.StepTime <= 0 {
		bad("Shape.StepTime", "must be positive, got %v", s.StepTime)
	}
	if !(s.SpawnRate >= 0) || math.IsInf(s.SpawnRate, 1) {
		bad("Shape.SpawnRate", "must be a finite number, not negative, got %g", s.SpawnRate)
	}
	if s.Duration < 0 {
		bad("Shape.Duration", "must not be negative, got %v", s.Duration)
	}
	if c.WaitMin < 0 || c.WaitMax < c.WaitMin {
		bad("WaitMin/WaitMax", "must satisfy 0 ≤ min ≤ max, got %v and %v", c.WaitMin, c.WaitMax)
	}
	if c.Timeout <= 0 {
		bad("Timeout", "must be positive, got %v", c.Timeout)
	}
	if c.IdleTimeout <= 0 {
		bad("IdleTimeout", "must be positive, got %v", c.IdleTimeout)
	}
	if c.Grace < 0 {
		bad("Grace", "must not be negative, got %v", c.Grace)
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
	for k := range c.Labels {
		if k == "" || strings.ContainsAny(k, "=\n") {
			bad("Labels", "key %q is empty or has '=' or a newline", k)
		}
	}
	return errors.Join(errs...)
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
