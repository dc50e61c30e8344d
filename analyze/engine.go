package analyze

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"text/template"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/llmrec/llmrec/schemas"
)

//go:embed *.sql
var sqlFiles embed.FS

// sqlTemplates are the embedded SQL files as text/templates: a query
// names the fragments of fragments.sql it shares with others (an
// expression, a clause), so that each is written once. Templates carry SQL
// only: every value is bound with ?. A query that reads a column added
// after version 1 asks {{if has .Version "column"}} (schemas.Has).
var sqlTemplates = template.Must(template.New("").Funcs(template.FuncMap{"has": schemas.Has}).ParseFS(sqlFiles, "*.sql"))

// query returns the embedded SQL file name, its fragments in place.
func query(name string) string { return queryWith(name, queryData{}) }

// queryData is what a query's template may ask of the input: Chunks, the
// file has the chunk_us column (version 2 or later); Version, the file's
// schema version (for has); Ends, the run lists where its steps ended
// (Shape.StepEndsS: the step spans of fragments.sql join them).
type queryData struct {
	Chunks  bool
	Version int
	Ends    bool
}

// queryWith is query for a query that depends on the input (load.sql).
func queryWith(name string, data queryData) string {
	var b strings.Builder
	if err := sqlTemplates.ExecuteTemplate(&b, name, data); err != nil {
		panic("analyze: embedded " + name + ": " + err.Error()) // a build defect, not input
	}
	return b.String()
}

// tableRowBytes is about what a row of the run table takes in memory.
const tableRowBytes = 60

// The database's memory_limit is dbShareNum/dbShareDen of --memory-limit.
// It bounds the blocks its buffer manager holds; beside them the process
// holds what the database allocates outside that manager (sort and file
// writer buffers, freed memory its allocator keeps) and the analyzer's own
// memory. Measured (BENCHMARKS.md) with the whole limit given to the
// database, those came to about 0.4 of it on top (a 4 GB limit peaked at
// 5.5 GB on a 100M-row run); two thirds keep the whole process within the
// limit.
const dbShareNum, dbShareDen = 2, 3

// engine is a DuckDB database locked down to the input files.
// It is used from one goroutine through one connection.
type engine struct {
	connector *duckdb.Connector
	db        *sql.DB
	conn      *sql.Conn
	memLimit  string
	// dbLimit is the database's share of memLimit (dbShare), in bytes.
	dbLimit int64
	// tempDir is the private spill directory, removed by Close.
	tempDir string
	closed  bool
}

// openEngine opens the database and locks it down before any data is read:
// only the given files may be read (allowed_paths, with each path both as
// given and glob-escaped, since DuckDB checks the pattern and then each
// file it opens) and the private spill directory used; no other
// file, network or extension access; bounded memory and threads;
// configuration locked so SQL cannot undo any of it.
//
// A run whose table would take more than an eighth of the memory limit
// (rows given, at tableRowBytes a row) is loaded into a database file in
// the private directory instead of memory: its columns are compressed and
// can be evicted to that file, so memory stays within the limit whatever
// the run's length. Smaller runs stay in memory, which is faster.
func openEngine(ctx context.Context, opts Options, files []string, rows int64) (*engine, error) {
	mem := opts.MemoryLimit
	if mem == "" {
		mem = DefaultMemoryLimit()
	}
	limit, err := ParseSize(mem)
	if err != nil {
		return nil, fmt.Errorf("memory limit: %w", err)
	}
	parent := opts.TempDir
	if parent == "" {
		parent = os.TempDir()
	}
	if err := checkTempDir(parent); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(parent, "llmrep-")
	if err != nil {
		if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
			return nil, &ResourceError{Disk: true, Limit: parent, Err: fmt.Errorf("make the temporary directory: %w", err)}
		}
		return nil, fmt.Errorf("make a temporary directory in %s: %s; choose another --temp-dir", parent, pathErrReason(err))
	}
	if err := os.Chmod(tmp, 0o700); err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("make the temporary directory private: %w", err)
	}
	dsn := ""
	if rows*tableRowBytes > limit/8 {
		dsn = filepath.Join(tmp, "run.duckdb")
	}
	c, err := duckdb.NewConnector(dsn, nil)
	if err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("open database: %w", err)
	}
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		c.Close()
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("open database connection: %w", err)
	}
	e := &engine{connector: c, db: db, conn: conn, tempDir: tmp, memLimit: mem, dbLimit: limit * dbShareNum / dbShareDen}
	if err := e.lockdown(ctx, opts, files); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// lockdown applies the settings; the order matters: allowed_paths and
// the temp directory must be set while external access is still on, and
// lock_configuration comes last. The spill directory is written by the
// database itself, which external access does not gate; DuckDB also lets
// SQL read its own temporary directory, and the private one holds nothing
// but the database's files.
func (e *engine) lockdown(ctx context.Context, opts Options, files []string) error {
	threads := opts.Threads
	if threads == 0 {
		threads = min(runtime.GOMAXPROCS(0), DefaultMaxThreads)
	}
	allowed := make([]string, 0, 2*len(files))
	for _, f := range files {
		allowed = append(allowed, f)
		if g := escapeGlob(f); g != f {
			allowed = append(allowed, g)
		}
	}
	steps := []struct {
		sql  string
		args []any
	}{
		{"SET memory_limit = ?", []any{strconv.FormatInt(max(e.dbLimit>>10, 1), 10) + "KiB"}},
		{"SET threads = ?", []any{int64(threads)}},
		{"SET preserve_insertion_order = false", nil},
		// Beyond the memory limit, sorts, aggregates and the run table
		// spill to the private directory.
		{"SET temp_directory = ?", []any{e.tempDir}},
		{"SET autoinstall_known_extensions = false", nil},
		{"SET autoload_known_extensions = false", nil},
		{"SET allow_community_extensions = false", nil},
		{"SET allowed_paths = ?", []any{allowed}},
		// The private directory also holds the sorted results that
		// streamSorted writes and reads back.
		{"SET allowed_directories = ?", []any{[]string{e.tempDir}}},
		{"SET enable_external_access = false", nil},
		{"SET lock_configuration = true", nil},
	}
	for _, s := range steps {
		if _, err := e.conn.ExecContext(ctx, s.sql, s.args...); err != nil {
			return fmt.Errorf("lock down the database (%s): %w", s.sql, err)
		}
	}
	return nil
}

// Close releases the database and its memory. It may be called again.
func (e *engine) Close() error {
	if e.closed {
		return nil
	}
	e.closed = true
	var errs []error
	if e.conn != nil {
		errs = append(errs, e.conn.Close())
	}
	errs = append(errs, e.db.Close(), e.connector.Close())
	if err := os.RemoveAll(e.tempDir); err != nil {
		errs = append(errs, fmt.Errorf("remove the temporary directory: %w", err))
	}
	return errors.Join(errs...)
}

// readError classifies a failure to read a file's rows: out of memory or
// disk is the machine's limit, anything else is the file's fault.
func (e *engine) readError(ctx context.Context, f *inputFile, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if re := e.resourceError(err); re != nil {
		return re
	}
	return &InputError{Path: f.arg, Reason: "cannot read rows: " + duckMessage(err), Err: err}
}

// resourceError returns err as a *ResourceError when the database ran out
// of memory or of temporary disk space, nil otherwise.
func (e *engine) resourceError(err error) error {
	var re *ResourceError
	if errors.As(err, &re) {
		return re
	}
	var de *duckdb.Error
	if !errors.As(err, &de) {
		return nil
	}
	msg := strings.ToLower(de.Msg)
	disk := strings.Contains(msg, "no space left") || strings.Contains(msg, "disk quota") ||
		strings.Contains(msg, "max_temp_directory_size")
	switch {
	case disk:
		return &ResourceError{Disk: true, Limit: filepath.Dir(e.tempDir), Err: err}
	case de.Type == duckdb.ErrorTypeOutOfMemory:
		return &ResourceError{Limit: e.memLimit, Err: err}
	}
	return nil
}

// check returns err, as a *ResourceError when it is one (resourceError).
func (e *engine) check(err error) error {
	if err == nil {
		return nil
	}
	if re := e.resourceError(err); re != nil {
		return re
	}
	return err
}

// duckMessage shortens a DuckDB error to its first line without the
// error-type prefix, for one-line messages.
func duckMessage(err error) string {
	msg := err.Error()
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	if i := strings.Index(msg, " Error: "); i >= 0 && i < 24 {
		msg = msg[i+len(" Error: "):]
	}
	return strings.TrimSpace(msg)
}

// loadRun opens the locked-down database on files, creates the run table
// with the view of opts.Metric, checks every file's rows (engine.checkRows:
// the warnings go to the file) and runs each of the load queries (bound to
// run_rows' parameters for the file, the run's origin in µs, the warmup in
// µs, a search's step time and step warmup in µs, probeWarmup, and the
// step ends in µs, stepEndsUS) for
// every file. The caller closes the engine. Load queries render for each
// file (queryData).
func loadRun(ctx context.Context, opts Options, files []*inputFile, origin int64, loads ...string) (*engine, error) {
	paths := make([]string, len(files))
	var rows int64
	for i, f := range files {
		paths[i] = f.path
		rows += f.rows
	}
	e, err := openEngine(ctx, opts, paths, rows)
	if err != nil {
		return nil, err
	}
	view := map[string]string{MetricLatency: "view_latency.sql", MetricTTFT: "view_ttft.sql",
		MetricLatencyFromSchedule: "view_latency_from_schedule.sql"}[opts.Metric]
	for _, q := range []string{"create.sql", view} {
		if _, err := e.conn.ExecContext(ctx, query(q)); err != nil {
			e.Close()
			return nil, e.check(fmt.Errorf("create run table: %w", err))
		}
	}
	if err := e.checkRows(ctx, files, origin); err != nil {
		e.Close()
		return nil, err
	}
	if err := e.fillClasses(ctx, files[0].meta.Workload, opts.SLO); err != nil {
		e.Close()
		return nil, err
	}
	for i, f := range files {
		args := append(rowArgs(i, f), origin, opts.Warmup.Microseconds(), opts.period, opts.pwarm, opts.ends)
		v := f.meta.SchemaVersion
		data := queryData{Chunks: schemas.Has(v, schemas.ChunkColumn), Version: v, Ends: len(opts.ends) > 0}
		for _, q := range loads {
			if _, err := e.conn.ExecContext(ctx, queryWith(q, data), args...); err != nil {
				err = e.readError(ctx, f, err)
				e.Close()
				return nil, err
			}
		}
	}
	return e, nil
}
