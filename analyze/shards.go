package analyze

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/llmrec/llmrec/schemas"
)

// Shards of one run (docs/DISTRIBUTED.md) are N files with one run_id,
// each a recorder that ran its share of one global schedule from the same
// time zero, the shared --start-at written as every footer's started_at.
// That they belong together (same N, start, shape, target…) is checked
// when they are opened (checkOneRun); what only the footers show is
// warned about here: a shard that was not given, a shard that joined late
// and a shard whose generator sent late.

// MaxShardWarnings caps the warnings of one kind about shards: the rest
// are counted in the last one.
const MaxShardWarnings = 10

// shardWarnings returns the warnings about the shards of a run, files
// being its shards in shard order (distinct indices in [0, N): see
// checkOneRun and schemas.RunMeta.CheckShard). The missing shards are
// counted, not listed, past MaxShardWarnings, so the work is bounded by
// the files given whatever N a footer claims; canceling ctx stops it.
func shardWarnings(ctx context.Context, files []*inputFile) ([]string, error) {
	if len(files) == 0 {
		return nil, nil
	}
	var w []string
	n := files[0].meta.Shards
	if missing := n - len(files); missing > 0 {
		var list []string
		next := 0 // files[next] is the first shard at or after k
		for k := 0; k < n && len(list) < MaxShardWarnings; k++ {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if next < len(files) && files[next].meta.Shard == k {
				next++
				continue
			}
			list = append(list, fmt.Sprintf("shard %d of %d is missing (the recorder run with --shard %d/%d)", k, n, k, n))
		}
		if more := missing - len(list); more > 0 {
			list = append(list, fmt.Sprintf("%d more shards of %d are missing", more, n))
		}
		for _, m := range list {
			w = append(w, m+fmt.Sprintf(": its requests are in no figure (throughput is low by about 1/%d); give its file, or rebuild it with `llmrec recover` from its journal", n))
		}
	}
	var late, lagged []string
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		m := f.meta
		who := "the recorder"
		if n > 1 || len(files) > 1 {
			who = fmt.Sprintf("shard %d (%s)", m.Shard, f.arg)
		}
		if m.JoinedAt != nil {
			if d := m.JoinedAt.Sub(m.StartedAt); d >= LateJoinThreshold {
				late = append(late, lateWarning(who, d, m))
			}
		}
		if len(files) > 1 && m.Generator.P99LagMS > LagThresholdMS {
			lagged = append(lagged, fmt.Sprintf("the load generator of %s sent late: p99 send lag %s (worst %s), over %s for more than %s of its requests; use fewer users per shard or more shards",
				who, fmtMS(m.Generator.P99LagMS), fmtMS(m.Generator.PeakLagMS), fmtMS(LagThresholdMS), fmtPct(LagWarnFraction)))
		}
	}
	w = append(w, capList(late, "shards joined late")...)
	w = append(w, capList(lagged, "shards' generators sent late")...)
	return w, nil
}

// LateJoinThreshold is how late a shard may join its schedule before llmrep
// warns.
const LateJoinThreshold = 100 * time.Millisecond

// lateWarning is the warning about who, which joined the schedule of
// footer m d after its start: the load ran below the users count until
// then; after the schedule's end, it sent nothing at all.
func lateWarning(who string, d time.Duration, m *schemas.RunMeta) string {
	total := time.Duration(m.Shape.DurationS * float64(time.Second))
	sh := Shape(m.Shape)
	step := time.Duration(sh.stepLength(1) * float64(time.Second)) // the first step's length
	switch {
	case total > 0 && d >= total:
		return fmt.Sprintf("%s joined the schedule %s after its start (%s), after the schedule's end: it sent nothing, and its share of the load is in no figure; start every shard before --start-at",
			who, d.Round(time.Millisecond), stamp(m.StartedAt))
	case step > 0 && d > step:
		return fmt.Sprintf("%s joined the schedule %s after its start (%s), in step %d: the users it should have started before then started late, so the load ran below the users count for more than a step; start every shard before --start-at",
			who, d.Round(time.Millisecond), stamp(m.StartedAt), sh.stepOf(d.Seconds()))
	}
	return fmt.Sprintf("%s joined the schedule %s after its start (%s): the users it should have started before then started late, so the load ran below the users count until it joined; start every shard before --start-at",
		who, d.Round(time.Millisecond), stamp(m.StartedAt))
}

// capList keeps the first MaxShardWarnings of list and counts the rest.
func capList(list []string, what string) []string {
	if len(list) <= MaxShardWarnings {
		return list
	}
	return append(list[:MaxShardWarnings], fmt.Sprintf("%d more %s", len(list)-MaxShardWarnings, what))
}

func stamp(t time.Time) string {
	return strings.Replace(t.UTC().Format("2006-01-02T15:04:05.000Z07:00"), ".000Z", "Z", 1)
}
