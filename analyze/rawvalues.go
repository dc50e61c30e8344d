package analyze

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"slices"
)

// Values are raw per-request values of post-warmup successes, each slice
// sorted ascending: the input of the significance tests.
type Values struct {
	// Metric is the selected metric (Options.Metric) of successes with a
	// value for it.
	Metric []float64
	// TTFT is ttft_ms of successes that have one.
	TTFT []float64
	// TokensPerS is output_tokens / (latency_ms/1000) of successes with
	// output tokens.
	TokensPerS []float64
}

// Samples are a run's raw values, overall and by step.
type Samples struct {
	Overall Values
	Steps   map[int]*Values // by step number
}

// RunData is one run ready to be compared or checked: its analysis and
// the raw values behind it.
type RunData struct {
	// Name labels the run in comparisons.
	Name string
	// Paths are the inputs as given (one run: a file, shards, or a glob).
	Paths    []string
	Analysis *Analysis
	Samples  *Samples
}

// LoadRun analyzes the run at paths (Analyze) and reads the raw values of
// its post-warmup successes. The values are read by a second pass over
// the files, through the same checks and the same locked-down database as
// the analysis, so that Analyze keeps its bounded memory when no
// comparison needs the values. Errors are those of Analyze.
func LoadRun(ctx context.Context, opts Options, name string, paths ...string) (*RunData, error) {
	a, err := Analyze(ctx, opts, paths...)
	if err != nil {
		return nil, err
	}
	s, err := readSamples(ctx, opts, a, paths)
	if err != nil {
		return nil, err
	}
	return &RunData{Name: name, Paths: paths, Analysis: a, Samples: s}, nil
}

// readSamples loads the run's rows as Analyze does (create.sql, the
// metric view, load.sql) and reads raw_values.sql.
func readSamples(ctx context.Context, opts Options, a *Analysis, paths []string) (*Samples, error) {
	files, err := openInputs(paths)
	if err != nil {
		return nil, err
	}
	opts = opts.forRun(a.Run)
	e, err := loadRun(ctx, opts, files, a.Run.StartedAt.UnixMicro(), "load.sql")
	if err != nil {
		return nil, err
	}
	defer e.Close()
	s := &Samples{Steps: map[int]*Values{}}
	// Read through the driver directly, as fetchSamples does: database/sql
	// converts each value at a cost larger than the query's.
	err = e.conn.Raw(func(dc any) error {
		q, ok := dc.(driver.QueryerContext)
		if !ok {
			return errors.New("the database driver cannot query")
		}
		rows, err := q.QueryContext(ctx, query("raw_values.sql"), nil)
		if err != nil {
			return err
		}
		defer rows.Close()
		dest := make([]driver.Value, 4)
		var sv *Values
		last := int32(-1)
		for {
			if err := rows.Next(dest); err != nil {
				if errors.Is(err, io.EOF) {
					return nil
				}
				return err
			}
			step, ok := dest[0].(int32)
			if !ok {
				return fmt.Errorf("unexpected step type %T", dest[0])
			}
			if step != last || sv == nil {
				if sv = s.Steps[int(step)]; sv == nil {
					sv = &Values{}
					s.Steps[int(step)] = sv
				}
				last = step
			}
			for i, x := range [3][2]*[]float64{{&s.Overall.Metric, &sv.Metric}, {&s.Overall.TTFT, &sv.TTFT}, {&s.Overall.TokensPerS, &sv.TokensPerS}} {
				switch v := dest[i+1].(type) {
				case float64:
					*x[0] = append(*x[0], v)
					*x[1] = append(*x[1], v)
				case nil:
				default:
					return fmt.Errorf("unexpected value type %T", v)
				}
			}
		}
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("read raw values: %w", err)
	}
	s.Overall.sort()
	for _, v := range s.Steps {
		v.sort()
	}
	return s, nil
}

func (v *Values) sort() {
	slices.Sort(v.Metric)
	slices.Sort(v.TTFT)
	slices.Sort(v.TokensPerS)
}
