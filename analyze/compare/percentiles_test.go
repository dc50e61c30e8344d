package compare

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/analyzetest"
	"github.com/llmrec/llmrec/analyze/analyzetest/rundata"
)

// TestComparePercentilesListed: compare with --percentiles compares each
// listed percentile of the metric at every level, with the bootstrap
// test at that quantile.
func TestComparePercentilesListed(t *testing.T) {
	o := rundata.Options()
	o.Percentiles = []float64{99.9}
	var runs []*analyze.RunData
	for _, s := range []analyzetest.Spec{analyzetest.A, analyzetest.Slower} {
		r, err := analyze.LoadRun(context.Background(), o, s.RunID, writeSpec(t, s))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Samples.Close()
		runs = append(runs, r)
	}
	c, err := Compare(runs, DefaultAlpha, DefaultMinEffect)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(c.Metrics, "p99.9") {
		t.Fatalf("metrics %v lack p99.9", c.Metrics)
	}
	found := false
	for _, lc := range c.Levels {
		for _, mc := range lc.Metrics {
			if mc.Metric == "p99.9" && mc.Values[0] != nil && mc.Changes[1] != nil && mc.Changes[1].Test == TestBootstrap {
				found = true
			}
		}
	}
	if !found {
		t.Error("no level compares p99.9 with a bootstrap test")
	}
}

func writeSpec(t *testing.T, s analyzetest.Spec) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), s.RunID+".parquet")
	if err := analyzetest.Write(path, s); err != nil {
		t.Fatal(err)
	}
	return path
}
