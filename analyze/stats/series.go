package stats

import (
	"math"
	"sort"
)

// The windowed and cumulative percentile series need, at every point t,
// exact quantiles of the values completed in (t - window, t] or by t.
// Holding every value in memory grows with the run; instead the values
// come in ascending order (the caller sorts them, e.g. a database that
// spills to disk beyond its memory limit), each with the contiguous range
// of points whose set holds it. A point whose set has n samples needs only
// the order statistics at the ranks its quantiles interpolate between
// (floor and ceil of p·(n-1)), and it reaches rank k exactly when the
// (k+1)-th of its values arrives. A min-tree over the points, holding
// how many more values each point needs until its next wanted rank,
// finds the points that reach one: O(log points) per value, memory
// O(points), exact.

// QuantileSeries computes quantiles of many overlapping sets of values
// (the points of a series) from the values fed in ascending order (Add).
// The quantiles are quantile_cont's (Quantile).
type QuantileSeries struct {
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

// NewQuantileSeries prepares quantiles ps of the points whose sets have
// n[i] values each; a point with fewer than minN values has no quantiles
// (a gap). flat suits values that each belong to a few points (a window
// a few points wide): a plain array then beats the tree.
func NewQuantileSeries(n []int64, ps []float64, minN int64, flat bool) *QuantileSeries {
	q := &QuantileSeries{n: n, ps: ps, ranks: make([][]int64, len(n)), vals: make([][]float64, len(n)),
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

// Add counts value x, the next in ascending order, at points f..l
// (clipped to the points; an empty range counts it nowhere).
func (q *QuantileSeries) Add(x float64, f, l int) {
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
func (q *QuantileSeries) reach(i int, x float64) int64 {
	// Point i's next wanted rank is x's rank in its set.
	k := q.next[i]
	q.vals[i][k] = x
	q.next[i]++
	if q.next[i] == len(q.ranks[i]) {
		return never
	}
	return q.ranks[i][k+1] - q.ranks[i][k]
}

// Result returns the quantiles at each point, one slice a quantile (in
// the order of ps) indexed by point; nil entries are gaps. Every value of
// every point must have been added.
func (q *QuantileSeries) Result() [][]*float64 {
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
