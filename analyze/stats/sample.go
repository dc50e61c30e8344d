package stats

import "math"

// Sorted is a sample sorted ascending, read by rank: in memory, or in a
// file for samples too large to hold (the raw values of a long run).
type Sorted interface {
	// Len is the number of values.
	Len() int
	// At returns the value of rank i (0-based: At(0) is the least).
	At(i int) float64
	// Fill copies the values from rank i on into buf and returns how many
	// it copied: len(buf), or fewer at the end of the sample.
	Fill(i int, buf []float64) int
}

// Quantile is quantile_cont of a sorted sample (nil when it is empty),
// DuckDB's to the bit: the value at position p·(n-1), linearly
// interpolated between its two neighbouring order statistics.
func Quantile(s Sorted, p float64) *float64 {
	if s.Len() == 0 {
		return nil
	}
	return ptr(interpolate(p, s.Len(), s.At))
}

// interpolate is DuckDB's quantile_cont over n values whose k-th smallest
// is at(k): the value at position p·(n-1), linearly interpolated between
// its two neighbouring order statistics, with DuckDB's rounding (the
// weighted sum lo·(1-d) + hi·d, which can differ in the last bit from
// lo + d·(hi-lo)).
func interpolate(p float64, n int, at func(int) float64) float64 {
	pos := p * float64(n-1)
	lo := math.Floor(pos)
	hi := math.Ceil(pos)
	vlo := at(int(lo))
	if lo == hi {
		return vlo
	}
	vhi := at(int(hi))
	d := pos - lo
	return vlo*(1-d) + vhi*d
}

func ptr(v float64) *float64 { return &v }

// Cursor reads a sorted sample in order, a block at a time (Fill).
type Cursor struct {
	s     Sorted
	n     int
	i     int // rank of the next value
	buf   []float64
	start int // rank of buf[0]
}

// NewCursor is a cursor at the least value of s.
func NewCursor(s Sorted) *Cursor {
	return &Cursor{s: s, n: s.Len(), buf: make([]float64, 0, 4096)}
}

// Done says whether every value has been read.
func (k *Cursor) Done() bool { return k.i >= k.n }

// Peek returns the next value; !Done() must hold.
func (k *Cursor) Peek() float64 {
	if k.i >= k.start+len(k.buf) {
		k.start = k.i
		k.buf = k.buf[:cap(k.buf)]
		k.buf = k.buf[:k.s.Fill(k.i, k.buf)]
	}
	return k.buf[k.i-k.start]
}

// Next moves past the next value.
func (k *Cursor) Next() { k.i++ }
