package analyze

import (
	"fmt"
	"strings"
	"time"
)

// Shards of one run (docs/DISTRIBUTED.md) are N files with one run_id,
// each a recorder that ran its share of one global schedule from the same
// time zero, the shared --start-at written as every footer's started_at.
// What only the footers show is checked here: a shard that was not given,
// shards that did not start together, a shard that joined late and a
// shard whose generator sent late.

// ShardStartSpread is how far apart the shards' started_at may be before
// llmrep warns: more means a shard started late or its clock is off.
const ShardStartSpread = 100 * time.Millisecond

// MaxShardWarnings caps the warnings of one kind about shards: the rest
// are counted in the last one.
const MaxShardWarnings = 10

// shardWarnings returns the warnings about the shards of a.Run.
func shardWarnings(files []*inputFile) []string {
	if len(files) == 0 {
		return nil
	}
	var w []string
	n := files[0].meta.Shards
	if n > 1 {
		have := map[int]bool{}
		for _, f := range files {
			have[f.meta.Shard] = true
		}
		var missing []string
		for k := range n {
			if !have[k] {
				missing = append(missing, fmt.Sprintf("shard %d of %d is missing (the recorder run with --shard %d/%d)", k, n, k, n))
			}
		}
		if len(missing) > MaxShardWarnings {
			more := len(missing) - MaxShardWarnings
			missing = append(missing[:MaxShardWarnings], fmt.Sprintf("%d more shards of %d are missing", more, n))
		}
		for _, m := range missing {
			w = append(w, m+fmt.Sprintf(": its requests are in no figure (throughput is low by about 1/%d); give its file, or rebuild it with `llmrec recover` from its journal", n))
		}
	}
	if len(files) > 1 {
		first, last := files[0], files[0]
		for _, f := range files {
			if f.meta.StartedAt.Before(first.meta.StartedAt) {
				first = f
			}
			if f.meta.StartedAt.After(last.meta.StartedAt) {
				last = f
			}
		}
		if d := last.meta.StartedAt.Sub(first.meta.StartedAt); d > ShardStartSpread {
			w = append(w, fmt.Sprintf("the shards' start times differ by %s (shard %d at %s, shard %d at %s): they were not given the same --start-at, or a clock is off; users counts near step boundaries and the time series are off by as much",
				d.Round(time.Millisecond), first.meta.Shard, stamp(first.meta.StartedAt), last.meta.Shard, stamp(last.meta.StartedAt)))
		}
	}
	var late, lagged []string
	for _, f := range files {
		m := f.meta
		who := "the recorder"
		if n > 1 || len(files) > 1 {
			who = fmt.Sprintf("shard %d (%s)", m.Shard, f.arg)
		}
		if m.JoinedAt != nil {
			if d := m.JoinedAt.Sub(m.StartedAt); d >= ShardStartSpread {
				late = append(late, fmt.Sprintf("%s joined the schedule %s after its start (%s): the users it should have started before then started late, so the load ran below the users count until it joined; start every shard before --start-at",
					who, d.Round(time.Millisecond), stamp(m.StartedAt)))
			}
		}
		if len(files) > 1 && m.Generator.P99LagMS > LagThresholdMS {
			lagged = append(lagged, fmt.Sprintf("the load generator of %s sent late: p99 send lag %s (worst %s), over %s for more than %s of its requests; use fewer users per shard or more shards",
				who, fmtMS(m.Generator.P99LagMS), fmtMS(m.Generator.PeakLagMS), fmtMS(LagThresholdMS), fmtPct(LagWarnFraction)))
		}
	}
	w = append(w, capList(late, "shards joined late")...)
	w = append(w, capList(lagged, "shards' generators sent late")...)
	return w
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
