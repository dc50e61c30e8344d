package stats

import (
	"math"
	"sort"
)

// LogHistogram counts values, fed in any order, in log-spaced buckets
// between the least and the greatest of them, known beforehand: Counts[i]
// counts values in [Bounds[i], Bounds[i+1]), the last bucket includes its
// upper bound.
type LogHistogram struct {
	Bounds []float64
	Counts []int64
	nb     int // buckets still counting: 0 when empty or one bucket
}

// NewLogHistogram prepares the histogram of n values between lo and hi,
// their least and greatest, in the given number of buckets. With no
// values it is empty; when every value is the same (hi <= lo) it is one
// bucket [lo, hi] holding all n, and Add counts nothing more. Values at
// or below 0 cannot start a log scale: the first bound is then lo, the
// next ones are spaced from hi/1e6, and the values below fall in the
// first bucket.
func NewLogHistogram(lo, hi float64, n int64, buckets int) *LogHistogram {
	h := &LogHistogram{Bounds: []float64{}, Counts: []int64{}}
	switch {
	case n == 0 || math.IsInf(lo, 1):
	case hi <= lo:
		h.Bounds = []float64{lo, hi}
		h.Counts = []int64{n}
	default:
		// log spacing needs a positive start; values at or below it fall
		// in the first bucket.
		start := lo
		if start <= 0 {
			start = hi / 1e6
		}
		nb := buckets
		h.nb = nb
		h.Bounds = make([]float64, nb+1)
		h.Counts = make([]int64, nb)
		span := math.Log(hi / start)
		for i := range nb + 1 {
			h.Bounds[i] = start * math.Exp(span*float64(i)/float64(nb))
		}
		h.Bounds[0], h.Bounds[nb] = lo, hi
	}
	return h
}

// Add counts v, one of the n values.
func (h *LogHistogram) Add(v float64) {
	if h.nb == 0 {
		return // empty, or one bucket counted already
	}
	b := sort.SearchFloat64s(h.Bounds, v) // first bound >= v
	if b < len(h.Bounds) && h.Bounds[b] == v {
		b++ // v is the lower bound of bucket b
	}
	b = max(0, min(b-1, h.nb-1))
	h.Counts[b]++
}
