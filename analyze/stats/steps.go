package stats

// The per-step and whole-run percentiles are taken from the same sorted
// stream as a series: every step, and the whole run, is a set whose size
// is known beforehand (counted by the caller), so its quantiles need only
// the order statistics at a few ranks (QuantileSeries), found as the
// values go by in ascending order. One sort a figure, no per-group state
// holding every value, the same figures as DuckDB's quantile_cont.

// StepQuantiles computes quantiles of each step's values, of all of them
// (the total), and of every prefix of the steps (the values of the steps
// before each one: the steady state before a saturation step), from
// values fed in ascending order (Add).
type StepQuantiles struct {
	steps []int // step numbers, ascending
	// index maps a step number to its position in steps: dense when the
	// numbers are small, else the map.
	dense  []int32
	sparse map[int32]int32
	byStep *QuantileSeries // points: the steps, then the total
	prefix *QuantileSeries // point r: the steps ranked before rank r
	// rank is each step's position in the order the prefixes follow,
	// order its inverse (nil: the steps' own order).
	rank, order []int
}

// maxDenseStep bounds the step numbers a slice indexes directly.
const maxDenseStep = 1 << 20

// NewStepQuantiles prepares quantiles ps of the steps (their numbers,
// ascending) with n[i] values each, and of their total. prefixPs are the
// quantiles of the prefixes (none: no prefixes).
func NewStepQuantiles(steps []int, n []int64, ps, prefixPs []float64) *StepQuantiles {
	return NewStepQuantilesInOrder(steps, n, nil, ps, prefixPs)
}

// NewStepQuantilesInOrder is NewStepQuantiles whose prefixes follow order
// (the positions of the steps in steps, each once) instead of the steps'
// own: the prefix of a step is the steps before it in order (a capacity
// search's steps in the order of their levels). A nil order is the
// steps' own.
func NewStepQuantilesInOrder(steps []int, n []int64, order []int, ps, prefixPs []float64) *StepQuantiles {
	sq := &StepQuantiles{steps: steps}
	if order != nil {
		sq.order, sq.rank = order, make([]int, len(steps))
		for r, i := range order {
			sq.rank[i] = r
		}
	}
	if len(steps) > 0 && steps[len(steps)-1] < maxDenseStep && steps[0] >= 0 {
		sq.dense = make([]int32, steps[len(steps)-1]+1)
		for i := range sq.dense {
			sq.dense[i] = -1
		}
		for i, s := range steps {
			sq.dense[s] = int32(i)
		}
	} else {
		sq.sparse = make(map[int32]int32, len(steps))
		for i, s := range steps {
			sq.sparse[int32(s)] = int32(i)
		}
	}
	points := make([]int64, len(steps)+1)
	var total int64
	for i, k := range n {
		points[i] = k
		total += k
	}
	points[len(steps)] = total
	sq.byStep = NewQuantileSeries(points, ps, 1, true)
	if len(prefixPs) > 0 {
		pre := make([]int64, len(steps))
		var sum int64
		for r := range n {
			pre[r] = sum
			sum += n[sq.at(r)]
		}
		sq.prefix = NewQuantileSeries(pre, prefixPs, 1, false)
	}
	return sq
}

// index is the position of step in steps, -1 when it has none.
func (sq *StepQuantiles) index(step int32) int {
	if sq.dense != nil {
		if step < 0 || int(step) >= len(sq.dense) {
			return -1
		}
		return int(sq.dense[step])
	}
	i, ok := sq.sparse[step]
	if !ok {
		return -1
	}
	return int(i)
}

// Add counts x, the next value in ascending order, in its step's sets,
// and returns the step's position in steps. A value of a step without a
// set is counted nowhere (-1).
func (sq *StepQuantiles) Add(x float64, step int32) int {
	i := sq.index(step)
	if i < 0 {
		return -1
	}
	sq.byStep.Add(x, i, i)
	last := len(sq.steps)
	sq.byStep.Add(x, last, last)
	if r := sq.rankOf(i); sq.prefix != nil && r+1 < last {
		sq.prefix.Add(x, r+1, last-1)
	}
	return i
}

// rankOf is the position i's rank in the prefixes' order.
func (sq *StepQuantiles) rankOf(i int) int {
	if sq.rank == nil {
		return i
	}
	return sq.rank[i]
}

// at is the position of the step of rank r.
func (sq *StepQuantiles) at(r int) int {
	if sq.order == nil {
		return r
	}
	return sq.order[r]
}

// Result returns the quantiles of each step (by position in steps), of
// the total, and of each step's prefix (by position in steps; nil without
// prefixes); each is a slice
// with one entry a quantile, nil entries where a set is empty.
func (sq *StepQuantiles) Result() (steps [][]*float64, total []*float64, prefix [][]*float64) {
	transpose := func(r [][]*float64, points int) [][]*float64 {
		out := make([][]*float64, points)
		for i := range out {
			out[i] = make([]*float64, len(r))
			for j := range r {
				out[i][j] = r[j][i]
			}
		}
		return out
	}
	all := transpose(sq.byStep.Result(), len(sq.steps)+1)
	if sq.prefix != nil {
		byRank := transpose(sq.prefix.Result(), len(sq.steps))
		prefix = make([][]*float64, len(sq.steps))
		for i := range prefix {
			prefix[i] = byRank[sq.rankOf(i)]
		}
	}
	return all[:len(sq.steps)], all[len(sq.steps)], prefix
}
