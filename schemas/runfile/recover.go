package runfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/llmrec/llmrec/schemas"
)

// RecoverResult says what Recover rebuilt.
type RecoverResult struct {
	Rows      int64
	TornBytes int64 // bytes at the end of the journal that held no whole record
	Journal   string
}

// Recover rebuilds the run file path from the crash journal a killed run
// left beside it (JournalPath(path)). The rebuilt file is a complete
// version-1 Parquet file whose end reason is "interrupted"; the journal is
// removed once the file is in place. A path whose run finished normally has
// no journal, and Recover says so.
func Recover(path string) (RecoverResult, error) {
	res := RecoverResult{Journal: JournalPath(path)}
	// The rebuilt file replaces path: never a device, FIFO, directory,
	// socket or symbolic link (renaming over it would destroy it).
	if st, err := os.Lstat(path); err == nil && !st.Mode().IsRegular() {
		return res, fmt.Errorf("%s: %w (%s): recover never replaces it; move %s beside a new name and recover that name",
			Quote(path), ErrNotRegular, FileKind(st.Mode()), Quote(res.Journal))
	}
	jf, err := os.Open(res.Journal)
	if errors.Is(err, fs.ErrNotExist) {
		return res, fmt.Errorf("no journal %s beside %s: nothing to recover (a run that finished leaves a complete file)", Quote(res.Journal), Quote(path))
	}
	if err != nil {
		return res, fmt.Errorf("open journal: %w", err)
	}
	defer jf.Close()

	// A new file beside path (never an existing one, never through a link),
	// renamed over path once complete.
	out, err := os.CreateTemp(filepath.Dir(path), ".llmrec-recover-*")
	if err != nil {
		return res, fmt.Errorf("create a file beside %s: %w", Quote(path), err)
	}
	tmp := out.Name()
	defer os.Remove(tmp) // a no-op once renamed
	if err := out.Chmod(0o644); err != nil {
		out.Close()
		return res, fmt.Errorf("create %s: %w", tmp, err)
	}
	pw := NewParquetWriter(out)
	batch := make([]schemas.Record, 0, 4096)
	var ended time.Time
	meta, torn, err := ReadJournal(jf, func(r *schemas.Record) error {
		if end := r.Start.Add(time.Duration(r.LatencyMS * float64(time.Millisecond))); end.After(ended) {
			ended = end
		}
		batch = append(batch, *r)
		if len(batch) == cap(batch) {
			err := pw.Write(batch)
			batch = batch[:0]
			return err
		}
		return nil
	})
	if err == nil {
		err = pw.Write(batch)
	}
	if err != nil {
		out.Close()
		return res, fmt.Errorf("recover %s: %w", res.Journal, err)
	}
	res.Rows, res.TornBytes = pw.Rows(), torn
	meta.EndReason = schemas.EndInterrupted
	meta.EndDetail = "rebuilt by llmrec recover from the crash journal: the recorder stopped without finishing the file; requests completed in its last second may be missing"
	if ended.IsZero() {
		ended = meta.StartedAt
	}
	meta.EndedAt = ended.UTC()
	meta.Requests = res.Rows
	if err := pw.Close(meta); err != nil {
		out.Close()
		return res, err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return res, fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := out.Close(); err != nil {
		return res, fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return res, fmt.Errorf("replace %s: %w", path, err)
	}
	if err := os.Remove(res.Journal); err != nil {
		return res, fmt.Errorf("recovered %s but could not remove the journal: %w", path, err)
	}
	return res, nil
}
