package analyze

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/llmrec/llmrec/analyze/analyzetest"
	"github.com/llmrec/llmrec/schemas"
)

// telemetryRun writes a four-step run (10, 20, 30, 40 users, 10 s steps)
// that saturates, with server telemetry scraped every second: waiting 0
// until step 3 (2), then up to 12 in step 4 at one scrape; KV cache 30%,
// 50%, 80%, then up to 98%; a preemption counter that rises 2 a second in
// step 4 and resets in its middle. It returns the path.
func telemetryRun(t *testing.T, withTelemetry bool) string {
	t.Helper()
	meta, recs := analyzetest.Records(analyzetest.Spec{RunID: "tel", Users: []int{10, 20, 30, 40}, StepS: 10, PerStep: 80, Knee: 25})
	if withTelemetry {
		tel := &schemas.Telemetry{Source: "http://127.0.0.1:8000/metrics", IntervalS: 1, Scrapes: 41, Every: 1, Match: []string{"vllm:*"}}
		waiting := schemas.TelemetrySeries{Name: "vllm:num_requests_waiting", Type: "gauge", Labels: map[string]string{"model_name": "m"}}
		kv := schemas.TelemetrySeries{Name: "vllm:kv_cache_usage_perc", Type: "gauge", Labels: map[string]string{"model_name": "m"}}
		pre := schemas.TelemetrySeries{Name: "vllm:num_preemptions_total", Type: "counter", Labels: map[string]string{"model_name": "m"}}
		counter := 0.0
		for s := 0; s <= 40; s++ {
			tel.T = append(tel.T, float64(s))
			w, k := 0.0, 0.3
			switch {
			case s > 30:
				w, k = 4, 0.9
				if s == 37 {
					w, k = 12, 0.98
				}
				counter += 2
				if s == 35 {
					counter = 2 // the server restarted its counter
				}
			case s > 20:
				w, k = 2, 0.8
			case s > 10:
				k = 0.5
			}
			waiting.V = append(waiting.V, &w)
			kv.V = append(kv.V, &k)
			c := counter
			pre.V = append(pre.V, &c)
		}
		tel.Series = []schemas.TelemetrySeries{waiting, kv, pre}
		meta.Telemetry = tel
	}
	path := filepath.Join(t.TempDir(), "run.parquet")
	if err := analyzetest.WriteRecords(path, meta, recs); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestTelemetryPerStep: llmrep reads the telemetry stored in the run file:
// each step's gauge maxima are what the server reported at its peak, the
// counter's rate is right across its reset; a run without telemetry has
// none.
func TestTelemetryPerStep(t *testing.T) {
	opts := testOptions(0, 0)
	opts.Window = DefaultOptions().Window
	a, err := Analyze(context.Background(), opts, telemetryRun(t, true))
	if err != nil {
		t.Fatal(err)
	}
	tel := a.Telemetry
	if tel == nil {
		t.Fatal("no telemetry in the analysis")
	}
	if !a.Saturation.Reached || *a.Saturation.Step != 4 {
		t.Fatalf("the fixture should saturate at step 4: %+v", a.Saturation)
	}
	want := []struct {
		waitMax, kvMax float64
		pre            *float64
	}{{0, 0.3, ptr(0)}, {0, 0.5, ptr(0)}, {2, 0.8, ptr(0)}, {12, 0.98, ptr(2)}}
	if len(tel.Steps) != len(want) {
		t.Fatalf("%d telemetry steps, want %d", len(tel.Steps), len(want))
	}
	for i, w := range want {
		s := tel.Steps[i]
		if s.WaitingMax == nil || *s.WaitingMax != w.waitMax || s.KVCacheMax == nil || *s.KVCacheMax != w.kvMax {
			t.Errorf("step %d: waiting max %v kv max %v, want %v %v", s.Step, telDeref(s.WaitingMax), telDeref(s.KVCacheMax), w.waitMax, w.kvMax)
		}
		if s.PreemptionsPerS == nil || *s.PreemptionsPerS != *w.pre {
			t.Errorf("step %d: preemptions %v/s, want %v (a reset is an increase of the new value)", s.Step, telDeref(s.PreemptionsPerS), *w.pre)
		}
		if s.RunningMax != nil {
			t.Errorf("step %d: running %v from no series", s.Step, *s.RunningMax)
		}
	}
	// The sentence of these figures is report/view's (TestTelemetrySentence).
	if len(tel.Series) != 3 || tel.Series[2].Steps[3].Rate == nil || *tel.Series[2].Steps[3].Rate != 2 {
		t.Errorf("series figures %+v", tel.Series)
	}

	plain, err := Analyze(context.Background(), opts, telemetryRun(t, false))
	if err != nil {
		t.Fatal(err)
	}
	if plain.Telemetry != nil {
		t.Errorf("a run without telemetry got %+v", plain.Telemetry)
	}
}

func telDeref(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}

// TestTelemetryUnusable: a run file whose telemetry is broken is still
// read whole; the analysis has no telemetry and a warning says why.
func TestTelemetryUnusable(t *testing.T) {
	meta, recs := analyzetest.Records(analyzetest.Spec{RunID: "bad", Users: []int{10, 20}, StepS: 10, PerStep: 40})
	one := 1.0
	meta.Telemetry = &schemas.Telemetry{T: []float64{1, 2}, Series: []schemas.TelemetrySeries{{Name: "vllm:x", Type: "gauge", V: []*float64{&one}}}}
	path := filepath.Join(t.TempDir(), "run.parquet")
	if err := analyzetest.WriteRecords(path, meta, recs); err != nil {
		t.Fatal(err)
	}
	a, err := Analyze(context.Background(), testOptions(0, DefaultOptions().Window), path)
	if err != nil {
		t.Fatal(err)
	}
	if a.Telemetry != nil || a.Overall.Requests != 80 {
		t.Errorf("telemetry %v, requests %d", a.Telemetry, a.Overall.Requests)
	}
	if !slices.ContainsFunc(a.Warnings, func(w Warning) bool {
		f, ok := w.Fact.(TelemetryFact)
		return ok && f.File == path && strings.Contains(f.Error, "has 1 values for 2 scrapes")
	}) {
		t.Errorf("warnings %q do not say why the telemetry was left out", texts(a.Warnings))
	}
}
