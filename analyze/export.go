package analyze

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/llmrec/llmrec/schemas"
)

// Export formats (`llmrep export --format`).
const (
	ExportCSV   = "csv"   // with a header line
	ExportJSONL = "jsonl" // one JSON object a line
)

// ExportColumns are the columns of an export, in order: every column of
// the run file but chunk_us, the two times also as ms since the run's
// start, and the warmup flag. The columns of version 3 (max_tokens,
// prompt_index) are empty when a file is older.
var ExportColumns = []string{
	"run_id", "shard", "seq", "user", "step", "users",
	"scheduled_at", "scheduled_ms", "start", "start_ms", "warmup",
	"latency_ms", "ttft_ms", "status", "ok", "error_class", "error",
	"prompt_tokens", "output_tokens", "chunks", "bytes_in",
	"max_tokens", "prompt_index",
}

// OutputError is an output that cannot or must not be written: llmrep
// prints Error(), one line naming the file and the reason.
type OutputError struct {
	Path   string
	Reason string
	Err    error
}

func (e *OutputError) Error() string { return e.Path + ": " + e.Reason }

func (e *OutputError) Unwrap() error { return e.Err }

// Export writes every row of the run file(s) at paths (shards of one run,
// as Analyze takes them) to a new file at target, in format (ExportCSV or
// ExportJSONL), and returns the number of rows. A request is warmup when
// it was sent in the first opts.Warmup of the run.
//
// The text columns (run_id, error_class, error) are made printable: every
// C0 and C1 control, line separator and bidi control becomes a space. In
// CSV, a text cell that starts with '=', '+', '-' or '@' is written with
// a leading single quote, so that a spreadsheet does not run it as a
// formula.
//
// The rows go through DuckDB's COPY inside the same lockdown as Analyze:
// target is the one path the database may write. It must not exist, and
// it must be in a directory only this process writes to (a name DuckDB
// opens is open to a swap in a shared one): llmrep gives it a path in a
// private directory (outfile.Target.WriteVia), whose file then replaces
// -o by the output rule or is copied to stdout.
func Export(ctx context.Context, opts Options, format, target string, paths ...string) (int64, error) {
	if target == "" {
		return 0, errors.New("export: no target file given")
	}
	if _, err := os.Lstat(target); !errors.Is(err, fs.ErrNotExist) {
		return 0, &OutputError{Path: target, Reason: "exists (or cannot be checked): export writes only a new file", Err: err}
	}
	files, err := exportInputs(ctx, opts, format, paths)
	if err != nil {
		return 0, err
	}
	return copyRows(ctx, opts, format, target, files)
}

// exportInputs validates the settings and opens the inputs.
func exportInputs(ctx context.Context, opts Options, format string, paths []string) ([]*inputFile, error) {
	if format != ExportCSV && format != ExportJSONL {
		return nil, fmt.Errorf("export format %q must be %q or %q", format, ExportCSV, ExportJSONL)
	}
	if opts.Warmup < 0 && opts.Warmup != WarmupAuto {
		return nil, fmt.Errorf("warmup %v is negative", opts.Warmup)
	}
	files, err := openInputs(ctx, paths)
	if err != nil {
		return nil, err
	}
	return files, nil
}

// copyRows runs export.sql through COPY into target, a fresh path in a
// directory only this process writes to. target is the one writable
// path of the database (allowed_paths); COPY cannot take it as a bound
// parameter, so it is a quoted string literal.
func copyRows(ctx context.Context, opts Options, format, target string, files []*inputFile) (int64, error) {
	opts = opts.forRun(runInfo(files))
	if !utf8.ValidString(target) || strings.ContainsRune(target, 0) {
		return 0, &OutputError{Path: target, Reason: "the path is not valid UTF-8 text, which DuckDB cannot take: write in another directory"}
	}
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
	copyOpts := "FORMAT csv, HEADER true"
	if format == ExportJSONL {
		copyOpts = "FORMAT json"
	}
	v3 := true
	for _, f := range files {
		v3 = v3 && schemas.Has(f.meta.SchemaVersion, schemas.MaxTokensColumn) && schemas.Has(f.meta.SchemaVersion, schemas.PromptIndexColumn)
	}
	stmt := "COPY (" + queryWith("export.sql", queryData{V3: v3}) + ") TO " + sqlString(target) + " (" + copyOpts + ", USE_TMP_FILE false)"
	origin := runInfo(files).StartedAt.UnixMicro()
	period, pwarm := probeWarmup(runInfo(files).Shape)
	res, err := e.conn.ExecContext(ctx, stmt, globs, origin, opts.Warmup.Microseconds(), format == ExportCSV, period, pwarm)
	if err != nil {
		for _, f := range files {
			if strings.Contains(err.Error(), f.path) {
				return 0, e.readError(ctx, f, err)
			}
		}
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		return 0, fmt.Errorf("export the rows: %s", duckMessage(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("count exported rows: %w", err)
	}
	return n, nil
}

// sqlString quotes s as an SQL string literal: a single quote is doubled,
// and nothing else is special in DuckDB's standard strings.
func sqlString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
