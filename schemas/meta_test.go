package schemas

import (
	"strings"
	"testing"
)

// TestCheckShard: a footer's shard fields must say shard I of N with
// 1 ≤ N ≤ MaxShards and 0 ≤ I < N; anything else is refused with a reason
// that quotes the numbers.
func TestCheckShard(t *testing.T) {
	for _, tc := range []struct {
		shard, shards int
		want          string // "" when accepted
	}{
		{0, 1, ""},
		{2, 3, ""},
		{MaxShards - 1, MaxShards, ""},
		{0, 0, "the run has 0 shards"},
		{0, -4, "the run has -4 shards"},
		{0, 2000000000, "the run has 2000000000 shards; a run has 1 to 10000"},
		{0, MaxShards + 1, "the run has 10001 shards"},
		{3, 3, "it is shard 3 of 3; a shard is 0 to 2"},
		{-1, 3, "it is shard -1 of 3"},
	} {
		m := &RunMeta{Shard: tc.shard, Shards: tc.shards}
		err := m.CheckShard()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("shard %d of %d: %v", tc.shard, tc.shards, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("shard %d of %d: %v; want an error with %q", tc.shard, tc.shards, err, tc.want)
		}
	}
}
