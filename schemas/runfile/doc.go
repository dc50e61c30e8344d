// Package runfile is the run file on disk: the Parquet writer, the crash
// journal beside it, Recover, and the one footer reader every program uses.
//
// Data flows like this. A run opens its output with Create (the Parquet
// file and FILE.journal, both new), writes the run metadata to the journal
// (Begin), then hands batches of rows to Write: each row is framed into the
// journal and appended to the Parquet writer. Checkpoint journals the
// run metadata as it changes (a search's levels and step ends, live level
// changes). Flush, at least once a second, hands the journal to the
// kernel, so a SIGKILL loses at most the last second. Finish writes the
// footer (schema version and run metadata), syncs the file and removes
// the journal. A run killed before Finish leaves the journal; Recover
// rebuilds a complete file from it, with the metadata journaled last.
//
// Readers (llmrep, the tests, the bench scripts) check a file with
// ReadFooter: the PAR1 magic at both ends, the schema version, the run
// metadata and the columns of schemas.Columns, each failure with a
// one-line reason.
//
// Imports (of ours): schemas and internal/outfile (the output rule).
package runfile
