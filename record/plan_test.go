package record

import (
	"testing"
	"time"
)

// TestPlan: the one line said before the first request, as data.
func TestPlan(t *testing.T) {
	closed := func(stepUsers, maxUsers int, step, dur time.Duration) Config {
		c := DefaultConfig()
		c.Shape = Shape{StepUsers: stepUsers, MaxUsers: maxUsers, StepTime: step, Duration: dur}
		return c
	}
	open := func(rate, stepRate, maxRate float64, step, dur time.Duration) Config {
		c := DefaultConfig()
		c.OpenLoop = OpenLoop{Kind: ArrivalPoisson, Rate: rate, StepRate: stepRate, MaxRate: maxRate, StepTime: step, Duration: dur, Burstiness: 1}
		return c
	}
	stress := DefaultConfig()
	if err := stress.ApplyProfile(ProfileStress); err != nil {
		t.Fatal(err)
	}
	const grace = ", then up to 30s (--grace) for the requests in flight"
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"the defaults", DefaultConfig(), "plan: 10 steps of 1m0s, 10 to 100 users, 10 more each step: 10m0s in all (the top held one step)" + grace},
		{"the stress profile", stress, "plan: 15m0s (--duration) in steps of 1m0s, 50 to 200 users, 50 more each step: the top from step 4 on, held 12m0s" + grace},
		{"a last step that tops up", closed(30, 100, 10*time.Second, 0), "plan: 4 steps of 10s, 30 to 100 users, 30 more each step: 40s in all (the top held one step)" + grace},
		{"cut short by --duration", closed(10, 100, time.Minute, 150*time.Second), "plan: 2m30s (--duration) in steps of 1m0s, 10 to 100 users, 10 more each step: ends in step 3 at 30 users, before the top" + grace},
		{"one step", closed(20, 20, time.Minute, 0), "plan: 20 users for 1m0s" + grace},
		{"one step for --duration", closed(50, 20, time.Minute, 5*time.Minute), "plan: 20 users for 5m0s" + grace},
		{"open loop", open(5, 5, 40, 30*time.Second, 0), "plan: 8 steps of 30s, 5 to 40 req/s offered (poisson arrivals), 5 more each step: 4m0s in all (the top held one step)" + grace},
		{"open loop, one rate", open(20, 0, 0, time.Minute, 2*time.Minute), "plan: 20 req/s offered (poisson arrivals) for 2m0s" + grace},
		{"open loop cut short", open(0.5, 0.25, 2, 10*time.Second, 25*time.Second), "plan: 25s (--duration) in steps of 10s, 0.5 to 2 req/s offered (poisson arrivals), 0.25 more each step: ends in step 3 at 1 req/s offered, before the top" + grace},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.cfg.Plan(); got != tt.want {
				t.Errorf("Plan() =\n  %s\nwant\n  %s", got, tt.want)
			}
		})
	}
}
