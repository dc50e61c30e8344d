package export

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/analyzetest"
)

// TestExportStepsOfTheirOwnLengths: the export of a search whose steps
// are of their own lengths (analyzetest.SpanSearch: ends at 6, 19 and
// 26 s, a 2 s own warmup each) marks as warmup the rows sent in the
// first 2 s of their step's true span (or of the run), worked out here
// from the ends. The equal-step rule (steps of 13 s) would mark others:
// the rows sent 6 to 8 s in are warmup only by the true spans.
func TestExportStepsOfTheirOwnLengths(t *testing.T) {
	dir := t.TempDir()
	meta, recs := analyzetest.SpanSearch("run-spans", false)
	in := filepath.Join(dir, "spans.parquet")
	if err := analyzetest.WriteRecords(in, meta, recs); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "rows.jsonl")
	if _, err := Export(t.Context(), analyze.DefaultOptions(), ExportJSONL, out, in); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got := readJSONL(t, b)
	if len(got) != len(recs) {
		t.Fatalf("%d rows exported, want %d", len(got), len(recs))
	}
	const pw = analyzetest.SpanWarmupS * time.Second
	var warm, byEqual int
	for i, r := range recs {
		start := time.Duration(0)
		if r.Step > 1 {
			start = time.Duration(analyzetest.SpanEnds[r.Step-2] * float64(time.Second))
		}
		at := r.Start.Sub(analyzetest.T0)
		want := at < pw || at-start < pw
		equal := at < pw || at%(analyzetest.SpanStepS*time.Second) < pw
		if want {
			warm++
		}
		if want != equal {
			byEqual++
		}
		if got[i]["warmup"] != strconv.FormatBool(want) {
			t.Errorf("row %d (step %d, sent at %v): warmup %s, want %t", i, r.Step, at, got[i]["warmup"], want)
		}
	}
	if warm == 0 || byEqual == 0 {
		t.Errorf("%d warmup rows, %d that the equal-step rule marks otherwise: the test tells nothing", warm, byEqual)
	}
}

// TestExportCraftedStepEnds: step ends no recorder writes (here 1e300
// and decreasing) are dropped, and the export marks the warmup by the
// equal-step rule.
func TestExportCraftedStepEnds(t *testing.T) {
	dir := t.TempDir()
	meta, recs := analyzetest.SpanSearch("run-spans", false)
	for i, ends := range [][]float64{{6, 19, 1e300}, {19, 6, 26}} {
		meta.Shape.StepEndsS = ends
		in := filepath.Join(dir, "crafted"+strconv.Itoa(i)+".parquet")
		if err := analyzetest.WriteRecords(in, meta, recs); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, "rows"+strconv.Itoa(i)+".jsonl")
		if _, err := Export(t.Context(), analyze.DefaultOptions(), ExportJSONL, out, in); err != nil {
			t.Fatalf("%v: %v", ends, err)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		got := readJSONL(t, b)
		const pw = analyzetest.SpanWarmupS * time.Second
		for j, r := range recs {
			at := r.Start.Sub(analyzetest.T0)
			if want := at < pw || at%(analyzetest.SpanStepS*time.Second) < pw; got[j]["warmup"] != strconv.FormatBool(want) {
				t.Fatalf("%v: row %d (sent at %v): warmup %s, want %t by equal steps", ends, j, at, got[j]["warmup"], want)
			}
		}
	}
}
