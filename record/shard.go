package record

import "time"

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
