package record

import (
	"reflect"
	"strings"
	"testing"

	"github.com/llmrec/llmrec/record/target"
	"github.com/llmrec/llmrec/schemas"
)

func TestWorkload(t *testing.T) {
	file := []target.Prompt{{Text: "a"}, {Text: "b"}}
	w := Workload{InputTokens: target.Range{Min: 8, Max: 8}, OutputTokens: target.Range{Min: 4, Max: 6}, IgnoreEOS: true}
	if err := w.Validate(false); err != nil {
		t.Fatal(err)
	}
	if err := w.Validate(true); err == nil || !strings.Contains(err.Error(), "cannot apply to prompts from a file") {
		t.Errorf("input tokens with a file: %v", err)
	}
	if err := (Workload{OutputTokens: target.Range{Min: 5, Max: 2}}).Validate(false); err == nil {
		t.Error("a backwards range passed")
	}
	ps, src := w.Prompts(file, "file", 3)
	if src != "synthetic" || len(ps) != SyntheticPool || len(strings.Fields(ps[0].Text)) != 8 || ps[0].MaxTokens < 4 || ps[0].MaxTokens > 6 {
		t.Errorf("synthetic: %d prompts from %q, first %+v", len(ps), src, ps[0])
	}
	out := Workload{OutputTokens: target.Range{Min: 9, Max: 9}}
	ps, src = out.Prompts(file, "file", 3)
	if src != "file" || ps[0].Text != "a" || ps[1].MaxTokens != 9 {
		t.Errorf("file with output range: %+v from %q", ps, src)
	}
	if ps, _ := (Workload{}).Prompts(file, "builtin", 3); !reflect.DeepEqual(ps, file) {
		t.Errorf("no workload changed the prompts: %+v", ps)
	}
	for _, c := range [][2]int{{8, SyntheticPool}, {4096, 4096}, {8192, 2048}, {1 << 20, 64}} {
		if got := poolSize(c[0]); got != c[1] {
			t.Errorf("poolSize(%d) = %d, want %d", c[0], got, c[1])
		}
	}
	want := &schemas.Workload{InputTokens: "8", OutputTokens: "4-6", IgnoreEOS: true, Prompts: "synthetic", Seed: 3}
	if got := w.Meta("synthetic", 3); !reflect.DeepEqual(got, want) {
		t.Errorf("meta %+v, want %+v", got, want)
	}
}

// TestSharedWorkloadValidate: the turn and prefix settings, alone and with
// the rest of the run (turns need closed-loop users and an OpenAI API).
func TestSharedWorkloadValidate(t *testing.T) {
	open := DefaultOpenLoop()
	open.Kind, open.Rate = ArrivalPoisson, 5
	for _, tc := range []struct {
		name string
		set  func(*Config)
		want string // "" passes
	}{
		{"turns", func(c *Config) { c.Workload.Turns = 3 }, ""},
		{"one turn", func(c *Config) { c.Workload.Turns = 1; c.OpenLoop = open }, ""},
		{"too many turns", func(c *Config) { c.Workload.Turns = MaxTurns + 1 }, "Workload.Turns must be from 1 to 100, got 101"},
		{"turns in an open loop", func(c *Config) { c.Workload.Turns = 2; c.OpenLoop = open }, "Workload.Turns needs closed-loop users"},
		{"turns over http", func(c *Config) { c.Workload.Turns = 2; c.API = target.APIHTTP }, "Workload.Turns needs api openai-chat or openai-completions"},
		{"prefixes", func(c *Config) { c.Workload.PrefixTokens, c.Workload.Prefixes = 100, 4; c.OpenLoop = open }, ""},
		{"prefixes without a length", func(c *Config) { c.Workload.Prefixes = 4 }, "Workload.Prefixes needs a prefix length"},
		{"a length without prefixes", func(c *Config) { c.Workload.PrefixTokens = 4 }, "Workload.Prefixes must be at least 1"},
		{"too much prefix text", func(c *Config) { c.Workload.PrefixTokens, c.Workload.Prefixes = 1<<20, 100 }, "400 MiB of text, over the 64 MiB allowed"},
		{"negative length", func(c *Config) { c.Workload.PrefixTokens, c.Workload.Prefixes = -1, 1 }, "Workload.PrefixTokens must be from 1"},
	} {
		c := DefaultConfig()
		c.Target = "http://127.0.0.1:1"
		tc.set(&c)
		err := c.Validate()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	w := Workload{Turns: 4, PrefixTokens: 10, Prefixes: 2}
	want := &schemas.Workload{Prompts: "builtin", Seed: 3, Turns: 4, PrefixTokens: 10, Prefixes: 2}
	if got := w.Meta("builtin", 3); !reflect.DeepEqual(got, want) {
		t.Errorf("meta %+v, want %+v", got, want)
	}
}
