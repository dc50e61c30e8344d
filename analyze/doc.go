// Package analyze turns llmrec run files into an Analysis: the figures of
// SPEC §6 (percentiles, RPS, failure rate, baseline, saturation, growth
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
//  2. An in-memory DuckDB database is opened and locked down before any
//     row is read: only the input files' directories are readable, no
//     other external access, no extension install or autoload, bounded
//     memory and threads, configuration locked.
//  3. The embedded SQL (*.sql) loads the rows into a table, tagging each
//     with its send and completion second and warmup flag; exact
//     percentiles (quantile_cont) are computed per step and overall, and
//     the per-second counts for the series.
//  4. Go code derives what SQL does poorly: cumulative and windowed
//     percentiles per second (an order-statistics tree over latency
//     ranks, exact, O(n log n)), baseline, saturation, growth pattern,
//     health bands and warnings.
//
// The result is a plain value (model.go) that the report package renders.
package analyze
