// Package analyze turns llmrec run files into an Analysis: the figures of
// docs/METHOD.md (percentiles, RPS, failure rate, baseline, saturation, growth
// pattern, health bands, LLM figures, time series) and the warnings that
// qualify them.
//
// Data flows in one direction:
//
//  1. The input paths are resolved (a glob is expanded here, in Go; every
//     file is then read on its own, literally) and each file's footer is
//     checked: Parquet magic, schema version (schemas.CheckVersion), run
//     metadata (schemas.DecodeMeta), columns (schemas.Columns). Shards of
//     different runs are refused.
//  2. A DuckDB database is opened and locked down before any row is read:
//     only the input files themselves are readable (allowed_paths, stricter
//     than their directories) and the private directory writable, no
//     other file or network access, no extension install or autoload,
//     bounded memory (Options.MemoryLimit) and threads, configuration
//     locked. Beyond the limit it spills to a
//     private directory (Options.TempDir) removed afterwards; a large run's
//     table lives in a database file there (compressed, evictable), a small
//     one's in memory.
//  3. The embedded SQL (*.sql, values bound with ?) loads the rows into a
//     table, tagging each with its send and completion time (µs since the
//     run's started_at) and its warmup flag, and counts: per step and
//     overall, per series point, per figure. What several queries share
//     (row validity, ITL, tokens/s, the series points) is written once,
//     as a text/template fragment of fragments.sql: SQL only, no value.
//  4. Each figure with percentiles is sorted once by the database and
//     written, in order, to a Parquet file in the private directory
//     (sorted.go: the driver would hold a whole result in memory), which is
//     read back a row group at a time. From that ascending stream Go takes,
//     at the ranks the counts give, the exact percentiles of every step, of
//     the run, of the steady state and of every series point (package
//     stats: DuckDB's quantile_cont to the bit), with the histogram and
//     the means, in memory that does not grow with the run; then the
//     database is closed and Go derives baseline, saturation, growth
//     pattern, health bands and warnings. Out of memory or temporary disk
//     space is a ResourceError.
//
// The result is a plain value (model.go) that the report package renders.
// Its words are report/view's: analyze leaves the saturation, growth,
// capacity-rule, health and server-telemetry sentences and the
// definitions of the figures empty, states its warnings as facts
// (Warning.Fact: the kind and its numbers), and view.WithWords fills them
// from the typed settings and facts before the JSON is written (a Warning
// refuses to be written unworded).
//
// What is made of one run's figures lives in libraries over this one, in
// the manner of benchstat's benchmath/benchproc/benchfmt: analyze/compare
// (runs side by side, the metrics and their significance tests, trends),
// analyze/gate (the gates of llmrep check) and analyze/export (the rows of
// a run as CSV or JSONL, through CopyRows). They import analyze; analyze
// imports none of them.
//
// The statistics that need no database (the quantiles from a sorted
// stream, the histogram, the significance tests of compare and check and
// their correction) are the stats package's.
//
// Imports (of ours): analyze/stats, analyze/level, schemas/runfile,
// schemas and internal/cleantext; never the recorder (record/...), the
// report packages nor the libraries over it (compare, gate, export).
package analyze
