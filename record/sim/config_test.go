package sim

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestDefaultConfigIsValid(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("DefaultConfig().Validate() = %v", err)
	}
	for _, p := range Profiles() {
		cfg := DefaultConfig()
		cfg.Profile = p
		if err := cfg.Validate(); err != nil {
			t.Errorf("profile %s: %v", p, err)
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Config)
		want   []string // one substring per expected problem
	}{
		{"profile", func(c *Config) { c.Profile = "fast" }, []string{`profile "fast"`}},
		{"empty profile", func(c *Config) { c.Profile = "" }, []string{`profile ""`}},
		{"slots", func(c *Config) { c.Slots = 0 }, []string{"slots"}},
		{"token time", func(c *Config) { c.TokenMS = -1 }, []string{"token time"}},
		{"token time nan", func(c *Config) { c.TokenMS = math.NaN() }, []string{"token time"}},
		{"prefill inf", func(c *Config) { c.PrefillMS = math.Inf(1) }, []string{"prefill"}},
		{"jitter", func(c *Config) { c.Jitter = 1 }, []string{"jitter"}},
		{"error rate", func(c *Config) { c.ErrorRate = 1.5 }, []string{"error rate"}},
		{"max tokens low", func(c *Config) { c.MaxTokens = 0 }, []string{"max tokens"}},
		{"max tokens high", func(c *Config) { c.MaxTokens = MaxTokensCap + 1 }, []string{"max tokens"}},
		{"swap", func(c *Config) { c.Swap = -0.5 }, []string{"swap"}},
		// Round 3: times that would overflow a time.Duration are refused.
		{"token time huge", func(c *Config) { c.TokenMS = 1e300 }, []string{"token time must be from 0 to 60000"}},
		{"prefill over a minute", func(c *Config) { c.PrefillMS = 60_001 }, []string{"prefill time must be from 0 to 60000"}},
		{"swap huge", func(c *Config) { c.Swap = 1e9 }, []string{"swap must be from 0 to 100"}},
		{"slots over a million", func(c *Config) { c.Slots = MaxSlots + 1 }, []string{"slots must be from 1 to 1000000"}},
		{"upper edges are fine", func(c *Config) { c.TokenMS, c.PrefillMS, c.Swap, c.Slots = MaxStepMS, MaxStepMS, MaxSwap, MaxSlots }, nil},
		{"edges are fine", func(c *Config) {
			c.TokenMS, c.PrefillMS, c.Jitter, c.ErrorRate, c.MaxTokens, c.Swap, c.Slots = 0, 0, 0, 1, MaxTokensCap, 0, 1
		}, nil},
		{"everything at once", func(c *Config) {
			*c = Config{Profile: "x", Jitter: -1, ErrorRate: -1, TokenMS: -1, PrefillMS: -1, Swap: -1}
		}, []string{"profile", "slots", "token time", "prefill", "jitter", "error rate", "max tokens", "swap"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tt.modify(&cfg)
			err := cfg.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want %d problems", len(tt.want))
			}
			joined, ok := err.(interface{ Unwrap() []error })
			if !ok {
				t.Fatalf("Validate() = %v, want an errors.Join", err)
			}
			problems := joined.Unwrap()
			if len(problems) != len(tt.want) {
				t.Errorf("Validate() reported %d problems, want %d:\n%v", len(problems), len(tt.want), err)
			}
			for i, p := range problems {
				msg := p.Error()
				if msg == "" || strings.ToLower(msg[:1]) != msg[:1] {
					t.Errorf("problem %q does not start in lower case", msg)
				}
				if i < len(tt.want) && !strings.Contains(msg, tt.want[i]) {
					t.Errorf("problem %d = %q, want it to mention %q", i, msg, tt.want[i])
				}
			}
		})
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Slots = -1
	s, err := New(cfg)
	if s != nil || err == nil || !strings.HasPrefix(err.Error(), "sim: invalid config: ") ||
		errors.Unwrap(err) == nil {
		t.Fatalf("New(bad) = %v, %v; want nil and a wrapped config error", s, err)
	}
	if !strings.Contains(err.Error(), "slots") {
		t.Errorf("error %q does not name the problem", err)
	}
}
