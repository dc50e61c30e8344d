package analyze

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// Export formats (`llmrep export --format`).
const (
	ExportCSV   = "csv"   // with a header line
	ExportJSONL = "jsonl" // one JSON object a line
)

// ExportColumns are the columns of an export, in order: every column of
// the run file, the two times also as ms since the run's start, and the
// warmup flag.
var ExportColumns = []string{
	"run_id", "shard", "seq", "user", "step", "users",
	"scheduled_at", "scheduled_ms", "start", "start_ms", "warmup",
	"latency_ms", "ttft_ms", "status", "ok", "error_class", "error",
	"prompt_tokens", "output_tokens", "chunks", "bytes_in",
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
// as Analyze takes them) to the file output, in format (ExportCSV or
// ExportJSONL), and returns the number of rows. A request is warmup when
// it was sent in the first opts.Warmup of the run.
//
// The rows go through DuckDB's COPY inside the same lockdown as Analyze;
// the only file it may write is one in a private directory (mode 0700)
// that Export creates beside output, and that file is then renamed onto
// output. So output is replaced whole or not at all, a symbolic link at
// output is refused (and a rename would replace the link, never write
// through it), and an output that is one of the inputs is refused.
func Export(ctx context.Context, opts Options, format, output string, paths ...string) (int64, error) {
	if output == "" {
		return 0, errors.New("export: no output file given")
	}
	files, err := exportInputs(ctx, opts, format, paths)
	if err != nil {
		return 0, err
	}
	if err := checkOutput(output, files); err != nil {
		return 0, err
	}
	abs, err := filepath.Abs(output)
	if err != nil {
		return 0, &OutputError{Path: output, Reason: "bad path", Err: err}
	}
	dir, err := os.MkdirTemp(filepath.Dir(abs), ".llmrep-export-")
	if err != nil {
		return 0, &OutputError{Path: output, Reason: "cannot write in its directory: " + pathErrReason(err), Err: err}
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, "export."+format)
	n, err := copyRows(ctx, opts, format, tmp, files)
	if err != nil {
		return 0, err
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		return 0, &OutputError{Path: output, Reason: "cannot set its mode: " + pathErrReason(err), Err: err}
	}
	if err := os.Rename(tmp, abs); err != nil {
		return 0, &OutputError{Path: output, Reason: "cannot write: " + pathErrReason(err), Err: err}
	}
	return n, nil
}

// ExportTo is Export to w (standard output): DuckDB writes the rows into a
// private temporary directory, and they are copied to w from there.
func ExportTo(ctx context.Context, opts Options, format string, w io.Writer, paths ...string) (int64, error) {
	files, err := exportInputs(ctx, opts, format, paths)
	if err != nil {
		return 0, err
	}
	dir, err := os.MkdirTemp("", "llmrep-export-")
	if err != nil {
		return 0, fmt.Errorf("create a temporary directory: %w", err)
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, "export."+format)
	n, err := copyRows(ctx, opts, format, tmp, files)
	if err != nil {
		return 0, err
	}
	f, err := os.Open(tmp)
	if err != nil {
		return 0, fmt.Errorf("read the export back: %w", err)
	}
	defer f.Close()
	if _, err := io.Copy(w, f); err != nil {
		return 0, fmt.Errorf("write the export: %w", err)
	}
	return n, nil
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

// checkOutput refuses an output that is a symbolic link, a directory or one
// of the inputs (by path or by identity: a hard link or another path to
// the same file).
func checkOutput(output string, files []*inputFile) error {
	bad := func(reason string, err error) error { return &OutputError{Path: output, Reason: reason, Err: err} }
	st, err := os.Lstat(output)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return bad("cannot stat: "+pathErrReason(err), err)
	case st.Mode()&fs.ModeSymlink != 0:
		return bad("is a symbolic link: refusing to write through it; give the file's real path", nil)
	case st.IsDir():
		return bad("is a directory: give a file name", nil)
	case !st.Mode().IsRegular():
		return bad("is not a regular file", nil)
	}
	for _, f := range files {
		if fst, err := os.Stat(f.path); err == nil && os.SameFile(st, fst) {
			return bad("is an input of the export: refusing to overwrite it", nil)
		}
	}
	return nil
}

// copyRows runs export.sql through COPY into target, a fresh path in a
// directory only this process writes to. target is the one writable
// path of the database (allowed_paths); COPY cannot take it as a bound
// parameter, so it is a quoted string literal.
func copyRows(ctx context.Context, opts Options, format, target string, files []*inputFile) (int64, error) {
	opts = opts.forRun(runInfo(files))
	if !utf8.ValidString(target) || strings.ContainsRune(target, 0) {
		return 0, &OutputError{Path: target, Reason: "the path is not valid UTF-8 text, which DuckDB cannot take: choose another name"}
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
	stmt := "COPY (" + query("export.sql") + ") TO " + sqlString(target) + " (" + copyOpts + ", USE_TMP_FILE false)"
	origin := runInfo(files).StartedAt.UnixMicro()
	res, err := e.conn.ExecContext(ctx, stmt, globs, origin, opts.Warmup.Microseconds())
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
