package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/llmrec/llmrec/analyze/analyzetest"
)

// TestSLOFlags: --slo and --slo-target on analyze, compare and check:
// repeated --slo flags merge, bad values exit 2 with one line, and
// check gates on capacity.
func TestSLOFlags(t *testing.T) {
	runs := specRuns(t, analyzetest.A, analyzetest.Slower)
	a, b := runs[analyzetest.A.RunID], runs[analyzetest.Slower.RunID]

	stdout, stderr, code := run(t, "analyze", a, "--warmup", "0s", "--slo", "ttft=150ms", "--slo", "latency=1s", "--slo-target", "95%", "--format", "json", "-o", "-")
	if code != 0 {
		t.Fatalf("analyze --slo: status %d: %s", code, stderr)
	}
	var doc struct {
		Settings struct {
			SLO       map[string]*float64 `json:"slo"`
			SLOTarget float64             `json:"slo_target"`
		} `json:"settings"`
		Capacity struct {
			LevelKind string   `json:"level_kind"`
			Level     *float64 `json:"level"`
		} `json:"capacity"`
		Overall struct {
			Good int64 `json:"good"`
		} `json:"overall"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	s := doc.Settings.SLO
	if s["ttft_ms"] == nil || *s["ttft_ms"] != 150 || s["latency_ms"] == nil || *s["latency_ms"] != 1000 || s["itl_ms"] != nil || doc.Settings.SLOTarget != 0.95 {
		t.Errorf("settings %+v target %v: the two --slo flags were not merged", s, doc.Settings.SLOTarget)
	}
	if doc.Capacity.LevelKind != "users" || doc.Capacity.Level == nil || doc.Overall.Good == 0 {
		t.Errorf("capacity %+v, good %d", doc.Capacity, doc.Overall.Good)
	}

	stdout, stderr, code = run(t, "analyze", a, "--warmup", "0s", "--slo", "ttft=150ms", "-o", "-")
	if code != 0 || !strings.Contains(stdout, "capacity   ") || !strings.Contains(stdout, "30 users within SLO. TTFT ≤ 150 ms for 90% of requests") {
		t.Errorf("text report: status %d, no capacity sentence: %s%s", code, stdout, stderr)
	}

	for _, cmd := range [][]string{{"analyze", a}, {"compare", a, b}, {"check", a, "--max", "p95=1s"}} {
		for _, bad := range [][]string{{"--slo", "ttft=5xx"}, {"--slo", "p95=1s"}, {"--slo", ""}, {"--slo-target", "120%"}, {"--slo-target", "0"}} {
			args := append(append([]string{}, cmd...), bad...)
			_, stderr, code := run(t, args...)
			if code != 2 || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.Contains(stderr, bad[0]) {
				t.Errorf("%q: status %d, stderr %q: want 2 and one line naming the flag", args, code, stderr)
			}
		}
	}

	stdout, stderr, code = run(t, "compare", a, b, "--warmup", "0s", "--slo", "ttft=150ms", "-o", "-")
	if code != 0 || !strings.Contains(stdout, "GOODPUT") || !strings.Contains(stdout, "CAPACITY") {
		t.Errorf("compare --slo: status %d: %s%s", code, stdout, stderr)
	}

	for _, c := range []struct {
		gate string
		want int
	}{{"capacity=20", 0}, {"capacity=40", 1}, {"slo_attainment@10=90%", 0}, {"slo_attainment@40=90%", 1}} {
		stdout, stderr, code := run(t, "check", a, "--warmup", "0s", "--slo", "ttft=150ms,latency=1s", "--min", c.gate)
		if code != c.want {
			t.Errorf("check --min %s: status %d, want %d: %s%s", c.gate, code, c.want, stdout, stderr)
		}
	}
}
