package runfile

import (
	"errors"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go"

	"github.com/llmrec/llmrec/schemas"
)

// readBatch is how many rows ReadRows decodes at a time.
const readBatch = 1024

// ReadRows calls fn with every row of a run file whose footer is f, in
// file order. A file of an older version reads with the columns it lacks
// null (schemas.Version's comment). fn must not keep the row: it is
// reused. ReadRows stops at fn's first error and returns it.
func ReadRows(f *Footer, fn func(*schemas.Record) error) error {
	r := parquet.NewGenericReader[schemas.Record](f.File)
	defer r.Close()
	rows := make([]schemas.Record, readBatch)
	for {
		clear(rows)
		n, err := r.Read(rows)
		for i := range n {
			if ferr := fn(&rows[i]); ferr != nil {
				return ferr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read rows: %w", err)
		}
	}
}
