package analyze

import (
	"context"
	"errors"
)

// Analyze reads the run file(s) at paths (several shards of one run, or a
// glob) and computes every figure. Bad input is returned as *InputError.
func Analyze(ctx context.Context, opts Options, paths ...string) (*Analysis, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	return nil, errors.New("analyze: not implemented yet")
}
