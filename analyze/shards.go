package analyze

import (
	"context"
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
func shardWarnings(ctx context.Context, files []*inputFile) ([]Warning, error) {
	if len(files) == 0 {
		return nil, nil
	}
	var w []Warning
	n := files[0].meta.Shards
	if missing := n - len(files); missing > 0 {
		var list []Warning
		next := 0 // files[next] is the first shard at or after k
		for k := 0; k < n && len(list) < MaxShardWarnings; k++ {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if next < len(files) && files[next].meta.Shard == k {
				next++
				continue
			}
			list = append(list, Warning{Fact: MissingShardFact{Shard: k, Shards: n}})
		}
		if more := missing - len(list); more > 0 {
			list = append(list, Warning{Fact: MissingShardFact{Shards: n, More: more}})
		}
		w = append(w, list...)
	}
	var late, lagged []Warning
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		m := f.meta
		if m.JoinedAt != nil {
			if d := m.JoinedAt.Sub(m.StartedAt); d >= LateJoinThreshold {
				late = append(late, Warning{Fact: lateJoin(d, m, f.arg, n > 1 || len(files) > 1)})
			}
		}
		if len(files) > 1 && m.Generator.P99LagMS > LagThresholdMS {
			lagged = append(lagged, Warning{Fact: GeneratorLagFact{Shard: m.Shard, File: f.arg, P99MS: m.Generator.P99LagMS, PeakMS: m.Generator.PeakLagMS}})
		}
	}
	w = append(w, capList(late, MoreJoinedLate)...)
	w = append(w, capList(lagged, MoreSentLate)...)
	return w, nil
}

// LateJoinThreshold is how late a shard may join its schedule before llmrep
// warns.
const LateJoinThreshold = 100 * time.Millisecond

// lateJoin is the warning about the recorder of footer m (file, named
// when the run has several), which joined the schedule d after its start:
// the load ran below the users count until then; after the schedule's
// end, it sent nothing at all.
func lateJoin(d time.Duration, m *schemas.RunMeta, file string, named bool) LateJoinFact {
	f := LateJoinFact{Shard: m.Shard, File: file, Named: named, Late: d, StartedAt: m.StartedAt}
	total := time.Duration(m.Shape.DurationS * float64(time.Second))
	sh := Shape(m.Shape)
	step := time.Duration(sh.stepLength(1) * float64(time.Second)) // the first step's length
	switch {
	case total > 0 && d >= total:
		f.AfterEnd = true
	case step > 0 && d > step:
		f.InStep = sh.stepOf(d.Seconds())
	}
	return f
}

// capList keeps the first MaxShardWarnings of list and counts the rest
// (of: MoreJoinedLate, MoreSentLate).
func capList(list []Warning, of string) []Warning {
	if len(list) <= MaxShardWarnings {
		return list
	}
	return append(list[:MaxShardWarnings], Warning{Fact: MoreShardsFact{N: len(list) - MaxShardWarnings, Of: of}})
}
