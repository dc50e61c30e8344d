package schemas

import (
	"reflect"
	"testing"
)

// TestMetaOpenLoopFields: metadata written before the open-loop, workload
// and estimate fields existed still decodes (closed loop, nothing
// estimated), and the new fields round-trip.
func TestMetaOpenLoopFields(t *testing.T) {
	old := `{"run_id":"r","tool_version":"v","started_at":"2026-01-01T00:00:00Z","ended_at":"2026-01-01T00:01:00Z","end_reason":"completed","target":"t","api":"openai-chat","model":"m","stream":true,"max_tokens":128,"labels":{},"hostname":"h","shard":0,"shards":1,"shape":{"profile":"default","step_users":10,"step_time_s":60,"max_users":100,"spawn_rate":10,"duration_s":0,"wait_min_s":0.1,"wait_max_s":0.5,"stop_on_saturation":false},"timeouts":{"timeout_s":120,"idle_timeout_s":30,"grace_s":30},"generator":{"gomaxprocs":2,"peak_cpu":0,"mean_cpu":0,"peak_lag_ms":0,"p99_lag_ms":0,"peak_goroutines":0},"requests":5}`
	m, err := DecodeMeta("1", old)
	if err != nil {
		t.Fatal(err)
	}
	if m.Shape.OpenLoop() || m.Shape.Arrival != "" || m.Workload != nil || m.EstimatedOutputRows != 0 {
		t.Errorf("old metadata: shape %+v workload %v estimated %d, want a closed loop without workload or estimates", m.Shape, m.Workload, m.EstimatedOutputRows)
	}

	m.Shape.Arrival, m.Shape.Rate, m.Shape.StepRate, m.Shape.MaxRate = ArrivalPoisson, 5, 5, 20
	m.Shape.Burstiness, m.Shape.MaxConcurrency, m.Shape.Seed = 0.5, 64, 9
	m.Workload = &Workload{InputTokens: "512", OutputTokens: "100-200", IgnoreEOS: true, Prompts: "synthetic", Seed: 9}
	m.EstimatedOutputRows = 42
	s, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodeMeta("1", s)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, m) || !back.Shape.OpenLoop() {
		t.Errorf("round trip:\n got %+v\nwant %+v", back, m)
	}
}
