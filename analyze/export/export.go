package export

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/llmrec/llmrec/analyze"
)

// Export formats (`llmrep export --format`).
const (
	ExportCSV   = "csv"   // with a header line
	ExportJSONL = "jsonl" // one JSON object a line
)

// ExportColumns are the columns of an export, in order: every column of
// the run file but chunk_us, the two times also as ms since the run's
// start, and the warmup flag. A column that the inputs' version does not
// have (turn and prefix before version 3) is null.
var ExportColumns = []string{
	"run_id", "shard", "seq", "user", "step", "users",
	"scheduled_at", "scheduled_ms", "start", "start_ms", "warmup",
	"latency_ms", "ttft_ms", "status", "ok", "error_class", "error",
	"prompt_tokens", "output_tokens", "chunks", "bytes_in", "turn", "prefix",
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
func Export(ctx context.Context, opts analyze.Options, format, target string, paths ...string) (int64, error) {
	if target == "" {
		return 0, errors.New("export: no target file given")
	}
	if _, err := os.Lstat(target); !errors.Is(err, fs.ErrNotExist) {
		return 0, &OutputError{Path: target, Reason: "exists (or cannot be checked): export writes only a new file", Err: err}
	}
	if format != ExportCSV && format != ExportJSONL {
		return 0, fmt.Errorf("export format %q must be %q or %q", format, ExportCSV, ExportJSONL)
	}
	if !utf8.ValidString(target) || strings.ContainsRune(target, 0) {
		return 0, &OutputError{Path: target, Reason: "the path is not valid UTF-8 text, which DuckDB cannot take: write in another directory"}
	}
	copyOpts := "FORMAT csv, HEADER true"
	if format == ExportJSONL {
		copyOpts = "FORMAT json"
	}
	return analyze.CopyRows(ctx, opts, rows, copyOpts, target, format == ExportCSV, paths...)
}

// Rows are the rows of an export, export.sql: the SQL of
// analyze.CopyRows.
//
//go:embed export.sql
var rows string
