package analyze

import (
	"math"
	"sort"
)

// The windowed and cumulative percentile series need, at every point t,
// exact quantiles of the successes completed in (t - window, t] or by t.
// Holding every value in memory grows with the run; instead the values
// come in ascending order (the database sorts them, spilling to disk
// beyond its memory limit), each with the contiguous range of points
// whose set holds it. A point whose set has n samples needs only the
// order statistics at the ranks its quantiles interpolate between
// (floor and ceil of p·(n-1)), and it reaches rank k exactly when the
// (k+1)-th of its values arrives. A min-tree over the points, holding
// how many more values each point needs until its next wanted rank,
// finds the points that reach one: O(log points) per value, memory
// O(points), exact.

// quantileSeries computes quantiles ps at every point from values fed in
// ascending order (add).
type quantileSeries struct {
	n     []int64 // samples at each point
	ps    []float64
	ranks [][]int64   // wanted ranks of each point, ascending
	vals  [][]float64 // the value at each wanted rank, as found
	next  []int       // index of each point's next wanted rank
	// Each point's distance to its next wanted rank: a min-tree, or a
	// plain array (flat) when every value's range is a few points (the
	// windowed series), which is faster then.
	tree minTree
	flat []int64
}

// never is the distance of a point that wants no more ranks.
const never = math.MaxInt64 / 4

// newQuantileSeries prepares the series of points whose sets have n[i]
// samples; a point with fewer than minN has no quantiles (a gap). flat
// suits values that each belong to a few points.
func newQuantileSeries(n []int64, ps []float64, minN int64, flat bool) *quantileSeries {
	q := &quantileSeries{n: n, ps: ps, ranks: make([][]int64, len(n)), vals: make([][]float64, len(n)),
		next: make([]int, len(n))}
	dist := make([]int64, len(n))
	for i, ni := range n {
		dist[i] = never
		if ni == 0 || ni < minN {
			continue
		}
		var rs []int64
		for _, p := range ps {
			pos := p * float64(ni-1)
			for _, r := range []int64{int64(math.Floor(pos)), int64(math.Ceil(pos))} {
				if len(rs) == 0 || rs[len(rs)-1] != r {
					rs = append(rs, r)
				}
			}
		}
		sort.Slice(rs, func(a, b int) bool { return rs[a] < rs[b] })
		rs = dedup(rs)
		q.ranks[i], q.vals[i] = rs, make([]float64, len(rs))
		dist[i] = rs[0] + 1
	}
	if flat {
		q.flat = dist
	} else {
		q.tree.build(dist)
	}
	return q
}

func dedup(rs []int64) []int64 {
	out := rs[:0]
	for i, r := range rs {
		if i == 0 || r != rs[i-1] {
			out = append(out, r)
		}
	}
	return out
}

// add counts value x, the next in ascending order, at points f..l.
func (q *quantileSeries) add(x float64, f, l int) {
	if f > l || f >= len(q.n) || l < 0 {
		return
	}
	if q.flat != nil {
		for i := max(f, 0); i <= min(l, len(q.flat)-1); i++ {
			if q.flat[i]--; q.flat[i] == 0 {
				q.flat[i] = q.reach(i, x)
			}
		}
		return
	}
	q.tree.decrement(f, l, func(i int) int64 { return q.reach(i, x) })
}

// reach records x as point i's next wanted rank and returns the distance
// to the one after.
func (q *quantileSeries) reach(i int, x float64) int64 {
	// Point i's next wanted rank is x's rank in its set.
	k := q.next[i]
	q.vals[i][k] = x
	q.next[i]++
	if q.next[i] == len(q.ranks[i]) {
		return never
	}
	return q.ranks[i][k+1] - q.ranks[i][k]
}

// result returns the quantiles at each point (nil: a gap), one slice a
// quantile.
func (q *quantileSeries) result() [][]*float64 {
	out := make([][]*float64, len(q.ps))
	for j := range out {
		out[j] = make([]*float64, len(q.n))
	}
	for i, rs := range q.ranks {
		if rs == nil {
			continue
		}
		at := func(k int) float64 {
			return q.vals[i][sort.Search(len(rs), func(j int) bool { return rs[j] >= int64(k) })]
		}
		for j, p := range q.ps {
			out[j][i] = ptr(interpolate(p, int(q.n[i]), at))
		}
	}
	return out
}

// minTree is a segment tree over points holding, for each, how many more
// values it needs until its next wanted rank; decrement lowers a range by
// one and hands every point that reaches 0 to hit, which returns its new
// distance.
type minTree struct {
	size int
	min  []int64
	lazy []int64
}

func (t *minTree) build(dist []int64) {
	t.size = len(dist)
	if t.size == 0 {
		return
	}
	t.min = make([]int64, 4*t.size)
	t.lazy = make([]int64, 4*t.size)
	var build func(node, l, r int)
	build = func(node, l, r int) {
		if l == r {
			t.min[node] = dist[l]
			return
		}
		m := (l + r) / 2
		build(2*node, l, m)
		build(2*node+1, m+1, r)
		t.min[node] = min(t.min[2*node], t.min[2*node+1])
	}
	build(1, 0, t.size-1)
}

func (t *minTree) decrement(ql, qr int, hit func(int) int64) {
	if t.size == 0 {
		return
	}
	t.dec(1, 0, t.size-1, ql, min(qr, t.size-1), hit)
}

func (t *minTree) dec(node, l, r, ql, qr int, hit func(int) int64) {
	if qr < l || r < ql {
		return
	}
	if ql <= l && r <= qr && t.min[node] > 1 {
		t.min[node]--
		t.lazy[node]--
		return
	}
	if l == r {
		t.min[node]--
		if t.min[node] == 0 {
			t.min[node] = hit(l)
		}
		return
	}
	if z := t.lazy[node]; z != 0 {
		t.min[2*node] += z
		t.lazy[2*node] += z
		t.min[2*node+1] += z
		t.lazy[2*node+1] += z
		t.lazy[node] = 0
	}
	m := (l + r) / 2
	t.dec(2*node, l, m, ql, qr, hit)
	t.dec(2*node+1, m+1, r, ql, qr, hit)
	t.min[node] = min(t.min[2*node], t.min[2*node+1])
}

// histogramCounter counts the non-warmup values, fed in any order, in
// HistogramBuckets log-spaced buckets between lo and hi, the least and
// greatest of the n values.
type histogramCounter struct {
	h  Histogram
	nb int
}

func newHistogramCounter(lo, hi float64, n int64) *histogramCounter {
	hc := &histogramCounter{h: Histogram{Bounds: []float64{}, Counts: []int64{}}}
	switch {
	case n == 0 || math.IsInf(lo, 1):
	case hi <= lo:
		hc.h.Bounds = []float64{lo, hi}
		hc.h.Counts = []int64{n}
	default:
		// log spacing needs a positive start; values at or below it fall
		// in the first bucket.
		start := lo
		if start <= 0 {
			start = hi / 1e6
		}
		nb := HistogramBuckets
		hc.nb = nb
		hc.h.Bounds = make([]float64, nb+1)
		hc.h.Counts = make([]int64, nb)
		span := math.Log(hi / start)
		for i := range nb + 1 {
			hc.h.Bounds[i] = start * math.Exp(span*float64(i)/float64(nb))
		}
		hc.h.Bounds[0], hc.h.Bounds[nb] = lo, hi
	}
	return hc
}

func (hc *histogramCounter) add(v float64) {
	if hc.nb == 0 {
		return // empty, or one bucket counted already
	}
	b := sort.SearchFloat64s(hc.h.Bounds, v) // first bound >= v
	if b < len(hc.h.Bounds) && hc.h.Bounds[b] == v {
		b++ // v is the lower bound of bucket b
	}
	b = max(0, min(b-1, hc.nb-1))
	hc.h.Counts[b]++
}

func (hc *histogramCounter) histogram() Histogram { return hc.h }

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
