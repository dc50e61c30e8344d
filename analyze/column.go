package analyze

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"sync"
)

// Column is values sorted ascending, held in memory or, for the raw
// values of a run (LoadRun), in an unlinked file of the temporary
// directory, so that comparing long runs does not hold their values in
// memory. The significance tests (stats.Sorted) read it in order, a
// block at a time (Fill), or at a few ranks (At).
type Column struct {
	mem []float64
	f   *valueFile // nil: in memory
	off int64      // the first value's byte offset in f
	n   int
}

// MemColumn is a Column over vs, which must be sorted ascending.
func MemColumn(vs []float64) Column { return Column{mem: vs, n: len(vs)} }

// Len is the number of values.
func (c Column) Len() int { return c.n }

// At returns the i-th smallest value (0-based). A read error of a
// file-backed column is kept in its file (valueFile.Err) and At returns
// NaN.
func (c Column) At(i int) float64 {
	if c.f == nil {
		return c.mem[i]
	}
	var b [8]byte
	if _, err := c.f.f.ReadAt(b[:], c.off+8*int64(i)); err != nil {
		c.f.fail(err)
		return math.NaN()
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(b[:]))
}

// Fill copies the values from rank i on into buf and returns how many it
// copied (stats.Sorted). A read error is kept as At's is, and the values
// are NaN.
func (c Column) Fill(i int, buf []float64) int {
	n := min(len(buf), c.n-i)
	if n <= 0 {
		return 0
	}
	if c.f == nil {
		return copy(buf, c.mem[i:i+n])
	}
	b := make([]byte, 8*n)
	if _, err := c.f.f.ReadAt(b, c.off+8*int64(i)); err != nil {
		c.f.fail(err)
		for j := range n {
			buf[j] = math.NaN()
		}
		return n
	}
	for j := range n {
		buf[j] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*j:]))
	}
	return n
}

// valueFile is the file of a run's raw values: unlinked as soon as it is
// made, so nothing is left behind whatever happens; the space returns when
// it is closed (or the process ends).
type valueFile struct {
	f   *os.File
	mu  sync.Mutex
	err error
}

func newValueFile(dir string) (*valueFile, error) {
	if dir == "" {
		dir = os.TempDir()
	}
	f, err := os.CreateTemp(dir, "llmrep-values-")
	if err != nil {
		return nil, &ResourceError{Disk: true, Limit: dir, Err: err}
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, fmt.Errorf("unlink the temporary file of raw values: %w", err)
	}
	return &valueFile{f: f}, nil
}

func (v *valueFile) fail(err error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.err == nil {
		v.err = err
	}
}

// Err is the first read error, if any.
func (v *valueFile) Err() error {
	if v == nil {
		return nil
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.err != nil {
		return fmt.Errorf("read the temporary file of raw values: %w", v.err)
	}
	return nil
}

// columnWriter appends values to a valueFile through a buffer.
type columnWriter struct {
	vf  *valueFile
	off int64 // bytes written
	buf []byte
	dir string
}

func (w *columnWriter) add(x float64) error {
	w.buf = binary.LittleEndian.AppendUint64(w.buf, math.Float64bits(x))
	if len(w.buf) >= 1<<20 {
		return w.flush()
	}
	return nil
}

func (w *columnWriter) flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	if _, err := w.vf.f.WriteAt(w.buf, w.off); err != nil {
		return &ResourceError{Disk: true, Limit: w.dir, Err: err}
	}
	w.off += int64(len(w.buf))
	w.buf = w.buf[:0]
	return nil
}

// pos is the offset the next value will be at.
func (w *columnWriter) pos() int64 { return w.off + int64(len(w.buf)) }

// column is the n values from byte offset off on (flushed).
func (w *columnWriter) column(off int64, n int) Column {
	return Column{f: w.vf, off: off, n: n}
}
