package analyze

import (
	"context"
	"math"
	"path/filepath"
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

// TimeSlack is how far outside its footer's started_at to ended_at a
// row's start may lie (a wall clock stepped during the run) before the row
// is left out as sent outside the run, and how far its scheduled_at may
// be after its start or before the run's start before the clamped send
// lag is counted (the lag is clamped to [0, start - origin] whatever).
const TimeSlack = time.Second

// RowCounts are what checking one file's rows found: the rows left out
// (Foreign to Repeats) and those read in part (BadTTFT to BadLag), by
// reason (RowsFact).
type RowCounts struct {
	Foreign    int64 // a run_id or shard other than the footer's
	Nulls      int64 // a NULL where the format allows none
	BadLatency int64 // a latency_ms negative, under MinLatencyMS but not 0, not finite or over MaxLatencyMS
	BadShape   int64 // a step or users outside the run's shape
	BadTime    int64 // sent outside the run's time
	Repeats    int64 // repeating the seq of an earlier row
	BadTTFT    int64 // a ttft_ms negative, not finite or over the latency_ms: read as none
	BadTokens  int64 // a negative token count: read as none
	BadLag     int64 // a scheduled_at over TimeSlack after the start or before the run's: send lag clamped
}

// LeftOut is the number of rows left out.
func (c RowCounts) LeftOut() int64 {
	return c.Foreign + c.Nulls + c.BadLatency + c.BadShape + c.BadTime + c.Repeats
}

// rowArgs are run_rows' parameters for file i (create.sql): the file, its
// index, the footer's run_id (as written, before it was cleaned for
// printing) and shard, the earliest and latest start, the last step and
// the most users.
func rowArgs(i int, f *inputFile) []any {
	m := f.meta
	from, to := m.StartedAt.Add(-TimeSlack).UnixMicro(), int64(math.MaxInt64)
	if m.EndedAt.After(m.StartedAt) {
		to = m.EndedAt.Add(TimeSlack).UnixMicro()
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
		var c RowCounts
		var kept, minSeq, maxSeq, inRange, distinct int64
		err := e.conn.QueryRowContext(ctx, query("invalid.sql"), append(args, origin, f.rows-1, TimeSlack.Microseconds())...).Scan(
			&c.Foreign, &c.Nulls, &c.BadLatency, &c.BadShape, &c.BadTime, &c.BadTTFT, &c.BadTokens, &c.BadLag,
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
			c.Repeats = kept - distinct
			_, err = e.conn.ExecContext(ctx, query("repeats.sql"), args...)
		}
		if err != nil {
			return e.readError(ctx, f, err)
		}
		f.warnings = append(f.warnings, rowWarnings(c, f)...)
	}
	return nil
}

// rowWarnings are the warnings about one file's rows: one for the rows
// left out, one for those read as having no TTFT or tokens, one for those
// whose send lag was clamped; none when every row is as promised.
func rowWarnings(c RowCounts, f *inputFile) []Warning {
	fact := RowsFact{File: filepath.Base(f.path), Rows: f.rows, RowCounts: c, RunID: f.meta.RunID, Shard: f.meta.Shard}
	if s := maxStep(f.meta); s < math.MaxInt32 {
		fact.MaxStep = s
	}
	if u := maxUsers(f.meta); u < math.MaxInt32 {
		fact.MaxUsers = u
	}
	var w []Warning
	for _, k := range []struct {
		kind string
		n    int64
	}{{RowsLeftOut, c.LeftOut()}, {RowsReadAsNone, c.BadTTFT + c.BadTokens}, {RowsLagClamped, c.BadLag}} {
		if k.n > 0 {
			fact.Kind = k.kind
			w = append(w, Warning{Fact: fact})
		}
	}
	return w
}
