package view

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/analyzetest"
	"github.com/llmrec/llmrec/analyze/compare"
)

func compareRuns(t *testing.T, specs ...analyzetest.Spec) *compare.Comparison {
	t.Helper()
	o := analyze.DefaultOptions()
	o.Warmup, o.Window, o.Threads = 0, 5*time.Second, 2
	var runs []*analyze.RunData
	for _, s := range specs {
		path := filepath.Join(t.TempDir(), s.RunID+".parquet")
		if err := analyzetest.Write(path, s); err != nil {
			t.Fatal(err)
		}
		r, err := analyze.LoadRun(context.Background(), o, s.Labels["model"], path)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, r)
	}
	c, err := compare.Compare(runs, compare.DefaultAlpha, compare.DefaultMinEffect)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The verdict sentences of the comparisons of analyze's known answers
// (analyze: TestCompareKnownAnswers, TestCompareAllFailures), and the JSON
// carries them.
func TestVerdictSummaries(t *testing.T) {
	tests := []struct {
		name    string
		run     analyzetest.Spec
		summary []string
	}{
		{"slower x1.3", analyzetest.Slower, []string{"v2 saturates at 40 users vs 40 for v1 (+0%)", "overall p95 +"}},
		{"noise", analyzetest.Noise, []string{"p95 ~ at every matched user level", "overall p95 ~ (p="}},
		{"faster x0.8, later knee", analyzetest.Faster, []string{"v3 saturates at 60 users vs 40 for v1 (+50%)", "overall p95 -"}},
		{"all failures", analyzetest.Broken, []string{"broken has no successful request", "failure rate 100.00% vs"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := compareRuns(t, analyzetest.A, tt.run)
			got := VerdictSummary(c, 1)
			for _, s := range tt.summary {
				if !strings.Contains(got, s) {
					t.Errorf("verdict %q lacks %q", got, s)
				}
			}
			if w := WithSummaries(c); w.Verdicts[0].Summary != got || c.Verdicts[0].Summary != "" {
				t.Errorf("WithSummaries: %q, and the input became %q", w.Verdicts[0].Summary, c.Verdicts[0].Summary)
			}
		})
	}
}
