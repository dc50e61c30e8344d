package analyze

import (
	"math"
	"math/bits"
)

// The windowed and cumulative percentile series need, at every second,
// exact quantiles of a multiset that grows (cumulative) or slides
// (windowed). DuckDB's window quantile over a growing frame is superlinear
// (minutes at 10M rows), and no well-kept Go library offers an exact
// order-statistics multiset with deletes, so this file holds a small one:
// values are ranked once by sorting (rankByValue), and a Fenwick tree over
// ranks counts which values are present. Insert, delete and "k-th smallest" are
// O(log n), so a whole series costs O(n log n) and is exact.

// fenwick is a binary indexed tree of counts over ranks 0..n-1.
type fenwick struct {
	tree []int32 // 1-based
	n    int
	top  int // highest power of two <= n
	size int // values present
}

func newFenwick(n int) *fenwick {
	top := 0
	if n > 0 {
		top = 1 << (bits.Len(uint(n)) - 1)
	}
	return &fenwick{tree: make([]int32, n+1), n: n, top: top}
}

func (f *fenwick) add(rank int32, d int32) {
	for i := int(rank) + 1; i <= f.n; i += i & -i {
		f.tree[i] += d
	}
	f.size += int(d)
}

// kth returns the rank of the k-th smallest present value (k from 0).
func (f *fenwick) kth(k int) int32 {
	pos := 0
	rem := int32(k + 1)
	for step := f.top; step > 0; step >>= 1 {
		if next := pos + step; next <= f.n && f.tree[next] < rem {
			pos = next
			rem -= f.tree[next]
		}
	}
	return int32(pos) // 0-based rank = (1-based index pos+1) - 1
}

// quantile is quantile_cont over the present values: the value at
// position p·(size-1), linearly interpolated between its two neighbouring
// order statistics. NaN when empty.
func (f *fenwick) quantile(sorted []float64, p float64) float64 {
	if f.size == 0 {
		return math.NaN()
	}
	return interpolate(p, f.size, func(k int) float64 { return sorted[f.kth(k)] })
}

// interpolate is DuckDB's quantile_cont over n values whose k-th smallest
// is at(k).
func interpolate(p float64, n int, at func(int) float64) float64 {
	pos := p * float64(n-1)
	lo := math.Floor(pos)
	hi := math.Ceil(pos)
	vlo := at(int(lo))
	if lo == hi {
		return vlo
	}
	vhi := at(int(hi))
	return vlo + (pos-lo)*(vhi-vlo)
}

// rankByValue returns the rank of each value in ascending order (ties in
// index order) and the values sorted. It is an LSD radix sort on the
// IEEE-754 bits, mapped so that unsigned order is numeric order: four
// passes of 16 bits, O(n) and exact, several times faster than a
// comparison sort at millions of values (and than DuckDB's row_number
// window, which also needs the database's memory).
func rankByValue(vs []float64) ([]int32, []float64) {
	n := len(vs)
	if n == 0 {
		return []int32{}, []float64{}
	}
	keys := make([]uint64, n)
	idx := make([]int32, n)
	for i, v := range vs {
		b := math.Float64bits(v)
		if b>>63 == 1 {
			b = ^b // negative: reverse the order
		} else {
			b |= 1 << 63
		}
		keys[i] = b
		idx[i] = int32(i)
	}
	keys2 := make([]uint64, n)
	idx2 := make([]int32, n)
	var count [1 << 16]int
	for shift := uint(0); shift < 64; shift += 16 {
		clear(count[:])
		for _, k := range keys {
			count[(k>>shift)&0xffff]++
		}
		if count[(keys[0]>>shift)&0xffff] == n {
			continue // every key has this digit: the pass would not move anything
		}
		sum := 0
		for d, c := range count {
			count[d] = sum
			sum += c
		}
		for i, k := range keys {
			d := (k >> shift) & 0xffff
			keys2[count[d]] = k
			idx2[count[d]] = idx[i]
			count[d]++
		}
		keys, keys2 = keys2, keys
		idx, idx2 = idx2, idx
	}
	rank := idx2[:n] // reuse the spare buffer
	sorted := make([]float64, n)
	for r, i := range idx {
		rank[i] = int32(r)
		sorted[r] = vs[i]
	}
	return rank, sorted
}
