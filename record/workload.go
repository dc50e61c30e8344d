package record

import (
	"errors"
	"fmt"

	"github.com/llmrec/llmrec/record/target"
	"github.com/llmrec/llmrec/schemas"
)

// Workload is what each request asks for. With InputTokens set, prompts
// are synthetic (target.SyntheticPrompts); OutputTokens sets each
// request's max_tokens (drawn per prompt); IgnoreEOS asks servers that
// support it for exactly that many tokens.
type Workload struct {
	InputTokens  target.Range // zero: built-in or file prompts
	OutputTokens target.Range // zero: the run's max tokens (or a ShareGPT answer's length)
	IgnoreEOS    bool
	// Turns makes each closed-loop user hold conversations of Turns
	// requests: turn k sends the k-1 turns before it (its prompts and the
	// answers received) and a new prompt; 0 or 1: every request stands
	// alone. See conversation.
	Turns int
	// PrefixTokens and Prefixes: every prompt starts with one of Prefixes
	// fixed texts of PrefixTokens synthetic tokens (target.SharedPrefixes),
	// drawn per request, or per conversation with Turns. PrefixTokens 0:
	// no prefixes.
	PrefixTokens int
	Prefixes     int
	// PrefixSeed seeds the prefixes; 0 takes the run's seed (recorded as
	// the workload's). A capacity search sets it so that every probe, each
	// a run of its own seed, sends the same prefixes.
	PrefixSeed int64
}

// Bounds of the conversation and prefix settings: at most MaxTurns turns
// (a conversation holds every turn's prompt and answer until it ends),
// MaxPrefixes prefixes and MaxPrefixBytes of prefix text in all (4 bytes a
// token).
const (
	MaxTurns       = 100
	MaxPrefixes    = 10_000
	MaxPrefixBytes = 64 << 20
)

// SyntheticPool is the most synthetic prompts a run draws from: enough
// that repeats are rare over a step, few enough that the client's cache of
// rendered bodies holds them all. Long prompts get a smaller pool
// (poolSize) so that the prompts take at most syntheticBytes.
const (
	SyntheticPool  = 4096
	syntheticBytes = 64 << 20
)

// poolSize is the synthetic pool for prompts of up to maxTokens tokens
// (4 bytes each): SyntheticPool, or fewer (at least 64) to stay within
// syntheticBytes.
func poolSize(maxTokens int) int {
	return max(64, min(SyntheticPool, syntheticBytes/(4*max(maxTokens, 1))))
}

// Validate reports every problem with w given whether prompts come from a
// file: errors.Join of *FieldError values ("Workload.InputTokens").
func (w Workload) Validate(fromFile bool) error {
	var errs []error
	if fromFile && !w.InputTokens.IsZero() {
		errs = append(errs, &FieldError{Field: "Workload.InputTokens",
			Problem: "makes synthetic prompts; it cannot apply to prompts from a file"})
	}
	for _, f := range []struct {
		name string
		r    target.Range
	}{{"Workload.InputTokens", w.InputTokens}, {"Workload.OutputTokens", w.OutputTokens}} {
		if r := f.r; !r.IsZero() && (r.Min < 1 || r.Max < r.Min || r.Max > target.MaxRangeTokens) {
			errs = append(errs, &FieldError{Field: f.name, Problem: fmt.Sprintf("%s must satisfy 1 ≤ min ≤ max ≤ %d", r, target.MaxRangeTokens)})
		}
	}
	return errors.Join(append(errs, w.validateShared()...)...)
}

// validateShared reports the problems of the conversation and prefix
// settings.
func (w Workload) validateShared() []error {
	var errs []error
	bad := func(field, format string, a ...any) {
		errs = append(errs, &FieldError{Field: field, Problem: fmt.Sprintf(format, a...)})
	}
	if w.Turns < 0 || w.Turns > MaxTurns {
		bad("Workload.Turns", "must be from 1 to %d, got %d", MaxTurns, w.Turns)
	}
	switch {
	case w.PrefixTokens < 0 || w.PrefixTokens > target.MaxRangeTokens:
		bad("Workload.PrefixTokens", "must be from 1 to %d, got %d", target.MaxRangeTokens, w.PrefixTokens)
	case w.Prefixes < 0 || w.Prefixes > MaxPrefixes:
		bad("Workload.Prefixes", "must be from 1 to %d, got %d", MaxPrefixes, w.Prefixes)
	case w.PrefixTokens == 0 && w.Prefixes > 1:
		bad("Workload.Prefixes", "needs a prefix length (its tokens)")
	case w.PrefixTokens > 0 && w.Prefixes == 0:
		bad("Workload.Prefixes", "must be at least 1 with a prefix length")
	case 4*int64(w.PrefixTokens)*int64(w.Prefixes) > MaxPrefixBytes:
		bad("Workload.Prefixes", "%d prefixes of %d tokens are %d MiB of text, over the %d MiB allowed: use fewer or shorter prefixes",
			w.Prefixes, w.PrefixTokens, 4*int64(w.PrefixTokens)*int64(w.Prefixes)>>20, MaxPrefixBytes>>20)
	}
	return errs
}

// conversations reports whether users hold conversations of several turns.
func (w Workload) conversations() bool { return w.Turns > 1 }

// Prompts returns the prompts of a run: synthetic ones when InputTokens is
// set, else file (or built-in) prompts with OutputTokens applied when set.
// The same seed gives the same prompts. source names the origin for the
// footer ("synthetic", or the given one: "builtin", "file", "sharegpt").
func (w Workload) Prompts(file []target.Prompt, source string, seed int64) ([]target.Prompt, string) {
	switch {
	case !w.InputTokens.IsZero():
		return target.SyntheticPrompts(w.InputTokens, w.OutputTokens, poolSize(w.InputTokens.Max), seed), "synthetic"
	case !w.OutputTokens.IsZero():
		return target.WithOutput(file, w.OutputTokens, seed), source
	}
	return file, source
}

// Meta is the footer's record of w (schemas.RunMeta.Workload).
func (w Workload) Meta(source string, seed int64) *schemas.Workload {
	m := &schemas.Workload{InputTokens: w.InputTokens.String(), OutputTokens: w.OutputTokens.String(),
		IgnoreEOS: w.IgnoreEOS, Prompts: source, Seed: seed}
	if w.conversations() {
		m.Turns = w.Turns
	}
	if w.PrefixTokens > 0 {
		m.PrefixTokens, m.Prefixes = w.PrefixTokens, w.Prefixes
	}
	return m
}
