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

// rowGroupChunks bounds the chunk times buffered in memory before a row
// group is written out: the writer holds about 9 bytes a buffered chunk
// time (BENCHMARKS.md), so a row group of 128k rows of 128 chunks would
// hold 150 MB; this bound keeps it under 20 MB.
const rowGroupChunks = 2 << 20

// ParquetWriter writes schemas.Record rows to a run file of schemas.Version. It is not
// safe for concurrent use: one goroutine owns it.
type ParquetWriter struct {
	w *parquet.GenericWriter[schemas.Record]
	n int64
	// chunks counts the chunk times buffered in the open row group.
	chunks int
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

// Write appends rows. A row group is written out when it holds
// rowGroupRows rows or rowGroupChunks chunk times.
func (p *ParquetWriter) Write(rows []schemas.Record) error {
	for len(rows) > 0 {
		k := 0
		for k < len(rows) && p.chunks < rowGroupChunks {
			p.chunks += len(rows[k].ChunkUS)
			k++
		}
		n, err := p.w.Write(rows[:k])
		p.n += int64(n)
		if err != nil {
			return fmt.Errorf("write parquet rows: %w", err)
		}
		rows = rows[k:]
		if p.chunks >= rowGroupChunks {
			if err := p.w.Flush(); err != nil {
				return fmt.Errorf("write parquet row group: %w", err)
			}
			p.chunks = 0
		}
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
