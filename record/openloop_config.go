package record

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/llmrec/llmrec/schemas"
)

// Arrival kinds. Closed is the users-with-think-time loop of Shape; Poisson
// and Constant are open loops that send requests at a rate whatever the
// responses do (see Arrivals).
const (
	ArrivalClosed   = schemas.ArrivalClosed
	ArrivalPoisson  = schemas.ArrivalPoisson
	ArrivalConstant = schemas.ArrivalConstant
)

// OpenLoop is the open-loop load: requests arrive at Rate per second in the
// first step, StepRate more each StepTime, up to MaxRate. The run ends once
// MaxRate has been held one full step, or at Duration when it is set.
//
// With Kind poisson, inter-arrival times are gamma distributed with shape
// Burstiness and mean 1/rate (Burstiness 1 is a Poisson process, below 1
// burstier, above 1 more regular); with Kind constant they are exactly
// 1/rate. How the rate changes between steps is defined on Arrivals.
type OpenLoop struct {
	Kind     string  // closed | poisson | constant
	Rate     float64 // requests per second in step 1
	StepRate float64 // added to the rate at each step
	// MaxRate caps the rate; 0 means Rate (one step at Rate).
	MaxRate  float64
	StepTime time.Duration
	// Duration is the whole run; 0 means until MaxRate has been held for
	// one full step (see Total).
	Duration   time.Duration
	Burstiness float64 // gamma shape; 1 is Poisson
	// MaxConcurrency caps the requests in flight: an arrival that finds
	// MaxConcurrency requests in flight waits for one to finish. 0 means no
	// cap but the engine's safety limit.
	MaxConcurrency int
	Seed           int64 // the arrival sequence; the same seed gives the same times
}

// DefaultOpenLoop is the closed loop (no open-loop arrivals), with the open
// loop's defaults ready for when Kind is set: burstiness 1, step 60 s.
func DefaultOpenLoop() OpenLoop {
	return OpenLoop{Kind: ArrivalClosed, StepTime: 60 * time.Second, Burstiness: 1}
}

// Open reports whether o is an open loop (poisson or constant).
func (o OpenLoop) Open() bool { return o.Kind == ArrivalPoisson || o.Kind == ArrivalConstant }

// maxRate is the effective cap: MaxRate, or Rate when MaxRate is 0.
func (o OpenLoop) maxRate() float64 {
	if o.MaxRate > 0 {
		return o.MaxRate
	}
	return o.Rate
}

// MaxArrivalRate bounds every rate: a million requests a second is beyond any
// single recorder and keeps the schedule's arithmetic far from overflow.
const MaxArrivalRate = 1e6

// Validate reports every problem with o at once: errors.Join of
// *FieldError values whose Field is the setting's Go name ("OpenLoop.Rate";
// two names joined by "/" for a relation). A closed loop has nothing to
// check here. Messages name settings, not flags: the command maps settings
// to its flags.
func (o OpenLoop) Validate() error {
	var errs []error
	bad := func(field, format string, a ...any) {
		errs = append(errs, &FieldError{Field: "OpenLoop." + field, Problem: fmt.Sprintf(format, a...)})
	}
	switch o.Kind {
	case ArrivalClosed, "":
		return nil
	case ArrivalPoisson, ArrivalConstant:
	default:
		bad("Kind", "%q is not one of %s, %s, %s", o.Kind, ArrivalClosed, ArrivalPoisson, ArrivalConstant)
		return errors.Join(errs...)
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	if !finite(o.Rate) || o.Rate <= 0 || o.Rate > MaxArrivalRate {
		bad("Rate", "must be above 0 and at most %g requests/s, got %g", float64(MaxArrivalRate), o.Rate)
	}
	if !finite(o.StepRate) || o.StepRate < 0 || o.StepRate > MaxArrivalRate {
		bad("StepRate", "must be between 0 and %g requests/s, got %g", float64(MaxArrivalRate), o.StepRate)
	}
	if !finite(o.MaxRate) || o.MaxRate < 0 || o.MaxRate > MaxArrivalRate {
		bad("MaxRate", "must be between 0 and %g requests/s, got %g", float64(MaxArrivalRate), o.MaxRate)
	} else if o.MaxRate > 0 && o.MaxRate < o.Rate {
		bad("MaxRate", "%g is below the starting rate %g", o.MaxRate, o.Rate)
	}
	if o.StepRate == 0 && o.MaxRate > o.Rate {
		bad("MaxRate", "%g is above the starting rate %g but the rate step is 0: the rate would never reach it", o.MaxRate, o.Rate)
	}
	if !finite(o.Burstiness) || o.Burstiness <= 0 || o.Burstiness > 1000 {
		bad("Burstiness", "must be above 0 and at most 1000, got %g", o.Burstiness)
	} else if o.Kind == ArrivalConstant && o.Burstiness != 1 {
		bad("Burstiness", "%g applies to poisson arrivals only; constant arrivals are evenly spaced", o.Burstiness)
	}
	if o.MaxConcurrency < 0 || o.MaxConcurrency > MaxUsers {
		bad("MaxConcurrency", "must be from 0 to %d, got %d", MaxUsers, o.MaxConcurrency)
	}
	if len(errs) == 0 && o.Duration == 0 && o.Steps() > maxSteps {
		bad("StepRate", "%g takes %d steps to reach the maximum rate; at most %d: raise the rate step", o.StepRate, o.Steps(), maxSteps)
	}
	// The planned length needs valid rates; with bad ones only the
	// duration is checked.
	total := o.Duration
	if len(errs) == 0 {
		total = o.Total()
	}
	validateSchedule("OpenLoop.", o.StepTime, o.Duration, total, func(field, format string, a ...any) {
		errs = append(errs, &FieldError{Field: field, Problem: fmt.Sprintf(format, a...)})
	})
	return errors.Join(errs...)
}

// maxSteps bounds the number of rate steps of a run without a duration.
const maxSteps = 100000

// Steps is how many steps it takes the rate to reach MaxRate: 1 +
// ceil((MaxRate − Rate) / StepRate), or 1 when the rate does not step.
func (o OpenLoop) Steps() int {
	top := o.maxRate()
	if o.StepRate <= 0 || top <= o.Rate {
		return 1
	}
	// A relative tolerance keeps 1 + (0.3 − 0.1)/0.1 at 3, not 4.
	n := (top - o.Rate) / o.StepRate
	return 1 + int(math.Ceil(n-1e-9*math.Max(1, n)))
}

// Total is the planned length of the run: Duration when set, else Steps
// whole steps (the last holds MaxRate for one full step).
func (o OpenLoop) Total() time.Duration { return plannedTotal(o.Duration, o.Steps(), o.StepTime) }

// StepAt is the 1-based rate step at elapsed time, floor(elapsed/StepTime)+1
// like Shape.StepAt; steps keep counting once MaxRate is reached.
func (o OpenLoop) StepAt(elapsed time.Duration) int { return stepAt(elapsed, o.StepTime) }

// RateOf is the offered rate of step k (1-based): min(Rate + (k−1)·StepRate,
// MaxRate).
func (o OpenLoop) RateOf(step int) float64 {
	if step < 1 {
		step = 1
	}
	return math.Min(o.Rate+float64(step-1)*o.StepRate, o.maxRate())
}

// RecordShape writes o into the footer's shape: for an open loop the
// arrival settings, the step time and the planned length (Total) — the
// user fields of a closed loop are left as they are, and a closed loop
// records only its kind.
func (o OpenLoop) RecordShape(s *schemas.Shape) {
	if !o.Open() {
		s.Arrival = schemas.ArrivalClosed
		return
	}
	s.Arrival, s.Rate, s.StepRate, s.MaxRate = o.Kind, o.Rate, o.StepRate, o.maxRate()
	s.Burstiness, s.MaxConcurrency, s.Seed = o.Burstiness, o.MaxConcurrency, o.Seed
	s.StepTimeS, s.DurationS = o.StepTime.Seconds(), o.Total().Seconds()
	s.StepUsers, s.MaxUsers, s.SpawnRate, s.WaitMinS, s.WaitMaxS = 0, 0, 0, 0, 0
}
