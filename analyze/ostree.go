package analyze

import (
	"math"
)

// The windowed and cumulative percentile series need, at every second,
// exact quantiles of a multiset that grows (cumulative) or slides
// (windowed). DuckDB's window quantile over a growing frame is superlinear
// (minutes at 10M rows), and no well-kept Go library offers an exact
// order-statistics multiset with deletes, so this file holds a small one:
// values are ranked once by sorting (rankByValue), and a blocked counter
// over ranks (orderStats) tracks which values are present. A whole series
// costs one sort plus O(1) per sample and is exact.

// orderStats is a set of ranks 0..n-1 (ranks are unique) that finds its
// k-th smallest member: a presence flag per rank plus a count per block of
// 1024 ranks. Insert and delete are O(1); k-th is O(n/1024 + 1024), and
// it is asked only a few times per series point (at most MaxSeriesPoints
// points), while inserts and deletes happen once per sample. At 10M
// samples this measured twenty times faster than a Fenwick tree, whose
// O(log n) random accesses per insert miss the cache.
type orderStats struct {
	present []bool
	block   []int32
	size    int
}

const blockBits = 10

func newOrderStats(n int) *orderStats {
	return &orderStats{present: make([]bool, n), block: make([]int32, (n>>blockBits)+1)}
}

// add inserts (d = 1) or deletes (d = -1) rank.
func (o *orderStats) add(rank int32, d int32) {
	o.present[rank] = d > 0
	o.block[rank>>blockBits] += d
	o.size += int(d)
}

// kth returns the k-th smallest present rank (k from 0, k < size).
func (o *orderStats) kth(k int) int32 {
	b := 0
	for k >= int(o.block[b]) {
		k -= int(o.block[b])
		b++
	}
	i := b << blockBits
	for {
		if o.present[i] {
			if k == 0 {
				return int32(i)
			}
			k--
		}
		i++
	}
}

// quantile is quantile_cont over the present values: the value at
// position p·(size-1), linearly interpolated between its two neighbouring
// order statistics. NaN when empty.
func (o *orderStats) quantile(sorted []float64, p float64) float64 {
	if o.size == 0 {
		return math.NaN()
	}
	return interpolate(p, o.size, func(k int) float64 { return sorted[o.kth(k)] })
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
