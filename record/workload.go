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
}

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
	return errors.Join(errs...)
}

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
	return &schemas.Workload{InputTokens: w.InputTokens.String(), OutputTokens: w.OutputTokens.String(),
		IgnoreEOS: w.IgnoreEOS, Prompts: source, Seed: seed}
}
