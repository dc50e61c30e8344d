package report

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/analyzetest"
	"github.com/llmrec/llmrec/analyze/compare"
)

// TestSLOGolden renders the knee run and the slower comparison with
// --slo in every format: the capacity sentence, the SLO table, the
// goodput and attainment tables of a comparison.
func TestSLOGolden(t *testing.T) {
	slo := analyze.SLO{TTFT: 150 * time.Millisecond, Latency: time.Second}
	a := analyzeFileSLO(t, kneeRun(t, t.TempDir()), slo)
	c, err := compare.Compare(loadRunsSLO(t, slo, analyzetest.A, analyzetest.Slower), compare.DefaultAlpha, compare.DefaultMinEffect)
	if err != nil {
		t.Fatal(err)
	}
	outs := map[string]func(*bytes.Buffer) error{
		"knee-slo.txt":     func(b *bytes.Buffer) error { return Text(b, a) },
		"knee-slo.json":    func(b *bytes.Buffer) error { return JSON(b, a) },
		"knee-slo.md":      func(b *bytes.Buffer) error { return Markdown(b, a) },
		"compare-slo.txt":  func(b *bytes.Buffer) error { return CompareText(b, c) },
		"compare-slo.json": func(b *bytes.Buffer) error { return CompareJSON(b, c) },
		"compare-slo.md":   func(b *bytes.Buffer) error { return CompareMarkdown(b, c) },
	}
	for name, render := range outs {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := render(&b); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, name, b.Bytes())
			out := b.String()
			if strings.HasSuffix(name, ".txt") {
				for i, l := range strings.Split(out, "\n") {
					if n := utf8.RuneCountInString(l); n > Width {
						t.Errorf("line %d has %d columns: %q", i+1, n, l)
					}
				}
			}
			if strings.HasSuffix(name, ".md") && len(out) >= MaxMarkdown {
				t.Errorf("markdown of %d characters", len(out))
			}
			if strings.HasPrefix(name, "knee") && !strings.Contains(out, "holds") && !strings.HasSuffix(name, ".json") {
				t.Error("no capacity sentence")
			}
			if strings.HasPrefix(name, "compare") && !strings.Contains(strings.ToLower(out), "goodput") {
				t.Error("no goodput comparison")
			}
		})
	}
}
