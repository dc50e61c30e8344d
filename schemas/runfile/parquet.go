package runfile

import (
	"fmt"
	"io"
	"strconv"

	"github.com/parquet-go/parquet-go"

	"github.com/llmrec/llmrec/schemas"
)

// rowGroupRows bounds the rows buffered in memory before a row group is
// written out.
const rowGroupRows = 128 * 1024

// ParquetWriter writes schemas.Record rows to a version-1 run file. It is not
// safe for concurrent use: one goroutine owns it.
type ParquetWriter struct {
	w *parquet.GenericWriter[schemas.Record]
	n int64
}

// NewParquetWriter starts a run file on out. The footer metadata is written
// by Close.
func NewParquetWriter(out io.Writer) *ParquetWriter {
	w := parquet.NewGenericWriter[schemas.Record](out,
		parquet.MaxRowsPerRowGroup(rowGroupRows),
		parquet.CreatedBy("llmrec", "1", ""),
	)
	return &ParquetWriter{w: w}
}

// Write appends rows.
func (p *ParquetWriter) Write(rows []schemas.Record) error {
	n, err := p.w.Write(rows)
	p.n += int64(n)
	if err != nil {
		return fmt.Errorf("write parquet rows: %w", err)
	}
	return nil
}

// Rows is the number of rows written so far.
func (p *ParquetWriter) Rows() int64 { return p.n }

// Close writes the footer with the schema version and meta, and flushes. It
// does not close the underlying writer.
func (p *ParquetWriter) Close(meta *schemas.RunMeta) error {
	js, err := meta.Marshal()
	if err != nil {
		return err
	}
	p.w.SetKeyValueMetadata(schemas.KeySchemaVersion, strconv.Itoa(schemas.Version))
	p.w.SetKeyValueMetadata(schemas.KeyRun, js)
	if meta.Telemetry != nil {
		tj, err := meta.Telemetry.Marshal()
		if err != nil {
			return err
		}
		p.w.SetKeyValueMetadata(schemas.KeyTelemetry, tj)
	}
	if err := p.w.Close(); err != nil {
		return fmt.Errorf("finish parquet file: %w", err)
	}
	return nil
}
