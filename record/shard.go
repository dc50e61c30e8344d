package record

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/llmrec/llmrec/schemas"
)

// Sharding splits one global schedule over several recorders, each a
// shard that runs its share of the load and writes its own run file
// (docs/DISTRIBUTED.md). The zero value is one recorder running the whole
// schedule from the moment Run starts.
type Sharding struct {
	// Index is this recorder's shard, 0 ≤ Index < Count.
	Index int
	// Count is the number of shards; 0 or 1 means one recorder.
	Count int
	// StartAt is the schedule's time zero, the same instant for every
	// shard; the zero time means when Run starts.
	StartAt time.Time
	// RunID is the run id every shard writes; empty: derived from StartAt
	// and the shape when the run is sharded, else a fresh random one.
	RunID string
}

// Shards is the number of shards, at least 1.
func (s Sharding) Shards() int { return max(s.Count, 1) }

// Sharded reports whether the schedule is split over several recorders.
func (s Sharding) Sharded() bool { return s.Count > 1 }

// String is "shard I/N", as the status line and the summary say it.
func (s Sharding) String() string { return fmt.Sprintf("shard %d/%d", s.Index, s.Shards()) }

// validate adds the problems of s to bad.
func (s Sharding) validate(bad func(field, format string, a ...any)) {
	if s.Count < 0 || s.Count > schemas.MaxShards || s.Index < 0 || s.Index >= s.Shards() {
		bad("Shard.Index", "must satisfy 0 ≤ I < N ≤ %d, got %d/%d", schemas.MaxShards, s.Index, s.Count)
	}
	if s.Count > 1 && s.StartAt.IsZero() {
		bad("Shard.StartAt", "is required when the run has %d shards: every shard needs the same time zero", s.Count)
	}
	if s.RunID != "" && !ValidRunID(s.RunID) {
		bad("Shard.RunID", "must be 1 to %d letters, digits, '.', '_' or '-', starting with a letter or a digit", MaxRunIDLen)
	}
}

// MaxRunIDLen bounds a run id given by the user, in bytes.
const MaxRunIDLen = 128

// ValidRunID reports whether id is a run id the recorder writes: 1 to
// MaxRunIDLen ASCII letters, digits, '.', '_' and '-', the first a letter
// or a digit. The id is printed in every report and is the first cell of
// every exported row: no control character, markup, spreadsheet formula
// ("=HYPERLINK(...)") or option-like "-x" can come from it.
func ValidRunID(id string) bool {
	if id == "" || len(id) > MaxRunIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case i > 0 && (c == '.' || c == '_' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// CheckStart checks, at now, that the schedule has not already ended: a
// recorder begun after its whole schedule would send nothing and end as
// completed. A Shard.StartAt whose schedule ends at or before now is a
// *FieldError of Shard.StartAt.
func (c *Config) CheckStart(now time.Time) error {
	at := c.Shard.StartAt
	if at.IsZero() {
		return nil
	}
	end := at.Add(c.total())
	if now.Before(end) {
		return nil
	}
	return &FieldError{Field: "Shard.StartAt", Problem: fmt.Sprintf(
		"%s is %s in the past: the whole schedule (%s) ended at %s, so this recorder would send nothing; give every shard the same start-at in the future",
		at.UTC().Format(time.RFC3339Nano), now.Sub(at).Round(time.Second), c.total(), end.UTC().Format(time.RFC3339Nano))}
}

// LateJoin is how late a recorder may begin its schedule and still count
// as on time: below it, a late start is not worth a warning (llmrep warns
// about shard start times more than this apart, too).
const LateJoin = 100 * time.Millisecond

// globalUsers is the closed-loop schedule split over the shards: every
// user the shape starts, in start order (ties by spawn index), so that
// global user j (0-based) is the j-th to start. Shape.UserStart is not
// monotone in its index when a step's spawning outlasts the step, hence
// the sort.
type globalUsers struct {
	starts []time.Duration // sorted: starts[j] is global user j's start
	mine   []int           // the global users j of this shard: j mod N = Index
}

func newGlobalUsers(s Shape, sh Sharding) *globalUsers {
	type u struct {
		at time.Duration
		i  int
	}
	var all []u
	for i := range s.MaxUsers {
		if at, ok := s.UserStart(i); ok { // not monotone: a later index may start earlier
			all = append(all, u{at, i})
		}
	}
	slices.SortStableFunc(all, func(a, b u) int { return cmp.Compare(a.at, b.at) })
	g := &globalUsers{starts: make([]time.Duration, len(all))}
	n := sh.Shards()
	for j, x := range all {
		g.starts[j] = x.at
		if j%n == sh.Index {
			g.mine = append(g.mine, j)
		}
	}
	return g
}

// startedBy is the number of global users the schedule has started at
// elapsed: the `users` of a row in a sharded run.
func (g *globalUsers) startedBy(elapsed time.Duration) int {
	return sort.Search(len(g.starts), func(j int) bool { return g.starts[j] > elapsed })
}

// derivedRunID is the run id every shard computes alike from the flags
// they share: the start instant, the number of shards, the shape and what
// is load-tested. Shards started with the same flags agree on it without
// talking to each other.
func derivedRunID(cfg *Config, target string) string {
	h := sha256.New()
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(cfg.Shard.StartAt.UnixNano()))
	h.Write(b[:])
	s := cfg.Shape
	fmt.Fprintf(h, "|%d|%s|%d|%d|%d|%g|%d|%d|%d|%s|%s|%s|%d|%t|%d", cfg.Shard.Shards(), cfg.Profile, s.StepUsers, s.StepTime,
		s.MaxUsers, s.SpawnRate, s.Duration, cfg.WaitMin, cfg.WaitMax, cfg.API, target, cfg.Model, cfg.MaxTokens, cfg.Stream, cfg.Seed)
	if cfg.open() {
		o := cfg.OpenLoop
		fmt.Fprintf(h, "|%s|%g|%g|%g|%d|%d|%g|%d|%d", o.Kind, o.Rate, o.StepRate, o.MaxRate, o.StepTime, o.Duration, o.Burstiness, o.MaxConcurrency, o.Seed)
	}
	if cfg.Replay != nil {
		fmt.Fprintf(h, "|replay|%s", cfg.Replay.Of.RunID) // never the original's id
	}
	return fmt.Sprintf("%s-%x", cfg.Shard.StartAt.UTC().Format("20060102T150405Z"), h.Sum(nil)[:8])
}

// derivedSeed is the open loop's arrival seed when the shards of a run
// were given none: every shard computes it alike from the flags they
// share (the start instant, N, the open loop's settings and what is
// load-tested), so they draw one global arrival sequence and record the
// same seed. It is never 0.
func derivedSeed(cfg *Config) int64 {
	h := sha256.New()
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(cfg.Shard.StartAt.UnixNano()))
	h.Write(b[:])
	o := cfg.OpenLoop
	fmt.Fprintf(h, "|%d|%s|%g|%g|%g|%d|%d|%g|%d|%s|%s|%d", cfg.Shard.Shards(), o.Kind, o.Rate, o.StepRate, o.MaxRate,
		o.StepTime, o.Duration, o.Burstiness, o.MaxConcurrency, cfg.API, cfg.Model, cfg.MaxTokens)
	return int64(binary.BigEndian.Uint64(h.Sum(nil))>>1) | 1
}

// ShardUsers is this recorder's share of the closed-loop schedule: the
// users it runs and the users the schedule starts over every shard.
func (c *Config) ShardUsers() (mine, planned int) {
	g := newGlobalUsers(c.Shape, c.Shard)
	return len(g.mine), len(g.starts)
}
