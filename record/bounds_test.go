package record

import (
	"strings"
	"testing"
	"time"

	"github.com/llmrec/llmrec/record/target"
)

// TestValidateBoundsEverySetting (round 3): every number of a run is
// range-checked, so the file holds only figures the analyzer represents
// (a 1 ns step made step numbers overflow the int32 column, and the
// analyzer refused the file) and no setting is absurd. Each row is one
// setting just out of range, named by its field; the edges are valid.
func TestValidateBoundsEverySetting(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
		want string // "" for valid
	}{
		{"defaults", func(*Config) {}, ""},
		{"the shortest step", func(c *Config) { c.Shape.StepTime = MinStepTime }, ""},
		{"30 days of 1 h steps", func(c *Config) { c.Shape.StepTime, c.Shape.Duration = time.Hour, MaxRunTime }, ""},
		{"the request time edges", func(c *Config) {
			c.Timeout, c.IdleTimeout, c.Grace, c.WaitMax = MinRequestTime, MaxRequestTime, 0, MaxRequestTime
		}, ""},
		{"a million users", func(c *Config) { c.Shape.StepUsers, c.Shape.MaxUsers = MaxUsers, MaxUsers }, ""},
		{"1 ns step", func(c *Config) { c.Shape.StepTime, c.Shape.Duration = time.Nanosecond, 3*time.Second }, "Shape.StepTime must be from 100ms to 720h0m0s, got 1ns"},
		{"99 ms step", func(c *Config) { c.Shape.StepTime = 99 * time.Millisecond }, "Shape.StepTime must be from 100ms"},
		{"too many steps in the duration", func(c *Config) { c.Shape.StepTime, c.Shape.Duration = 100*time.Millisecond, 3*time.Hour }, "Shape.StepTime 100ms makes 108000 steps over the run's 3h0m0s; at most 100000"},
		{"too many steps to max users", func(c *Config) { c.Shape.StepUsers, c.Shape.MaxUsers, c.Shape.StepTime = 1, 200_000, time.Second }, "Shape.StepTime 1s makes 200000 steps"},
		{"a duration over 30 days", func(c *Config) { c.Shape.Duration = MaxRunTime + time.Second }, "Shape.Duration must be from 0 (the schedule's own length) to 720h0m0s"},
		{"a schedule over 30 days", func(c *Config) { c.Shape.StepTime = 100 * time.Hour }, "Shape.StepTime 100h0m0s makes a schedule of 10 steps lasting 1000h0m0s; at most 720h0m0s"},
		{"a step over 30 days", func(c *Config) { c.Shape.StepTime = MaxRunTime + 1 }, "Shape.StepTime must be from 100ms to 720h0m0s"},
		{"step users", func(c *Config) { c.Shape.StepUsers = MaxUsers + 1 }, "Shape.StepUsers must be from 1 to 1000000"},
		{"max users", func(c *Config) { c.Shape.MaxUsers = MaxUsers + 1 }, "Shape.MaxUsers must be from 1 to 1000000"},
		{"spawn rate", func(c *Config) { c.Shape.SpawnRate = 2e6 }, "Shape.SpawnRate must be a number from 0 to 1e+06"},
		{"max tokens", func(c *Config) { c.MaxTokens = target.MaxRangeTokens + 1 }, "MaxTokens must be from 1 to 1048576"},
		{"timeout under 1 ms", func(c *Config) { c.Timeout = 500 * time.Microsecond }, "Timeout must be from 1ms to 24h0m0s, got 500µs"},
		{"timeout over a day", func(c *Config) { c.Timeout = 25 * time.Hour }, "Timeout must be from 1ms to 24h0m0s"},
		{"idle timeout", func(c *Config) { c.IdleTimeout = 0 }, "IdleTimeout must be from 1ms"},
		{"grace", func(c *Config) { c.Grace = 25 * time.Hour }, "Grace must be from 0s to 24h0m0s"},
		{"think time", func(c *Config) { c.WaitMax = 25 * time.Hour }, "WaitMin/WaitMax must satisfy 0 ≤ min ≤ max ≤ 24h0m0s"},
		{"open loop 1 ns step", func(c *Config) {
			c.OpenLoop = OpenLoop{Kind: ArrivalPoisson, Rate: 20, StepTime: time.Nanosecond, Duration: 4 * time.Second, Burstiness: 1}
		}, "OpenLoop.StepTime must be from 100ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tt.edit(&cfg)
			err := cfg.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate: %v; want valid", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Validate: %v; want %q", err, tt.want)
			}
		})
	}
}
