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
	stepLen := a.o.StepTime.Seconds()
	// Walk Λ forward to the step that holds s. S is non-decreasing, so the
	// walk is amortized O(1) an arrival.
	for {
		r := a.o.RateOf(a.step)
		end := a.stepStart + r*stepLen
		if s < end {
			break
		}
		if time.Duration(a.step)*a.o.StepTime >= a.total {
			return Arrival{}, false
		}
		if r == a.o.maxRate() {
			// At the cap Λ is linear: jump straight to the right step
			// instead of walking one step at a time.
			skip := max(1, int((s-a.stepStart)/(r*stepLen)))
			a.step += skip
			a.stepStart += float64(skip) * r * stepLen
			continue
		}
		a.step++
		a.stepStart = end
	}
	r := a.o.RateOf(a.step)
	base := time.Duration(a.step-1) * a.o.StepTime
	at := base + time.Duration(math.Round((s-a.stepStart)/r*float64(time.Second)))
	if at >= a.total {
		return Arrival{}, false
	}
	step := a.o.StepAt(at)
	return Arrival{Index: i, At: at, Step: step, Rate: a.o.RateOf(step)}, true
}
