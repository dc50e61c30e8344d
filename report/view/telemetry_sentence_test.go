package view

import (
	"strings"
	"testing"

	"github.com/llmrec/llmrec/analyze"
)

// TestTelemetrySentence: the server signals that moved with saturation,
// against the baseline step, then where each began; without saturation
// the highest level's figures; and what is said when nothing can be.
func TestTelemetrySentence(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	i := func(x int) *int { return &x }
	// The steps of analyze's telemetry fixture: 10 to 40 users, the
	// queue and the KV cache filling, preemptions at the last step.
	steps := []analyze.TelemetryStep{
		{Step: 1, Level: 10, WaitingMax: f(0), KVCacheMax: f(0.3), PreemptionsPerS: f(0)},
		{Step: 2, Level: 20, WaitingMax: f(0), KVCacheMax: f(0.5), PreemptionsPerS: f(0)},
		{Step: 3, Level: 30, WaitingMax: f(2), KVCacheMax: f(0.8), PreemptionsPerS: f(0)},
		{Step: 4, Level: 40, WaitingMax: f(12), KVCacheMax: f(0.98), PreemptionsPerS: f(2)},
	}
	calm := []analyze.TelemetryStep{
		{Step: 1, Level: 2.5, WaitingMax: f(0), KVCacheMax: f(0.1), RunningMax: f(3)},
		{Step: 2, Level: 12.3456, WaitingMax: f(0), KVCacheMax: f(0.2), RunningMax: f(7.5)},
	}
	signals := map[string]string{analyze.SignalWaiting: "vllm:num_requests_waiting"}
	tests := []struct {
		name string
		a    analyze.Analysis
		want string
	}{
		{"no telemetry", analyze.Analysis{}, ""},
		{"no signal", analyze.Analysis{Telemetry: &analyze.Telemetry{Steps: steps}},
			"The server published none of the known serving signals (" + joinNames() + ")."},
		{"no step", analyze.Analysis{Telemetry: &analyze.Telemetry{Signals: signals}},
			"No step to set the server's signals against."},
		{"saturated", analyze.Analysis{Telemetry: &analyze.Telemetry{Signals: signals, Steps: steps},
			Baseline: &analyze.Baseline{Step: 1}, Saturation: analyze.Saturation{Reached: true, Step: i(4)}},
			"At the saturation point (40 users) the server's waiting queue grew from 0 to 12, its KV cache was 98% full and preemptions ran at 2/s (none at the baseline). " +
				"Requests began waiting at 30 users; the KV cache reached 90% at 40 users; preemptions began at 40 users."},
		{"saturated, nothing moved", analyze.Analysis{Run: analyze.Run{LevelKind: analyze.LevelRate},
			Telemetry: &analyze.Telemetry{Signals: signals, Steps: calm}, Saturation: analyze.Saturation{Reached: true, Step: i(2)}},
			"At the saturation point (12.346 req/s offered), no server signal moved: waiting queue reached 0, KV cache 20% and running requests 7.5."},
		{"saturated, the KV cache rose 20 points", analyze.Analysis{Telemetry: &analyze.Telemetry{Signals: signals, Steps: steps[:2]},
			Saturation: analyze.Saturation{Reached: true, Step: i(2)}},
			"At the saturation point (20 users) its KV cache was 50% full."},
		{"not saturated, open loop", analyze.Analysis{Run: analyze.Run{LevelKind: analyze.LevelRate},
			Telemetry: &analyze.Telemetry{Signals: signals, Steps: calm}},
			"The run did not saturate; at its highest level (12.346 req/s offered) the server's waiting queue reached 0, KV cache 20% and running requests 7.5."},
		{"nothing scraped", analyze.Analysis{Telemetry: &analyze.Telemetry{Signals: signals, Steps: []analyze.TelemetryStep{{Step: 1, Level: 1}}}},
			"The run did not saturate; at its highest level (1 user) the server's no known signal was scraped in that step."},
	}
	for _, tt := range tests {
		if got := TelemetrySentence(&tt.a); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

func joinNames() string { return strings.Join(analyze.KnownSignalNames(), ", ") }
