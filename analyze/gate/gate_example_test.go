package gate_test

import (
	"fmt"

	"github.com/llmrec/llmrec/analyze/gate"
)

func ExampleParseGate() {
	for _, spec := range []string{"p95=800ms", "p99@40=2s", "fail_rate=1%", "p99.9=3s"} {
		g, err := gate.ParseGate(gate.GateMax, spec, 0)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%s at %d users <= %v\n", g.Metric, g.Users, g.Limit)
	}
	_, err := gate.ParseGate(gate.GateMax, "q97=1s", 0)
	fmt.Println(err)
	// Output:
	// p95 at 0 users <= 800
	// p99 at 40 users <= 2000
	// fail_rate at 0 users <= 0.01
	// p99.9 at 0 users <= 3000
	// unknown metric "q97"; valid metrics: p50, p90, p95, p99, max, p99_p50, fail_rate, rps, ttft_p50, ttft_p95, ttft_p99, tpot_p50, tpot_p95, tpot_p99, itl_p50, itl_p95, itl_p99, stall_share, tokens_per_s, goodput, slo_attainment, capacity, peak_rps, peak_tokens_per_s, saturation_users, and any percentile: p99.9, ttft_p99.9, tpot_p99.9, itl_p99.9
}
