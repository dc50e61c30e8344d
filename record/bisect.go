package record

import (
	"math"

	"github.com/llmrec/llmrec/schemas"
)

// Bisection chooses the levels of a capacity search: Start first, then
// double while levels meet the SLO (up to Max), halve while they miss (down
// to Min), and once one level met and a higher one missed, bisect between
// the highest that met and the lowest that missed until the two are within
// the resolution. It is pure: the search tells it each verdict (Record)
// and asks for the next level (Next), so its steps are tested as numbers.
type Bisection struct {
	Start, Min, Max float64
	// Integer levels (users): midpoints are rounded down, and a bracket
	// one user wide is as narrow as it gets.
	Integer bool
	// Resolution: the bracket is narrow enough when Missed − Met ≤
	// Resolution × Missed (Relative) or ≤ Resolution (levels).
	Resolution float64
	Relative   bool

	met, missed float64 // NaN: none yet
	started     bool
	end         string
}

// NewBisection returns a search that has probed nothing yet.
func NewBisection(b Bisection) *Bisection {
	b.met, b.missed = math.NaN(), math.NaN()
	return &b
}

// Record takes the verdict of a probe of level: met or not (an
// inconclusive probe counts as not met).
func (b *Bisection) Record(level float64, met bool) {
	if met {
		if math.IsNaN(b.met) || level > b.met {
			b.met = level
		}
		return
	}
	if math.IsNaN(b.missed) || level < b.missed {
		b.missed = level
	}
}

// Bracket is the highest level that met and the lowest above it that
// missed (NaN: none).
func (b *Bisection) Bracket() (met, missed float64) { return b.met, b.missed }

// End is why Next said stop (schemas.Search* end reasons), "" before.
func (b *Bisection) End() string { return b.end }

// Next is the next level to probe, or false when the search is over (End
// says why).
func (b *Bisection) Next() (float64, bool) {
	if b.end != "" {
		return 0, false
	}
	if !b.started {
		b.started = true
		return b.round(math.Min(b.Start, b.Max)), true
	}
	switch {
	case math.IsNaN(b.missed): // every level so far met: double
		if b.met >= b.Max {
			return b.stop(schemas.SearchMaxLevel)
		}
		return b.round(math.Min(2*b.met, b.Max)), true
	case math.IsNaN(b.met): // every level so far missed: halve
		next := b.round(b.missed / 2)
		if b.missed <= b.Min || next < b.Min || next <= 0 {
			return b.stop(schemas.SearchNoLevelMet)
		}
		return next, true
	}
	if b.narrow() {
		return b.stop(schemas.SearchBracketed)
	}
	mid := b.round((b.met + b.missed) / 2)
	if !(mid > b.met && mid < b.missed) {
		mid = (b.met + b.missed) / 2
		if b.Integer || !(mid > b.met && mid < b.missed) {
			return b.stop(schemas.SearchBracketed)
		}
	}
	return mid, true
}

func (b *Bisection) stop(end string) (float64, bool) {
	b.end = end
	return 0, false
}

// narrow tells whether the bracket is within the resolution.
func (b *Bisection) narrow() bool {
	w := b.missed - b.met
	if b.Integer && w <= 1 {
		return true
	}
	if b.Relative {
		return w <= b.Resolution*b.missed*(1+1e-9)
	}
	return w <= b.Resolution*(1+1e-9)
}

// round gives a level its form: whole users, or a rate to three
// significant digits (at least 0.001 req/s, the analyzer's level key).
func (b *Bisection) round(v float64) float64 {
	if b.Integer {
		return math.Floor(v)
	}
	if v <= 0 {
		return 0
	}
	p := math.Pow(10, 2-math.Floor(math.Log10(v)))
	r := math.Round(v*p) / p
	return math.Max(math.Round(r*1000)/1000, 0.001)
}
