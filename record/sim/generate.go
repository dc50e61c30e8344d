package sim

import (
	"context"
	"math/rand/v2"
	"time"
)

// Sleep granularities. Tokens due less than this far ahead are emitted with
// the ones already due instead of waiting for them, so a token time under
// the granularity batches tokens rather than sleeping per token. A
// non-streamed answer only needs its total time right and wakes up less.
const (
	streamGranularity = time.Millisecond
	wholeGranularity  = 20 * time.Millisecond
)

// generate times a request's n tokens on the calling goroutine and hands
// them to emit (as vocabulary indices) in batches as they fall due: the
// first after the prefill, token i at about prefill + i·token time. Both
// times are the base times × the request's jitter × the profile's slowdown,
// read afresh before the prefill and before every token, so a request slows
// down or speeds up as the load around it changes. Deadlines accumulate
// from the start, so timer lateness does not add up. It returns the
// context's error when the client leaves, or emit's error.
func (s *Server) generate(ctx context.Context, p plan, n int, granularity time.Duration, emit func(words []int) error) error {
	text := rand.New(rand.NewPCG(p.text, p.seq))
	var sl sleeper
	defer sl.stop()
	sleepUntil := func(deadline time.Time) error { return sl.until(ctx, deadline) }

	// A knee request that pays the swap cost counts as preempted, once.
	preempted := false
	slowdown := func() float64 {
		f := s.slowdown()
		if f > 1 && s.cfg.Profile == ProfileKnee && !preempted {
			preempted = true
			s.preemptions.Add(1)
		}
		return f
	}
	emitted := emit
	emit = func(words []int) error {
		s.generationTokens.Add(int64(len(words)))
		return emitted(words)
	}

	due := time.Now().Add(ms(s.cfg.PrefillMS * p.prefill * slowdown()))
	if err := sleepUntil(due); err != nil {
		return err
	}
	words := make([]int, 0, 16)
	words = append(words, text.IntN(len(vocabulary)))
	for range n - 1 {
		due = due.Add(ms(s.cfg.TokenMS * p.token * slowdown()))
		if time.Until(due) >= granularity {
			if err := emit(words); err != nil {
				return err
			}
			words = words[:0]
			if err := sleepUntil(due); err != nil {
				return err
			}
		}
		words = append(words, text.IntN(len(vocabulary)))
	}
	if err := sleepUntil(due); err != nil {
		return err
	}
	return emit(words)
}

// sleeper sleeps on one timer, reused from one deadline to the next.
type sleeper struct{ timer *time.Timer }

// until sleeps until deadline; it returns ctx's error when ctx ends first
// or has ended.
func (sl *sleeper) until(ctx context.Context, deadline time.Time) error {
	d := time.Until(deadline)
	if d <= 0 {
		return ctx.Err()
	}
	if sl.timer == nil {
		sl.timer = time.NewTimer(d)
	} else {
		sl.timer.Reset(d)
	}
	select {
	case <-sl.timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// stop stops the timer, if one was made.
func (sl *sleeper) stop() {
	if sl.timer != nil {
		sl.timer.Stop()
	}
}
