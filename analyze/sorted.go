package analyze

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding"
)

// sortedRow is a row of an ordered query read by streamSorted: a value
// and an integer that goes with it (a packed point and step, a step).
type sortedRow struct {
	X float64
	K int64
}

// sortedBatch is how many rows streamSorted hands over at a time.
const sortedBatch = 8192

var sortedSeq atomic.Int64

// streamSorted runs q, a SELECT of two columns x (DOUBLE) and k (BIGINT)
// with an ORDER BY, and calls fn with its rows in that order, a batch at
// a time. The database driver holds a query's whole result in memory,
// outside the memory limit; so the database writes the result, in order,
// to a Parquet file in the private directory (its sort spilling beyond
// the limit), which is read back here in row groups and removed. Memory
// stays bounded whatever the number of rows, and the values are sorted
// once.
func (e *engine) streamSorted(ctx context.Context, q string, args []any, fn func(rows []sortedRow) error) error {
	path := filepath.Join(e.tempDir, fmt.Sprintf("sorted-%d.parquet", sortedSeq.Add(1)))
	defer os.Remove(path)
	copySQL := "COPY (" + strings.TrimRight(strings.TrimSpace(q), ";") + ") TO '" + strings.ReplaceAll(path, "'", "''") + "' (FORMAT parquet, COMPRESSION uncompressed, ROW_GROUP_SIZE 131072)"
	if _, err := e.conn.ExecContext(ctx, copySQL, args...); err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	pf, err := parquet.OpenFile(f, st.Size(), parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return fmt.Errorf("read the sorted values back: %w", err)
	}
	if n := len(pf.Schema().Columns()); n != 2 {
		return fmt.Errorf("read the sorted values back: %d columns, want 2", n)
	}
	var xs []float64
	var ks []int64
	rows := make([]sortedRow, 0, sortedBatch)
	for _, rg := range pf.RowGroups() {
		cc := rg.ColumnChunks()
		if xs, err = readColumn(cc[0], xs[:0], (*encoding.Values).Double); err != nil {
			return fmt.Errorf("read the sorted values back: %w", err)
		}
		if ks, err = readColumn(cc[1], ks[:0], (*encoding.Values).Int64); err != nil {
			return fmt.Errorf("read the sorted values back: %w", err)
		}
		if len(xs) != len(ks) {
			return fmt.Errorf("read the sorted values back: %d values and %d keys in a row group", len(xs), len(ks))
		}
		for i := 0; i < len(xs); i += sortedBatch {
			rows = rows[:0]
			for j := i; j < min(i+sortedBatch, len(xs)); j++ {
				rows = append(rows, sortedRow{X: xs[j], K: ks[j]})
			}
			if err := fn(rows); err != nil {
				return err
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// readColumn appends the values of a column chunk without nulls to out:
// plain pages as they are (typed by values), dictionary pages through
// their dictionary.
func readColumn[T any](cc parquet.ColumnChunk, out []T, values func(*encoding.Values) []T) ([]T, error) {
	pages := cc.Pages()
	defer pages.Close()
	for {
		p, err := pages.ReadPage()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if p.NumNulls() != 0 {
			parquet.Release(p)
			return out, errors.New("a NULL among the sorted values")
		}
		if d := p.Dictionary(); d != nil {
			dv, iv := d.Page().Data(), p.Data()
			dict := values(&dv)
			for _, i := range iv.Int32() {
				if int(i) >= len(dict) {
					parquet.Release(p)
					return out, errors.New("a dictionary index out of range")
				}
				out = append(out, dict[i])
			}
		} else {
			v := p.Data()
			out = append(out, values(&v)...)
		}
		parquet.Release(p)
	}
}
