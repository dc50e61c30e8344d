package analyze

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
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
	abs, given, err := resolvePaths(paths)
	if err != nil {
		return nil, err
	}
	files := make([]*inputFile, len(abs))
	for i := range abs {
		if files[i], err = checkFile(abs[i], given[i]); err != nil {
			return nil, err
		}
	}
	if err := checkOneRun(files); err != nil {
		return nil, err
	}
	sort.SliceStable(files, func(i, j int) bool { return filepath.Base(files[i].path) < filepath.Base(files[j].path) })
	e, err := openEngine(ctx, opts, abs)
	if err != nil {
		return nil, err
	}
	defer e.Close()
	view := map[string]string{MetricLatency: "view_latency.sql", MetricTTFT: "view_ttft.sql"}[opts.Metric]
	for _, q := range []string{"create.sql", view} {
		if _, err := e.conn.ExecContext(ctx, query(q)); err != nil {
			return nil, fmt.Errorf("create run table: %w", err)
		}
	}
	origin := a.Run.StartedAt.UnixMicro()
	for _, f := range files {
		if _, err := e.conn.ExecContext(ctx, query("load.sql"), escapeGlob(f.path), origin, opts.Warmup.Microseconds()); err != nil {
			return nil, e.readError(ctx, f, err)
		}
	}
	rows, err := e.conn.QueryContext(ctx, query("raw_values.sql"))
	if err != nil {
		return nil, fmt.Errorf("read raw values: %w", err)
	}
	defer rows.Close()
	s := &Samples{Steps: map[int]*Values{}}
	for rows.Next() {
		var step int64
		var v, ttft, tps sql.NullFloat64
		if err := rows.Scan(&step, &v, &ttft, &tps); err != nil {
			return nil, fmt.Errorf("read raw values: %w", err)
		}
		sv := s.Steps[int(step)]
		if sv == nil {
			sv = &Values{}
			s.Steps[int(step)] = sv
		}
		for _, x := range []struct {
			v   sql.NullFloat64
			all *[]float64
			one *[]float64
		}{{v, &s.Overall.Metric, &sv.Metric}, {ttft, &s.Overall.TTFT, &sv.TTFT}, {tps, &s.Overall.TokensPerS, &sv.TokensPerS}} {
			if x.v.Valid {
				*x.all = append(*x.all, x.v.Float64)
				*x.one = append(*x.one, x.v.Float64)
			}
		}
	}
	if err := rows.Err(); err != nil {
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
