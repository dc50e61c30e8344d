package record

import (
	"fmt"
	"strconv"
	"time"
)

// Plan says in one line what the run will do and for how long, before its
// first request: the steps and their length, the levels from the first to
// the top, how long the run lasts (its --duration, or until the top level
// has been held one full step) and the grace after it. Like the schedule,
// it is a pure function of the configuration.
func (c *Config) Plan() string {
	var first, top float64
	var unit, kind string
	steps, stepTime, dur := 0, c.stepTime(), c.total()
	var levelAt func(k int) float64
	if c.open() {
		o := c.OpenLoop
		first, top, steps, unit = o.Rate, o.maxRate(), o.Steps(), " req/s offered"
		kind = " (" + o.Kind + " arrivals)"
		levelAt = o.RateOf
	} else {
		s := c.Shape
		first, top, steps, unit = float64(min(s.StepUsers, s.MaxUsers)), float64(s.MaxUsers), s.Steps(), " users"
		levelAt = func(k int) float64 { return float64(min(k*s.StepUsers, s.MaxUsers)) }
	}
	num := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	after := fmt.Sprintf(", then up to %s (--grace) for the requests in flight", c.Grace)
	if steps <= 1 {
		return fmt.Sprintf("plan: %s%s%s for %s%s", num(top), unit, kind, dur, after)
	}
	levels := fmt.Sprintf("%s to %s%s%s", num(first), num(top), unit, kind)
	if c.open() {
		levels += fmt.Sprintf(", %s more each step", num(c.OpenLoop.StepRate))
	} else {
		levels += fmt.Sprintf(", %d more each step", c.Shape.StepUsers)
	}
	full := time.Duration(steps) * stepTime
	switch {
	case dur == full:
		return fmt.Sprintf("plan: %d steps of %s, %s: %s in all (the top held one step)%s", steps, stepTime, levels, dur, after)
	case dur > full:
		return fmt.Sprintf("plan: %s (--duration) in steps of %s, %s: the top from step %d on, held %s%s",
			dur, stepTime, levels, steps, dur-full+stepTime, after)
	}
	// --duration ends the run before the top is reached.
	last := int((dur + stepTime - 1) / stepTime)
	return fmt.Sprintf("plan: %s (--duration) in steps of %s, %s: ends in step %d at %s%s, before the top%s",
		dur, stepTime, levels, last, num(levelAt(last)), unit, after)
}
