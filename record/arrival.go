package record

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"gonum.org/v1/gonum/stat/distuv"
)

// Arrival is one open-loop request: when it is due and in which rate step.
type Arrival struct {
	// Index is the arrival's 0-based place in the run's one global
	// sequence, the same on every shard.
	Index int64
	// At is when the request is due, as an offset from the run's time zero
	// (the schedule is absolute: no error accumulates over a long run).
	At time.Duration
	// Step is the 1-based rate step At falls in (OpenLoop.StepAt).
	Step int
	// Rate is the offered rate of Step in requests per second.
	Rate float64
}

// Arrivals yields an open loop's arrival times in order. It is a pure
// function of the OpenLoop settings (its seed included): it reads no clock,
// so a schedule is tested as a list of numbers and every shard of a run
// computes the same global sequence.
//
// The sequence is a non-homogeneous renewal process defined through the
// cumulative intensity Λ(t) = ∫₀ᵗ rate(s) ds, where rate(s) is the rate of
// the step s falls in (a step function, so Λ is piecewise linear and
// strictly increasing). Arrival i is at t_i = Λ⁻¹(S_i) where
//
//   - constant: S_i = i, so arrival 0 is at time zero and, within a step of
//     rate r, arrivals are exactly 1/r apart;
//   - poisson: S_i = G_0 + … + G_i with G_j independent gamma variates of
//     shape B (Burstiness) and mean 1 (scale 1/B), so within a step of rate
//     r the gaps are gamma with shape B and mean 1/r, as in vLLM's bench
//     serve; B = 1 makes it a Poisson process of rate r.
//
// An arrival gap that spans a step boundary is spent partly at each rate:
// the process's "unit time" is mapped through Λ, never restarted, so a
// rate change neither drops nor adds arrivals. The run has no arrival at
// or after Total.
type Arrivals struct {
	o             OpenLoop
	shard, shards int64
	total         time.Duration
	gamma         distuv.Gamma
	next          int64   // index of the next arrival to compute
	s             float64 // S of the last computed arrival (poisson)
	step          int     // step holding the last computed arrival
	stepStart     float64 // Λ at the start of step
	done          bool
	// lastI and lastS are the index and S of the last computed arrival
	// (the one Next returned last, or the first past the end), which
	// SetRate places again.
	lastI int64
	lastS float64
	// changes are the rates set by SetRate: from a step on, a rate.
	changes []rateChange
}

// rateChange is a rate set from step from on (Arrivals.SetRate).
type rateChange struct {
	from int
	rate float64
}

// arrivalStream is the PCG stream of the arrival sequence; the workload
// uses other streams of the same seed, so the two do not share draws.
const arrivalStream = 0x61727269766c73 // "arrivls"

// NewArrivals returns the arrivals shard (0-based) of shards takes: the
// global arrivals shard, shard+shards, shard+2·shards, … of the one
// sequence set by o. A single recorder is shard 0 of 1. o must be an open
// loop that passes Validate.
func NewArrivals(o OpenLoop, shard, shards int) (*Arrivals, error) {
	if !o.Open() {
		return nil, fmt.Errorf("arrival %q is not an open loop: use %s or %s", o.Kind, ArrivalPoisson, ArrivalConstant)
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if shards < 1 || shard < 0 || shard >= shards {
		return nil, errors.New("shard must satisfy 0 ≤ shard < shards")
	}
	src := rand.NewPCG(uint64(o.Seed), arrivalStream)
	return &Arrivals{
		o:      o,
		shard:  int64(shard),
		shards: int64(shards),
		total:  o.Total(),
		gamma:  distuv.Gamma{Alpha: o.Burstiness, Beta: o.Burstiness, Src: src},
		step:   1,
	}, nil
}

// Next returns this shard's next arrival, and false once the run has no
// more (the next arrival would be at or after Total).
func (a *Arrivals) Next() (Arrival, bool) {
	for !a.done {
		arr, ok := a.compute()
		if !ok {
			a.done = true
			break
		}
		if arr.Index%a.shards == a.shard {
			return arr, true
		}
	}
	return Arrival{}, false
}

// compute produces the next arrival of the global sequence.
func (a *Arrivals) compute() (Arrival, bool) {
	i := a.next
	a.next++
	var s float64
	if a.o.Kind == ArrivalConstant {
		s = float64(i)
	} else {
		a.s += a.gamma.Rand()
		s = a.s
	}
	a.lastI, a.lastS = i, s
	return a.place(i, s)
}

// rateOf is the rate of step k: the last SetRate's from a step at or
// before k, else the settings'.
func (a *Arrivals) rateOf(k int) float64 {
	for i := len(a.changes) - 1; i >= 0; i-- {
		if a.changes[i].from <= k {
			return a.changes[i].rate
		}
	}
	return a.o.RateOf(k)
}

// flatFrom reports whether every step from k on has the rate of step k.
func (a *Arrivals) flatFrom(k int) bool {
	if n := len(a.changes); n > 0 {
		return k >= a.changes[n-1].from
	}
	return a.o.RateOf(k) == a.o.maxRate()
}

// SetRate makes rate the rate of every step from step from on (a change
// made while the run goes on; a later call from an earlier or the same
// step replaces it there). The arrivals before step from keep their
// times; the last one computed — the one Next returned last, which the
// caller has not sent — is placed again under the new rates and
// returned, with false when it now falls past the run's end (Next then
// returns no more, until a later SetRate places it within the run). No
// arrival of step from or later may have been sent. One recorder only:
// with shards, an error.
func (a *Arrivals) SetRate(from int, rate float64) (Arrival, bool, error) {
	if a.shards != 1 {
		return Arrival{}, false, errors.New("the rate of a run split over shards cannot change")
	}
	if !(rate > 0) || rate > MaxArrivalRate || from < 1 {
		return Arrival{}, false, fmt.Errorf("rate %g from step %d: want a rate above 0 and at most %g from step 1 on", rate, from, float64(MaxArrivalRate))
	}
	stepLen := a.o.StepTime.Seconds()
	for a.step > from { // rewind Λ to the start of step from, under the old rates
		a.step--
		a.stepStart -= a.rateOf(a.step) * stepLen
	}
	kept := a.changes[:0]
	for _, c := range a.changes {
		if c.from < from {
			kept = append(kept, c)
		}
	}
	a.changes = append(kept, rateChange{from, rate})
	if a.next == 0 {
		return Arrival{}, false, nil // nothing computed yet: Next will use the new rates
	}
	arr, ok := a.place(a.lastI, a.lastS)
	a.done = !ok
	return arr, ok, nil
}

// place maps S value s of arrival i to its time through Λ, walking the
// step state forward to the step that holds it; false when the time is
// at or after the run's end.
func (a *Arrivals) place(i int64, s float64) (Arrival, bool) {
	stepLen := a.o.StepTime.Seconds()
	// Walk Λ forward to the step that holds s. S is non-decreasing, so the
	// walk is amortized O(1) an arrival.
	for {
		r := a.rateOf(a.step)
		end := a.stepStart + r*stepLen
		if s < end {
			break
		}
		if time.Duration(a.step)*a.o.StepTime >= a.total {
			return Arrival{}, false
		}
		if a.flatFrom(a.step) {
			// At the cap (or a held rate) Λ is linear: jump straight to the right step
			// instead of walking one step at a time.
			skip := max(1, int((s-a.stepStart)/(r*stepLen)))
			a.step += skip
			a.stepStart += float64(skip) * r * stepLen
			continue
		}
		a.step++
		a.stepStart = end
	}
	r := a.rateOf(a.step)
	base := time.Duration(a.step-1) * a.o.StepTime
	at := base + time.Duration(math.Round((s-a.stepStart)/r*float64(time.Second)))
	if at >= a.total {
		return Arrival{}, false
	}
	step := a.o.StepAt(at)
	return Arrival{Index: i, At: at, Step: step, Rate: a.rateOf(step)}, true
}
