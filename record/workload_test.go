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
