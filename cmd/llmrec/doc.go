// Command llmrec fires a step load at an LLM service (or the built-in
// simulator) and writes every request to a Parquet run file. See README.md
// and docs/METHOD.md; the engine is package record, the run file package
// schemas/runfile.
//
// Imports (of ours): analyze/level, internal/outfile, record, record/dashboard, record/livemetrics, record/scrape, record/sim, record/target, schemas, schemas/runfile.
package main
