package analyze

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/llmrec/llmrec/schemas"
)

// TestShardWarnings: the shards' footers are checked against each other:
// each missing shard is named, start times more than 100 ms apart, a shard
// that joined late and a shard whose generator sent late are warned about,
// and a run whose shards are all there on time has none of these.
func TestShardWarnings(t *testing.T) {
	reqs := stepReqs(10, []stepSpec{{users: 10, lats: lats(40, 100, 40)}, {users: 20, lats: lats(60, 200, 40)}})
	type shard struct {
		index int
		edit  func(*schemas.RunMeta)
	}
	on := func(ks ...int) []shard {
		var out []shard
		for _, k := range ks {
			out = append(out, shard{index: k})
		}
		return out
	}
	tests := []struct {
		name   string
		n      int
		shards []shard
		want   []string // every shard warning, in order
	}{
		{"all there", 3, on(0, 1, 2), nil},
		{"one missing", 3, on(0, 2), []string{"MissingShardFact{Shard:1 Shards:3 More:0}"}},
		{"two missing", 5, on(1, 2, 4), []string{"MissingShardFact{Shard:0 Shards:5 More:0}", "MissingShardFact{Shard:3 Shards:5 More:0}"}},
		{"many missing", 20, on(0), append(func() []string {
			var w []string
			for k := 1; k <= MaxShardWarnings; k++ {
				w = append(w, fmt.Sprintf("MissingShardFact{Shard:%d Shards:20 More:0}", k))
			}
			return w
		}(), "MissingShardFact{Shard:0 Shards:20 More:9}")},
		{"ten thousand shards, one given", schemas.MaxShards, on(0), append(func() []string {
			var w []string
			for k := 1; k <= MaxShardWarnings; k++ {
				w = append(w, fmt.Sprintf("MissingShardFact{Shard:%d Shards:10000 More:0}", k))
			}
			return w
		}(), "MissingShardFact{Shard:0 Shards:10000 More:9989}")},
		{"joined late", 2, []shard{{0, nil}, {1, func(m *schemas.RunMeta) { j := m.StartedAt.Add(2 * time.Second); m.JoinedAt = &j }}},
			[]string{"LateJoinFact{Shard:1 File:", "shard-1.parquet Named:true Late:2s StartedAt:2026-01-02 03:04:05 +0000 UTC AfterEnd:false InStep:0}"}},
		{"joined more than a step late", 2, []shard{{0, nil}, {1, func(m *schemas.RunMeta) { j := m.StartedAt.Add(12 * time.Second); m.JoinedAt = &j }}},
			[]string{"LateJoinFact{Shard:1 File:", "shard-1.parquet Named:true Late:12s StartedAt:2026-01-02 03:04:05 +0000 UTC AfterEnd:false InStep:2}"}},
		{"joined after the end", 2, []shard{{0, nil}, {1, func(m *schemas.RunMeta) { j := m.StartedAt.Add(25 * time.Second); m.JoinedAt = &j }}},
			[]string{"LateJoinFact{Shard:1 File:", "shard-1.parquet Named:true Late:25s StartedAt:2026-01-02 03:04:05 +0000 UTC AfterEnd:true InStep:0}"}},
		{"joined on time", 2, []shard{{0, nil}, {1, func(m *schemas.RunMeta) { j := m.StartedAt.Add(3 * time.Millisecond); m.JoinedAt = &j }}}, nil},
		{"generator lagged", 3, []shard{{0, nil}, {1, nil}, {2, func(m *schemas.RunMeta) { m.Generator.P99LagMS, m.Generator.PeakLagMS = 350, 900 }}},
			[]string{"analyze.GeneratorLagFact{Shard:2 File:", "shard-2.parquet P99MS:350 PeakMS:900}"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var paths []string
			for _, sh := range tt.shards {
				m := testMeta("run-sharded", 10, 20)
				m.Shape.DurationS = 20
				m.Shard, m.Shards = sh.index, tt.n
				m.Hostname = fmt.Sprintf("host-%d", sh.index)
				if sh.edit != nil {
					sh.edit(m)
				}
				var mine []req
				for i, r := range reqs {
					if i%len(tt.shards) == len(paths) {
						mine = append(mine, r)
					}
				}
				paths = append(paths, writeRun(t, filepath.Join(dir, fmt.Sprintf("shard-%d.parquet", sh.index)), m, mine))
			}
			a, err := Analyze(context.Background(), testOptions(0, 5*time.Second), filepath.Join(dir, "shard-*.parquet"))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, w := range texts(a.Warnings) {
				if strings.Contains(w, "Shard") {
					got = append(got, w)
				}
			}
			if tt.want == nil {
				if len(got) > 0 {
					t.Fatalf("warnings %q; want none about shards", got)
				}
				return
			}
			// Each wanted fragment is in a warning, in order; the count of
			// warnings is the count of distinct leading fragments.
			joined := strings.Join(got, "\n")
			at := 0
			for _, w := range tt.want {
				i := strings.Index(joined[at:], w)
				if i < 0 {
					t.Fatalf("warnings:\n%s\nwant, in order, %q", joined, tt.want)
				}
				at += i + len(w)
			}
			if (tt.name == "many missing" || strings.Contains(tt.name, "one given")) && len(got) != MaxShardWarnings+1 {
				t.Errorf("%d warnings; want %d and a count of the rest", len(got), MaxShardWarnings+1)
			}
			if slices.ContainsFunc(got, func(w string) bool { return strings.Contains(w, "MissingShardFact") }) && tt.n == len(tt.shards) {
				t.Errorf("a missing-shard warning with every shard given: %q", got)
			}
			if a.Run.Rows != int64(len(reqs)) || len(a.Run.Shards) != len(tt.shards) || a.Run.Shards[0].Hostname != fmt.Sprintf("host-%d", tt.shards[0].index) {
				t.Errorf("run rows %d, shards %+v", a.Run.Rows, a.Run.Shards)
			}
		})
	}
}
