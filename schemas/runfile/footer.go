package runfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/parquet-go/parquet-go"

	"github.com/llmrec/llmrec/schemas"
)

// Footer is what a run file's footer says.
type Footer struct {
	Meta *schemas.RunMeta
	Rows int64
	// File is the opened Parquet file, for readers that go on to read rows.
	File *parquet.File
}

// FooterError says why a file is not a usable run file. Reason is one line
// that does not name the file (the caller does).
type FooterError struct {
	Reason string
	Err    error
}

func (e *FooterError) Error() string { return e.Reason }
func (e *FooterError) Unwrap() error { return e.Err }

var parquetMagic = []byte("PAR1")

// ReadFooter checks the run file r of size bytes: the PAR1 magic at both
// ends, the footer, the schema version, the run metadata (its shard
// fields in range: RunMeta.CheckShard) and the columns.
// name is the file as the user gave it: reasons that suggest `llmrec
// recover` name it, and a journal is looked for beside it. Every failure
// is a *FooterError.
func ReadFooter(r io.ReaderAt, size int64, name string) (*Footer, error) {
	bad := func(reason string, err error) error { return &FooterError{Reason: reason, Err: err} }
	recoverHint := "run `llmrec recover " + Quote(name) + "`"
	if size == 0 {
		if _, err := os.Lstat(JournalPath(name)); err == nil {
			return nil, bad("empty file (0 bytes), not a run file: a killed run's journal is beside it; "+recoverHint+" to rebuild the file", nil)
		}
		return nil, bad("empty file (0 bytes), not a run file", nil)
	}
	head := make([]byte, 4)
	if _, err := r.ReadAt(head, 0); err != nil || !bytes.Equal(head, parquetMagic) {
		return nil, bad("not a Parquet file (no PAR1 header)", err)
	}
	truncated := "footer missing, the file is truncated (was the run killed?): " + recoverHint
	if size < 12 {
		return nil, bad(truncated, nil)
	}
	tail := make([]byte, 4)
	if _, err := r.ReadAt(tail, size-4); err != nil && !errors.Is(err, io.EOF) || !bytes.Equal(tail, parquetMagic) {
		return nil, bad(truncated, err)
	}
	pf, err := parquet.OpenFile(r, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, bad("corrupt Parquet footer", err)
	}
	version, _ := pf.Lookup(schemas.KeySchemaVersion)
	run, _ := pf.Lookup(schemas.KeyRun)
	meta, err := schemas.DecodeMeta(version, run)
	if err == nil {
		err = meta.CheckShard()
	}
	if err != nil {
		return nil, bad(err.Error(), err)
	}
	if tj, ok := pf.Lookup(schemas.KeyTelemetry); ok {
		// Telemetry is an extra: a file whose telemetry is unusable is
		// still read, and the reader says why it has none.
		if t, err := schemas.DecodeTelemetry(tj); err != nil {
			meta.TelemetryError = err.Error()
		} else {
			meta.Telemetry = t
		}
	}
	if missing := missingColumns(pf, meta.SchemaVersion); len(missing) > 0 {
		return nil, bad(fmt.Sprintf("missing column(s) %s: not a version-%d run file", strings.Join(missing, ", "), meta.SchemaVersion), nil)
	}
	return &Footer{Meta: meta, Rows: pf.NumRows(), File: pf}, nil
}

// missingColumns lists the columns of schema version version that pf
// lacks.
func missingColumns(pf *parquet.File, version int) []string {
	have := map[string]bool{}
	for _, field := range pf.Schema().Fields() {
		have[field.Name()] = true
	}
	var missing []string
	for _, c := range schemas.ColumnsOf(version) {
		if !have[c] {
			missing = append(missing, c)
		}
	}
	return missing
}
