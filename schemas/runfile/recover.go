package runfile

import (
	"fmt"
	"io"
	"os"
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
// Parquet file (of schemas.Version) whose end reason is "interrupted"; it replaces
// path by the output rule (package outfile: a new file beside it renamed
// over it; never a stream, a symbolic link or a directory), and the
// journal is removed once the file is in place. A journal that a live run
// holds (its lock) is ErrRunLive, and nothing is touched. A path whose run
// finished normally has no journal, and Recover says so.
func Recover(path string) (RecoverResult, error) {
	res := RecoverResult{Journal: JournalPath(path)}
	t, err := checkTarget(path, nil, "recover never replaces it; move "+Quote(res.Journal)+" beside a new name and recover that name")
	if err != nil {
		return res, err
	}
	// Locked until the journal is removed: no run can start on it meanwhile.
	jf, gone, err := openExisting(res.Journal)
	if err != nil {
		return res, err
	}
	if gone {
		return res, fmt.Errorf("no journal %s beside %s: nothing to recover (a run that finished leaves a complete file)", Quote(res.Journal), Quote(path))
	}
	defer jf.Close()
	err = t.Write(nil, func(w io.Writer) error {
		res.Rows, res.TornBytes, err = rebuild(jf, w)
		return err
	})
	if err != nil {
		return res, fmt.Errorf("recover %s: %w", Quote(res.Journal), err)
	}
	if err := os.Remove(res.Journal); err != nil {
		return res, fmt.Errorf("recovered %s but could not remove the journal: %w", Quote(path), err)
	}
	return res, nil
}

// rebuild writes the run file of the journal j to w: its rows, and the
// metadata it journaled last (the header's, or its last metadata frame's)
// with end reason "interrupted", the end of its last row and its rows'
// count on top.
func rebuild(j io.Reader, w io.Writer) (rows, torn int64, err error) {
	pw := NewParquetWriter(w)
	batch := make([]schemas.Record, 0, 4096)
	var ended time.Time
	meta, torn, err := ReadJournal(j, func(r *schemas.Record) error {
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
		return 0, 0, err
	}
	meta.EndReason = schemas.EndInterrupted
	meta.EndDetail = "rebuilt by llmrec recover from the crash journal: the recorder stopped without finishing the file; requests completed in its last second may be missing"
	if ended.IsZero() {
		ended = meta.StartedAt
	}
	meta.EndedAt = ended.UTC()
	meta.Requests = pw.Rows()
	if err := pw.Close(meta); err != nil {
		return 0, 0, err
	}
	return pw.Rows(), torn, nil
}
