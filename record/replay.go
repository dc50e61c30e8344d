package record

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"time"

	"github.com/llmrec/llmrec/record/target"
	"github.com/llmrec/llmrec/schemas"
)

// Replay is a recorded run's requests sent again (llmrec replay): each at
// its recorded offset from the run's start, in its recorded step, with
// its recorded prompt and max_tokens. A replay is an open loop whatever
// the original was: a request is sent at its time however long earlier
// ones take. The offset is the row's scheduled_at for an open loop (when
// the arrival was due) and its start for a closed loop (when the user
// sent: a closed loop's scheduled_at is only the end of a think time).
//
// Build one with NewReplay, hand it every row of the original's file(s)
// with Add, then Configure a Config with it; Run sends it.
type Replay struct {
	Of schemas.Replay
	// Requests are the requests to send, in order of At once Configure ran.
	Requests []Replayed

	meta *schemas.RunMeta // the original's footer (the first file's)
	// workload counts rows of a conversation, a shared prefix or a request
	// class (the turn, prefix and class columns): not replayed yet.
	workload int64
	closed   bool // the original was a closed loop: rows keep its users
	v3       bool // every file has max_tokens and prompt_index
}

// Replayed is one request of a Replay.
type Replayed struct {
	At          time.Duration // from the original's start: scheduled_at (open loop) or start (closed loop)
	Step, Users int32         // the original row's step and users
	User        int32         // the original row's user (an open loop's arrival index)
	// Prompt is the index of the prompt in the run's pool (prompt_index);
	// -1 when the file has none: an open loop's arrival then picks the
	// prompt it picked originally (promptPicker of its index), a closed
	// loop's one is drawn.
	Prompt int32
	// MaxTokens is the row's max_tokens; 0 when the file has none (the
	// prompt's own, else the run's, as the original did).
	MaxTokens int32
	// The columns other workloads add (a conversation's turn, a shared
	// prefix, a request class) are not replayed yet: a conversation's turn
	// carries the answers the original received, and a class or prefix its
	// own prompts. They join here, read by Add and sent by replaySend;
	// until then Configure refuses a run that has them.
}

// NewReplay starts a replay of the run whose footer is meta, read from
// files (names as given; the footer keeps their base names). shard is the
// original's shard to replay, or -1 to replay every shard's rows in one
// process (the files are then every shard of the run).
func NewReplay(meta *schemas.RunMeta, files []string, shard int) (*Replay, error) {
	s := meta.Shape
	if s.Search != nil || len(s.Levels) > 0 {
		return nil, errors.New("it is a capacity search, whose levels were chosen as it ran: replay replays step loads (closed or open loop) only")
	}
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = filepath.Base(f)
	}
	rp := &Replay{meta: meta, closed: !s.OpenLoop(), v3: meta.SchemaVersion >= 3,
		Of: schemas.Replay{RunID: meta.RunID, Files: names, Shard: shard,
			Prompts: schemas.ReplaySamePrompts, MaxTokens: schemas.ReplayRecordedMax}}
	if !rp.v3 {
		rp.Of.MaxTokens = schemas.ReplayFooterMax
		if rp.closed {
			rp.Of.Prompts = schemas.ReplayDrawnPrompts
		}
	}
	return rp, nil
}

// Add takes one row of the original. Rows of another run or shard, sent
// outside the run's time, or of a step no schedule has, are skipped and
// counted (Of.Skipped); a file of version 3 or later read with a file of
// an older one makes the replay's prompts and max_tokens those of the
// older kind.
func (rp *Replay) Add(r *schemas.Record, version int) {
	m := rp.meta
	at := r.ScheduledAt
	if rp.closed {
		at = r.Start
	}
	// The rows hold µs and the footer ns: the first arrival, due at the
	// start, reads a fraction of a µs early against the footer's instant.
	off := at.Sub(m.StartedAt.Truncate(time.Microsecond))
	if r.RunID != m.RunID || (rp.Of.Shard >= 0 && int(r.Shard) != rp.Of.Shard) || off < 0 ||
		at.After(m.EndedAt) || r.Step < 1 || r.Step > MaxSteps {
		rp.Of.Skipped++
		return
	}
	if r.Turn != nil || r.Prefix != nil || r.Class != nil {
		rp.workload++
	}
	q := Replayed{At: off, Step: r.Step, Users: r.Users, User: r.User, Prompt: -1}
	if r.PromptIndex != nil && *r.PromptIndex >= 0 {
		q.Prompt = *r.PromptIndex
	} else if version >= 3 && rp.closed {
		rp.Of.Prompts = schemas.ReplayDrawnPrompts
	}
	if r.MaxTokens != nil && *r.MaxTokens > 0 {
		q.MaxTokens = *r.MaxTokens
	}
	if version < 3 {
		rp.Of.MaxTokens = schemas.ReplayFooterMax
		if rp.closed {
			rp.Of.Prompts = schemas.ReplayDrawnPrompts
		}
	}
	rp.Requests = append(rp.Requests, q)
	rp.Of.Requests++
}

// Configure sorts the requests and sets c to send them as the original
// did: its API, streaming, max_tokens, workload and seed (so the same
// prompt pool), its schedule's shape (so the replay's steps are the
// original's; the replay ends after its last request when the original
// ended early) and its timeouts. The target, model, headers, output and
// the shard's time zero stay c's. A sharded replay (Of.Shard ≥ 0) is
// shard Of.Shard of the original's count.
func (rp *Replay) Configure(c *Config) error {
	if len(rp.Requests) == 0 {
		return fmt.Errorf("run %s has no request to replay (%d rows skipped)", rp.meta.RunID, rp.Of.Skipped)
	}
	if rp.workload > 0 {
		return fmt.Errorf("%d requests of run %s belong to a conversation (turn), a shared prefix or a request class, which replay cannot send as they were yet", rp.workload, rp.meta.RunID)
	}
	slices.SortStableFunc(rp.Requests, func(a, b Replayed) int { return cmp.Compare(a.At, b.At) })
	m := rp.meta
	c.API, c.Stream, c.MaxTokens = m.API, m.Stream, m.MaxTokens
	c.Profile, c.StopOnSaturation = m.Shape.Profile, false
	if err := rp.configureWorkload(c); err != nil {
		return err
	}
	rp.configureShape(c)
	t := m.Timeouts
	c.Timeout, c.IdleTimeout, c.Grace = seconds(t.TimeoutS), seconds(t.IdleTimeoutS), seconds(t.GraceS)
	c.Shard.Index, c.Shard.Count = 0, 0
	if rp.Of.Shard >= 0 {
		c.Shard.Index, c.Shard.Count = m.Shard, m.Shards
	}
	c.Replay = rp
	return nil
}

// configureWorkload sets the workload that rebuilds the original's
// prompt pool: the same source, ranges and seed.
func (rp *Replay) configureWorkload(c *Config) error {
	w := rp.meta.Workload
	if w == nil {
		w = &schemas.Workload{Prompts: "builtin"}
		if len(c.Prompts) > 0 {
			w.Prompts = "file"
		}
	}
	var err error
	if c.Workload.InputTokens, err = parseRange(w.InputTokens); err != nil {
		return fmt.Errorf("its footer's input_tokens: %w", err)
	}
	if c.Workload.OutputTokens, err = parseRange(w.OutputTokens); err != nil {
		return fmt.Errorf("its footer's output_tokens: %w", err)
	}
	c.Workload.IgnoreEOS, c.Seed = w.IgnoreEOS, w.Seed
	switch w.Prompts {
	case "builtin", "synthetic":
		if len(c.Prompts) > 0 {
			return &FieldError{Field: "Prompts", Problem: fmt.Sprintf("cannot apply: the run's prompts were %s, rebuilt from its footer", w.Prompts)}
		}
	case "file", "sharegpt":
		if len(c.Prompts) == 0 {
			return &FieldError{Field: "Prompts", Problem: fmt.Sprintf("is needed: the run's prompts came from a %s file, which the footer does not hold; give the same file", w.Prompts)}
		}
		c.PromptSource = w.Prompts
	default:
		return fmt.Errorf("its footer's prompt source %q is not one llmrec writes", w.Prompts)
	}
	return nil
}

// parseRange is target.ParseRange with "" the zero range.
func parseRange(s string) (target.Range, error) {
	if s == "" {
		return target.Range{}, nil
	}
	return target.ParseRange(s)
}

// configureShape sets the original's schedule, so that the footer's
// shape, the steps and the live figures are the original's. Its length is
// the original's planned one, or, when the original ended early
// (interrupted, saturated), up to its last request.
func (rp *Replay) configureShape(c *Config) {
	s := rp.meta.Shape
	dur := seconds(s.DurationS)
	if rp.meta.EndReason != schemas.EndCompleted {
		last := rp.Requests[len(rp.Requests)-1].At
		dur = min(dur, (last/time.Millisecond+1)*time.Millisecond)
	}
	if rp.closed {
		c.OpenLoop = DefaultOpenLoop()
		c.Shape = Shape{StepUsers: s.StepUsers, StepTime: seconds(s.StepTimeS), MaxUsers: s.MaxUsers, SpawnRate: s.SpawnRate, Duration: dur}
		c.WaitMin, c.WaitMax = seconds(s.WaitMinS), seconds(s.WaitMaxS)
		return
	}
	c.OpenLoop = OpenLoop{Kind: s.Arrival, Rate: s.Rate, StepRate: s.StepRate, MaxRate: s.MaxRate, StepTime: seconds(s.StepTimeS),
		Duration: dur, Burstiness: s.Burstiness, MaxConcurrency: s.MaxConcurrency, Seed: s.Seed}
}

// seconds is a footer's seconds as a duration, to the microsecond.
func seconds(s float64) time.Duration {
	return time.Duration(math.Round(s*1e6)) * time.Microsecond
}

// checkPool checks that every recorded prompt index is in the pool of n
// prompts the replay rebuilt: otherwise the prompts are not the
// original's (another --prompts file).
func (rp *Replay) checkPool(n int) error {
	for _, q := range rp.Requests {
		if int(q.Prompt) >= n {
			return &FieldError{Field: "Prompts", Problem: fmt.Sprintf(
				"has %d prompts, but the run sent prompt %d of its pool: not the run's prompt file", n, q.Prompt)}
		}
	}
	return nil
}

// replay is a replay's driver, in place of arrive: it sends each request
// at t0 + its offset on its own goroutine, holding an in-flight slot (the
// original's max concurrency, else the safety cap), as an open loop does.
func (e *engine) replay() {
	reqs := e.cfg.Replay.Requests
	slots := make(chan struct{}, e.cfg.inFlightCap())
	var w waiter
	defer w.stop()
	for i := range reqs {
		q := &reqs[i]
		due := e.t0.Add(q.At)
		if !w.until(due, e.stopSend) && !e.dueBeforeCompletion(due) {
			return
		}
		if !e.takeSlot(slots) {
			e.countUnsentReplay(reqs[i:])
			return
		}
		e.users.Add(1)
		go e.replaySend(q, due, slots)
	}
}

// replaySend sends one replayed request: the original's prompt and
// max_tokens, its step, its user, and (for a closed loop's replay) its
// users.
func (e *engine) replaySend(q *Replayed, due time.Time, slots <-chan struct{}) {
	defer e.users.Done()
	defer func() { <-slots }()
	inFlight := e.active.Add(1)
	defer e.active.Add(-1)
	seq := e.seq.Add(1) - 1
	idx := int(q.Prompt)
	switch {
	case idx >= 0:
	case e.cfg.open():
		idx = e.pick(int64(q.User)) // the arrival's prompt, as the original picked it
	default:
		idx = e.pick(seq)
	}
	p := e.prompts[idx]
	if q.MaxTokens > 0 && int(q.MaxTokens) != cmp.Or(p.MaxTokens, e.cfg.MaxTokens) {
		p.MaxTokens = int(q.MaxTokens) // else the prompt asks it already
	}
	res := e.client.Do(e.reqCtx, p)
	users := inFlight
	if e.cfg.Replay.closed {
		users = q.Users
	}
	r := e.row(q.User, seq, users, due, &res)
	r.Step = q.Step
	e.requestSize(&r, idx, p)
	e.persist <- r
	e.watch <- r
}

// countUnsentReplay counts, by step, the requests from reqs[0] on that
// were due before sending stopped and will never be sent (as countUnsent).
func (e *engine) countUnsentReplay(reqs []Replayed) {
	stop := time.Now()
	if e.deadline.Before(stop) {
		stop = e.deadline
	}
	n := map[int]int64{}
	for _, q := range reqs {
		if !e.t0.Add(q.At).Before(stop) {
			break
		}
		n[int(q.Step)]++
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for step, c := range n {
		e.unsent = append(e.unsent, schemas.StepCount{Step: step, N: c})
	}
	slices.SortFunc(e.unsent, func(x, y schemas.StepCount) int { return x.Step - y.Step })
}

// CheckReplay checks, before a run starts, that the prompt pool c
// rebuilds holds every prompt the replayed run sent (Run checks it again).
func (c *Config) CheckReplay() error {
	if c.Replay == nil {
		return nil
	}
	prompts := c.Prompts
	if len(prompts) == 0 {
		prompts = target.BuiltinPrompts()
	}
	pool, _ := c.Workload.Prompts(prompts, "", c.Seed)
	return c.Replay.checkPool(len(pool))
}
