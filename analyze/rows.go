package analyze

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"time"

	"github.com/llmrec/llmrec/schemas"
)

// A run file's rows are checked against what schemas/FORMAT.md promises
// before they are loaded (run_rows in create.sql holds the conditions,
// invalid.sql counts them, load.sql leaves them out). A row breaks a
// promise when it belongs to another run or shard than its footer says,
// has a NULL where none is allowed, an absurd latency, step, users or send
// time, or repeats the seq of an earlier row; such a row is left out of
// every figure and counted in a warning. A row whose TTFT, token count or
// schedule is absurd is kept with that value read as absent (TTFT, tokens)
// or clamped (send lag), and counted too. No figure is then negative.

// MaxLatencyMS is the largest latency_ms a row may hold (about 11.6 days):
// a larger, negative or non-finite one is absurd and the row is left out.
// MinLatencyMS (1 ns, the recorder's clock resolution) is the smallest
// one but 0: a subnormal latency passed every other check and made
// tokens/s and ratios infinite. The fragment latency_valid holds both.
const (
	MaxLatencyMS = 1e9
	MinLatencyMS = 1e-6
)

// timeSlack is how far outside its footer's started_at to ended_at a
// row's start may lie (a wall clock stepped during the run) before the row
// is left out as sent outside the run, and how far its scheduled_at may
// be after its start or before the run's start before the clamped send
// lag is counted (the lag is clamped to [0, start - origin] whatever).
const timeSlack = time.Second

// rowCheck is what checking one file's rows found.
type rowCheck struct {
	foreign, nulls, badLatency, badShape, badTime, repeats int64 // left out
	badTTFT, badTokens, badLag                             int64 // read in part
}

// leftOut is the number of rows left out.
func (c rowCheck) leftOut() int64 {
	return c.foreign + c.nulls + c.badLatency + c.badShape + c.badTime + c.repeats
}

// rowArgs are run_rows' parameters for file i (create.sql): the file, its
// index, the footer's run_id (as written, before it was cleaned for
// printing) and shard, the earliest and latest start, the last step and
// the most users.
func rowArgs(i int, f *inputFile) []any {
	m := f.meta
	from, to := m.StartedAt.Add(-timeSlack).UnixMicro(), int64(math.MaxInt64)
	if m.EndedAt.After(m.StartedAt) {
		to = m.EndedAt.Add(timeSlack).UnixMicro()
	}
	return []any{escapeGlob(f.path), int32(i), f.runID, int32(m.Shard), from, to, maxStep(m), maxUsers(m)}
}

// maxStep is the last step a row of a run with footer m can hold: its
// steps (its step ends, or its duration in steps), plus one for a send
// racing the end; no bound when the footer gives neither.
func maxStep(m *schemas.RunMeta) int64 {
	if n := len(m.Shape.StepEndsS); n > 0 {
		return int64(n) + 1
	}
	st, d := m.Shape.StepTimeS, m.Shape.DurationS
	if st > 0 && d > 0 {
		if n := math.Ceil(d/st) + 1; n < math.MaxInt32 {
			return int64(n)
		}
	}
	return math.MaxInt32
}

// maxUsers is the most users a row of a run with footer m can hold: the
// shape's max_users for users with think time; requests in flight are at
// most max_concurrency, or the recorder's cap without one; no bound when
// the footer gives none.
func maxUsers(m *schemas.RunMeta) int64 {
	switch {
	case m.Shape.OpenLoop() && m.Shape.MaxConcurrency > 0:
		return int64(m.Shape.MaxConcurrency)
	case m.Shape.OpenLoop():
		return schemas.SafetyInFlight
	case m.Shape.MaxUsers > 0:
		return int64(m.Shape.MaxUsers)
	}
	return math.MaxInt32
}

// maxSeqBits bounds the bitmap seq_distinct.sql builds for a file of n
// kept rows: wider seq ranges (a hand-made file) are counted by a hash.
func maxSeqBits(n int64) int64 { return 64*n + 1<<20 }

// checkRows checks the rows of each file before it is loaded, marks the
// rows that repeat a seq (table repeats) and adds a warning per file that
// has rows left out or read in part, with the counts. origin is the run's
// time zero (µs since the epoch).
func (e *engine) checkRows(ctx context.Context, files []*inputFile, origin int64) error {
	for i, f := range files {
		if f.rows == 0 {
			continue
		}
		args := rowArgs(i, f)
		var c rowCheck
		var kept, minSeq, maxSeq, inRange, distinct int64
		err := e.conn.QueryRowContext(ctx, query("invalid.sql"), append(args, origin, f.rows-1, timeSlack.Microseconds())...).Scan(
			&c.foreign, &c.nulls, &c.badLatency, &c.badShape, &c.badTime, &c.badTTFT, &c.badTokens, &c.badLag,
			&kept, &minSeq, &maxSeq, &inRange, &distinct)
		if err == nil && inRange < kept {
			// Some seq fall outside 0 to rows-1 (gaps, or a hand-made file).
			if maxSeq-minSeq < maxSeqBits(kept) {
				err = e.conn.QueryRowContext(ctx, query("seq_distinct.sql"), append(args, minSeq, maxSeq)...).Scan(&distinct)
			} else {
				err = e.conn.QueryRowContext(ctx, query("seq_distinct_sparse.sql"), args...).Scan(&distinct)
			}
		}
		if err == nil && distinct < kept {
			c.repeats = kept - distinct
			_, err = e.conn.ExecContext(ctx, query("repeats.sql"), args...)
		}
		if err != nil {
			return e.readError(ctx, f, err)
		}
		f.warnings = append(f.warnings, TextWarnings(c.warnings(f)...)...)
	}
	return nil
}

// warnings are the warnings about one file's rows: one for the rows left
// out, one for those read in part; none when every row is as promised.
func (c rowCheck) warnings(f *inputFile) []string {
	name := filepath.Base(f.path)
	var w []string
	if n := c.leftOut(); n > 0 {
		m := f.meta
		var why []string
		for _, r := range []struct {
			n    int64
			what string
		}{
			{c.foreign, fmt.Sprintf("with a run_id or shard other than its footer's (run %q, shard %d)", m.RunID, m.Shard)},
			{c.nulls, "with a NULL where the format allows none"},
			{c.badLatency, fmt.Sprintf("with a latency_ms that is negative, under %g ms (1 ns) but not 0, not finite or over %.0e ms", MinLatencyMS, MaxLatencyMS)},
			{c.badShape, fmt.Sprintf("with a step or users outside the run's shape (%s)", shapeBounds(m))},
			{c.badTime, "sent outside the run's time (started_at to ended_at)"},
			{c.repeats, "repeating the seq of an earlier row"},
		} {
			if r.n > 0 {
				why = append(why, fmt.Sprintf("%d %s", r.n, r.what))
			}
		}
		w = append(w, fmt.Sprintf("%s: %d of %d rows were left out: %s", name, n, f.rows, strings.Join(why, ", ")))
	}
	if c.badTTFT+c.badTokens > 0 {
		w = append(w, fmt.Sprintf("%s: %d rows with a ttft_ms that is negative, not finite or over their latency_ms, and %d with a negative token count, were read as having none",
			name, c.badTTFT, c.badTokens))
	}
	if c.badLag > 0 {
		w = append(w, fmt.Sprintf("%s: %d rows with a scheduled_at more than %s after their start or before the run's start: their send lag was clamped to the run's time",
			name, c.badLag, timeSlack))
	}
	return w
}

// shapeBounds says the steps and users a row of footer m may hold.
func shapeBounds(m *schemas.RunMeta) string {
	steps, users := "steps from 1", "users from 0"
	if s := maxStep(m); s < math.MaxInt32 {
		steps = fmt.Sprintf("steps 1 to %d", s)
	}
	if u := maxUsers(m); u < math.MaxInt32 {
		users = fmt.Sprintf("0 to %d users", u)
	}
	return steps + ", " + users
}
