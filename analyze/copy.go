package analyze

import (
	"context"
	"fmt"
	"strings"
	"text/template"
	"unicode/utf8"
)

// CopyRows runs rowsSQL, a SELECT over the run file(s) at paths (shards
// of one run, as Analyze takes them), through DuckDB's COPY into target
// with the COPY options copyOptions ("FORMAT csv, HEADER true"), inside
// the same lockdown as Analyze, and returns the number of rows written.
// It is the engine of package analyze/export.
//
// rowsSQL is a text/template that may name the fragments of
// fragments.sql ({{template "warm"}}); it carries SQL only. Its
// parameters, bound in order: the list of files (glob characters
// escaped), the run origin (µs since the epoch), the warmup (µs), csv, a
// search's step time and each step's warmup (µs; 0 and 0 otherwise).
//
// target is the one path the database may write: it must be a fresh path
// in a directory only this process writes to (a name DuckDB opens is open
// to a swap in a shared one). COPY cannot take it as a bound parameter,
// so it is a quoted string literal, and must be valid UTF-8.
func CopyRows(ctx context.Context, opts Options, rowsSQL, copyOptions, target string, csv bool, paths ...string) (int64, error) {
	if opts.Warmup < 0 && opts.Warmup != WarmupAuto {
		return 0, fmt.Errorf("warmup %v is negative", opts.Warmup)
	}
	rows, err := template.Must(sqlTemplates.Clone()).New("rows").Parse(rowsSQL)
	if err != nil {
		return 0, fmt.Errorf("the rows query: %w", err)
	}
	files, err := openInputs(ctx, paths)
	if err != nil {
		return 0, err
	}
	// The query names a column added after version 1 only when the
	// newest input has it (the template's has); older inputs read it as
	// NULL (read_parquet's union_by_name).
	version := 0
	for _, f := range files {
		version = max(version, f.meta.SchemaVersion)
	}
	var q strings.Builder
	ends := len(runInfo(files).Shape.StepEndsS) > 0 // the warm fragment's step spans
	if err := rows.Execute(&q, queryData{Version: version, Ends: ends}); err != nil {
		return 0, fmt.Errorf("the rows query: %w", err)
	}
	if !utf8.ValidString(target) || strings.ContainsRune(target, 0) {
		return 0, fmt.Errorf("copy target %q is not valid UTF-8, which DuckDB cannot take", target)
	}
	return copyRows(ctx, opts, q.String(), copyOptions, target, csv, files)
}

// copyRows runs the query q through COPY into target.
func copyRows(ctx context.Context, opts Options, q, copyOptions, target string, csv bool, files []*inputFile) (int64, error) {
	run := runInfo(files)
	opts = opts.forRun(run)
	paths := make([]string, 0, len(files)+1)
	globs := make([]string, len(files))
	var rows int64
	for i, f := range files {
		paths = append(paths, f.path)
		globs[i] = escapeGlob(f.path)
		rows += f.rows
	}
	e, err := openEngine(ctx, opts, append(paths, target), rows)
	if err != nil {
		return 0, err
	}
	defer e.Close()
	stmt := "COPY (" + q + ") TO " + sqlString(target) + " (" + copyOptions + ", USE_TMP_FILE false)"
	res, err := e.conn.ExecContext(ctx, stmt, globs, run.StartedAt.UnixMicro(), opts.Warmup.Microseconds(), csv,
		opts.period, opts.pwarm, opts.ends)
	if err != nil {
		for _, f := range files {
			if strings.Contains(err.Error(), f.path) {
				return 0, e.readError(ctx, f, err)
			}
		}
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		return 0, fmt.Errorf("copy the rows: %s", duckMessage(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("count copied rows: %w", err)
	}
	return n, nil
}

// sqlString quotes s as an SQL string literal: a single quote is doubled,
// and nothing else is special in DuckDB's standard strings.
func sqlString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
