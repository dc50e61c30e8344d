package analyze

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"testing"
)

var updateV1 = flag.Bool("update-v1", false, "rewrite testdata/v1-closed.golden.json from the current analyzer")

// TestV1FileBeforeOpenLoops: testdata/v1-closed.parquet was written by the
// recorder before open loops, workloads and token estimates existed (a
// closed run of 2 then 4 users against the simulator, seed 7), and its
// golden figures by the analyzer of that time. The file must still read
// as a closed run with server-counted tokens and give the same figures.
func TestV1FileBeforeOpenLoops(t *testing.T) {
	o := DefaultOptions()
	o.Warmup, o.Threads = 0, 2
	a, err := Analyze(context.Background(), o, "testdata/v1-closed.parquet")
	if err != nil {
		t.Fatal(err)
	}
	if a.Run.OpenLoop() || a.Run.EstimatedOutputRows != 0 || (a.LLM != nil && a.LLM.OutputEstimated) {
		t.Errorf("old file read as open loop %v or with estimates %d", a.Run.OpenLoop(), a.Run.EstimatedOutputRows)
	}
	out := map[string]any{"overall": a.Overall, "steps": a.Steps, "baseline": a.Baseline, "llm": a.LLM,
		"saturation_reached": a.Saturation.Reached, "lag": a.Lag, "shape": a.Run.Shape}
	got, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	const golden = "testdata/v1-closed.golden.json"
	if *updateV1 {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("figures of the old file changed:\n got %s\nwant %s", got, want)
	}
}
