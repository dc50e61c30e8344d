// Package schemas is the one definition of the llmrec run file: the
// record written by llmrec (one Parquet row per request attempt),
// the footer metadata keys, the run-metadata JSON document, the fixed set of
// error classes and the crash journal that `llmrec recover` reads.
//
// Data flows one way: record/ fills Record values and a RunMeta and writes
// them through NewParquetWriter; analyze/ reads the same columns by the names
// declared here (Columns) and checks SchemaVersion before trusting a file.
// FORMAT.md beside this file is the human-readable format specification.
//
// Imports (of ours): nothing: it is the bottom of every arrow.
package schemas
