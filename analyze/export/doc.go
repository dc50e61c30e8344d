// Package export is `llmrep export`: every row of a run's file(s) as CSV
// or JSONL, the times also as ms since the run's start, with the warmup
// flag, the text columns made printable and, in CSV, safe from a
// spreadsheet's formulas (export.sql; docs/EXPORT.md). The rows go
// through analyze's locked-down database (analyze.CopyRows) to a fresh
// file that the output rule then moves to -o.
//
// Imports (of ours): analyze.
package export
