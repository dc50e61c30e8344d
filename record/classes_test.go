package record

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/llmrec/llmrec/record/target"
)

// TestParseWorkloadRefuses: every bad workload file is refused with one
// line that names the field.
func TestParseWorkloadRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, file, want string
		yaml             bool
	}{
		{"empty", ``, "empty", false},
		{"not an object", `[1]`, `want a JSON object with the key "classes"`, false},
		{"syntax", `{"classes": [`, "not valid JSON", false},
		{"two values", `{"classes": [{"name": "a", "weight": 1}]} {}`, "more than one JSON value", false},
		{"unknown top field", `{"classes": [{"name": "a", "weight": 1}], "seed": 3}`, `unknown field "seed"`, false},
		{"no classes", `{"classes": []}`, "classes: give at least one class", false},
		{"classes not a list", `{"classes": 3}`, "classes: want a list, got a JSON number", false},
		{"unknown class field", `{"classes": [{"name": "a", "weight": 1, "wieght": 2}]}`, "classes[0].wieght: unknown field", false},
		{"no name", `{"classes": [{"weight": 1}]}`, "classes[0].name: missing", false},
		{"empty name", `{"classes": [{"name": "", "weight": 1}]}`, "classes[0].name: want 1 to 64 bytes", false},
		{"control in name", `{"classes": [{"name": "a\u001b[31m", "weight": 1}]}`, "classes[0].name:", false},
		{"duplicate name", `{"classes": [{"name": "a", "weight": 1}, {"name": "a", "weight": 2}]}`, `classes[1].name: "a" is already the name of classes[0]`, false},
		{"no weight", `{"classes": [{"name": "a"}]}`, "classes[0].weight: missing", false},
		{"zero weight", `{"classes": [{"name": "a", "weight": 1}, {"name": "b", "weight": 0}]}`, "classes[1].weight: 0 must be above 0", false},
		{"negative weight", `{"classes": [{"name": "a", "weight": -0.5}]}`, "classes[0].weight: -0.5 must be above 0", false},
		{"weight a string", `{"classes": [{"name": "a", "weight": "0.8"}]}`, "classes[0].weight: want a number, got a JSON string", false},
		{"bad slo key", `{"classes": [{"name": "a", "weight": 1, "slo": "p95=1s"}]}`, `classes[0].slo: "p95=1s"`, false},
		{"bad slo duration", `{"classes": [{"name": "a", "weight": 1, "slo": "ttft=fast"}]}`, `classes[0].slo: "ttft=fast": ttft "fast" is not a duration`, false},
		{"empty slo", `{"classes": [{"name": "a", "weight": 1, "slo": ""}]}`, `classes[0].slo: "": empty`, false},
		{"bad input range", `{"classes": [{"name": "a", "weight": 1, "input_tokens": "9-3"}]}`, "classes[0].input_tokens:", false},
		{"zero max tokens", `{"classes": [{"name": "a", "weight": 1, "max_tokens": 0}]}`, "classes[0].max_tokens: 0 is not from 1", false},
		{"max and output tokens", `{"classes": [{"name": "a", "weight": 1, "max_tokens": 5, "output_tokens": "1-9"}]}`, "classes[0].output_tokens: give max_tokens or output_tokens, not both", false},
		{"prompts file and input tokens", `{"classes": [{"name": "a", "weight": 1, "prompts": "p.jsonl", "input_tokens": 100}]}`, "classes[0].input_tokens: makes synthetic prompts", false},
		{"too many classes", `{"classes": [` + strings.Repeat(`{"name": "x", "weight": 1},`, 64) + `{"name": "y", "weight": 1}]}`, "classes: 65 classes, at most 64", false},
		{"yaml unknown field", "classes:\n  - name: a\n    weight: 1\n    color: red\n", "classes[0].color: unknown field", true},
		{"yaml zero weight", "classes:\n  - name: a\n    weight: 0\n", "classes[0].weight: 0 must be above 0", true},
		{"yaml syntax", "classes:\n  - name: a\n   weight: [\n", "not valid YAML", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseWorkload([]byte(tc.file), tc.yaml, "/w")
			if err == nil {
				t.Fatalf("accepted %q", tc.file)
			}
			if msg := err.Error(); !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
				t.Errorf("error %q; want one line containing %q", msg, tc.want)
			}
		})
	}
}

// TestParseWorkload reads a file's classes, JSON and YAML alike, with a
// prompts file relative to the workload file's directory.
func TestParseWorkload(t *testing.T) {
	js := `{"classes": [
		{"name": "chat", "weight": 0.8, "max_tokens": 32, "slo": "ttft=500ms"},
		{"name": "summarize", "weight": 0.2, "input_tokens": "1000-2000", "output_tokens": 256},
		{"name": "docs", "weight": 1, "prompts": "docs.jsonl", "output_tokens": "10-20"}]}`
	yml := `classes:
  - {name: chat, weight: 0.8, max_tokens: 32, slo: ttft=500ms}
  - name: summarize
    weight: 0.2
    input_tokens: 1000-2000
    output_tokens: 256
  - {name: docs, weight: 1, prompts: docs.jsonl, output_tokens: "10-20"}
`
	for _, f := range []struct {
		data string
		yaml bool
	}{{js, false}, {yml, true}} {
		cs, err := ParseWorkload([]byte(f.data), f.yaml, "/w")
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != 3 {
			t.Fatalf("%d classes", len(cs))
		}
		want := []Class{
			{Name: "chat", Weight: 0.8, OutputTokens: target.Range{Min: 32, Max: 32}, SLO: "ttft=500ms"},
			{Name: "summarize", Weight: 0.2, InputTokens: target.Range{Min: 1000, Max: 2000}, OutputTokens: target.Range{Min: 256, Max: 256}},
			{Name: "docs", Weight: 1, PromptsFile: filepath.Join("/w", "docs.jsonl"), OutputTokens: target.Range{Min: 10, Max: 20}},
		}
		for i := range want {
			if cs[i].Name != want[i].Name || cs[i].Weight != want[i].Weight || cs[i].PromptsFile != want[i].PromptsFile ||
				cs[i].InputTokens != want[i].InputTokens || cs[i].OutputTokens != want[i].OutputTokens || cs[i].SLO != want[i].SLO {
				t.Errorf("yaml %t: class %d = %+v, want %+v", f.yaml, i, cs[i], want[i])
			}
		}
	}
}

// TestClassDraws: classes are drawn by weight (within a binomial
// tolerance), the same seed draws the same classes, and each class's
// prompts carry its max tokens.
func TestClassDraws(t *testing.T) {
	cfg := &Config{Classes: []Class{
		{Name: "chat", Weight: 4, OutputTokens: target.Range{Min: 16, Max: 16}},
		{Name: "long", Weight: 1, InputTokens: target.Range{Min: 50, Max: 60}, OutputTokens: target.Range{Min: 64, Max: 64}},
	}}
	cs, meta := newClasses(cfg, 7)
	if len(meta) != 2 || meta[1].Prompts != "synthetic" || meta[0].Prompts != "builtin" || meta[1].InputTokens != "50-60" || meta[0].OutputTokens != "16" {
		t.Fatalf("footer classes %+v", meta)
	}
	const n = 20000
	for _, draw := range []struct {
		name string
		f    func(i int) (target.Prompt, *string)
	}{
		{"closed", func() func(int) (target.Prompt, *string) {
			rng := rand.New(rand.NewPCG(1, 2))
			return func(int) (target.Prompt, *string) { p, _, c := cs.draw(rng); return p, c }
		}()},
		{"open", func(i int) (target.Prompt, *string) { p, _, c := cs.at(99, int64(i)); return p, c }},
	} {
		long := 0
		for i := range n {
			p, c := draw.f(i)
			want := map[string]int{"chat": 16, "long": 64}[*c]
			if p.MaxTokens != want {
				t.Fatalf("%s: class %s prompt with max tokens %d", draw.name, *c, p.MaxTokens)
			}
			if *c == "long" {
				long++
			}
		}
		// 0.2 of n: sd = sqrt(n·0.2·0.8) ≈ 57; 5 sd either way.
		if sd := math.Sqrt(n * 0.2 * 0.8); math.Abs(float64(long)-0.2*n) > 5*sd {
			t.Errorf("%s: %d of %d long, want about %d", draw.name, long, n, n/5)
		}
	}
	a1, _, c1 := cs.at(5, 123)
	a2, _, c2 := cs.at(5, 123)
	if a1.Text != a2.Text || *c1 != *c2 {
		t.Error("an arrival's class and prompt differ under one seed")
	}
}
