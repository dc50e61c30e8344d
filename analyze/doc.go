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
//     than their directories), no other file or network access, no
//     extension install or autoload, bounded memory (Options.MemoryLimit)
//     and threads, configuration locked. Beyond the limit it spills to a
//     private directory (Options.TempDir) removed afterwards; a large run's
//     table lives in a database file there (compressed, evictable), a small
//     one's in memory.
//  3. The embedded SQL (*.sql, values bound with ?) loads the rows into a
//     table, tagging each with its send and completion time (µs since the
//     run's started_at) and its warmup flag; exact percentiles
//     (quantile_cont) are computed per step and overall, the LLM figures
//     one at a time, and the per-second counts for the series.
//  4. The successes' values are read in ascending order (the database
//     sorts them), a page of values at a time (the driver holds a whole
//     result in memory), and Go derives the cumulative and windowed percentiles
//     per point from them, exactly, in memory that does not grow with the
//     run (ostree.go), with the histogram and the means; then the database
//     is closed and Go derives baseline, saturation, growth pattern, health
//     bands and warnings. Out of memory or temporary disk space is a
//     ResourceError.
//
// The result is a plain value (model.go) that the report package renders.
package analyze
