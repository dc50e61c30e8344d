package sim

import (
	"errors"
	"fmt"
)

// The three server profiles. See the package documentation for the model
// behind each.
const (
	ProfileLinear = "linear"
	ProfileKnee   = "knee"
	ProfileShed   = "shed"
)

// Profiles lists the accepted values of Config.Profile, default first.
func Profiles() []string {
	return []string{ProfileKnee, ProfileLinear, ProfileShed}
}

// MaxTokensCap is the largest number of output tokens one request gets,
// whatever its max_tokens asks for.
const MaxTokensCap = 4096

// Bounds of the simulator's settings, so that a request's times stay
// far from overflowing a time.Duration: at most a million slots, a minute
// of prefill or per token, and a swap strength of 100.
const (
	MaxSlots  = 1_000_000
	MaxStepMS = 60_000
	MaxSwap   = 100
)

// SwapCap bounds q/Slots in the knee profile's slowdown factor, so that one
// request's service time stays bounded however deep the queue gets (at most
// 1 + Swap·SwapCap² times the base time).
const SwapCap = 4.0

// Config describes the simulated server. The zero value is not valid; start
// from DefaultConfig.
type Config struct {
	// Profile is "linear", "knee" or "shed".
	Profile string
	// Slots is the number of requests served at once (knee, shed); for
	// linear it is the scale of the slowdown: each Slots requests in flight
	// add one base token time.
	Slots int
	// TokenMS is the base time per output token, in milliseconds.
	TokenMS float64
	// PrefillMS is the base time before the first token, in milliseconds.
	PrefillMS float64
	// Jitter is the relative jitter of each request's prefill and token
	// times: 0.1 draws a factor uniformly in [0.9, 1.1].
	Jitter float64
	// ErrorRate is the fraction of requests answered 500 at random.
	ErrorRate float64
	// Seed seeds the random source (token text, jitter, injected errors).
	Seed int64
	// MaxTokens is the number of output tokens when a request gives no
	// max_tokens; a request's own max_tokens is honoured up to MaxTokensCap.
	MaxTokens int
	// Swap is the strength of the knee profile's swap/eviction slowdown:
	// served requests run 1 + Swap·min(queued/Slots, SwapCap)² times slower.
	// 0 gives a plain FIFO queue. Ignored by the other profiles.
	Swap float64
	// TokensPerChunk is how many tokens a streamed content chunk carries
	// (0 or 1: one, as vLLM sends them; more, as servers that batch their
	// stream output do): the chunk is sent when its last token falls due,
	// so the gaps between chunks are about that many token times.
	TokensPerChunk int
}

// DefaultConfig returns the configuration of `llmrec sim` without flags: a
// knee server with 16 slots, 50 ms prefill, 5 ms per token, 64 tokens per
// request, ±10% jitter and no injected errors. A single request takes about
// 370 ms; a step load of 10 users per step with 0.1–0.5 s think time
// saturates it between 30 and 40 users.
func DefaultConfig() Config {
	return Config{
		Profile:   ProfileKnee,
		Slots:     16,
		TokenMS:   5,
		PrefillMS: 50,
		Jitter:    0.1,
		ErrorRate: 0,
		Seed:      1,
		MaxTokens: 64,
		Swap:      1,

		TokensPerChunk: 1,
	}
}

// Validate reports every problem of c at once, joined with errors.Join.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(format, args...))
	}
	switch c.Profile {
	case ProfileLinear, ProfileKnee, ProfileShed:
	default:
		bad("profile %q is not one of linear, knee, shed", c.Profile)
	}
	if c.Slots < 1 || c.Slots > MaxSlots {
		bad("slots must be from 1 to %d, got %d", MaxSlots, c.Slots)
	}
	if !(c.TokenMS >= 0 && c.TokenMS <= MaxStepMS) {
		bad("token time must be from 0 to %g milliseconds, got %v", float64(MaxStepMS), c.TokenMS)
	}
	if !(c.PrefillMS >= 0 && c.PrefillMS <= MaxStepMS) {
		bad("prefill time must be from 0 to %g milliseconds, got %v", float64(MaxStepMS), c.PrefillMS)
	}
	if !(c.Jitter >= 0 && c.Jitter < 1) {
		bad("jitter must be in [0, 1), got %v", c.Jitter)
	}
	if !(c.ErrorRate >= 0 && c.ErrorRate <= 1) {
		bad("error rate must be in [0, 1], got %v", c.ErrorRate)
	}
	if c.MaxTokens < 1 || c.MaxTokens > MaxTokensCap {
		bad("max tokens must be in [1, %d], got %d", MaxTokensCap, c.MaxTokens)
	}
	if c.TokensPerChunk < 0 || c.TokensPerChunk > MaxTokensCap {
		bad("tokens per chunk must be in [0, %d], got %d", MaxTokensCap, c.TokensPerChunk)
	}
	if !(c.Swap >= 0 && c.Swap <= MaxSwap) {
		bad("swap must be from 0 to %g, got %v", float64(MaxSwap), c.Swap)
	}
	return errors.Join(errs...)
}
