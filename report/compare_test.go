package report

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/analyzetest"
	"github.com/llmrec/llmrec/analyze/compare"
	"github.com/llmrec/llmrec/analyze/gate"
)

func loadRuns(t *testing.T, specs ...analyzetest.Spec) []*analyze.RunData {
	t.Helper()
	return loadRunsSLO(t, analyze.SLO{}, specs...)
}

// loadRunsSLO is loadRuns with --slo.
func loadRunsSLO(t *testing.T, slo analyze.SLO, specs ...analyzetest.Spec) []*analyze.RunData {
	t.Helper()
	dir := t.TempDir()
	o := analyze.DefaultOptions()
	o.Warmup, o.Window, o.Threads = 0, 5*time.Second, 2
	o.SLO = slo
	var runs []*analyze.RunData
	for _, s := range specs {
		path := filepath.Join(dir, s.RunID+".parquet")
		if err := analyzetest.Write(path, s); err != nil {
			t.Fatal(err)
		}
		r, err := analyze.LoadRun(context.Background(), o, s.Labels["model"], path)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, r)
	}
	return runs
}

func compareOf(t *testing.T, specs ...analyzetest.Spec) *compare.Comparison {
	t.Helper()
	c, err := compare.Compare(loadRuns(t, specs...), compare.DefaultAlpha, compare.DefaultMinEffect)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// checkGolden compares got with testdata/name (rewritten with -update).
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update to accept):\n%s", golden, diff(string(want), string(got)))
	}
}

// TestCompareGolden renders two comparisons in every format: A against a
// run 1.3 times slower, and A against a run of other user levels and a
// run whose every request failed.
func TestCompareGolden(t *testing.T) {
	cases := map[string][]analyzetest.Spec{
		"compare-slower": {analyzetest.A, analyzetest.Slower},
		"compare-shapes": {analyzetest.A, analyzetest.Shape, analyzetest.Broken},
	}
	renderers := map[string]func(*bytes.Buffer, *compare.Comparison) error{
		"txt":  func(b *bytes.Buffer, c *compare.Comparison) error { return CompareText(b, c) },
		"json": func(b *bytes.Buffer, c *compare.Comparison) error { return CompareJSON(b, c) },
		"md":   func(b *bytes.Buffer, c *compare.Comparison) error { return CompareMarkdown(b, c) },
	}
	for name, specs := range cases {
		c := compareOf(t, specs...)
		for ext, render := range renderers {
			t.Run(name+"."+ext, func(t *testing.T) {
				var got bytes.Buffer
				if err := render(&got, c); err != nil {
					t.Fatal(err)
				}
				checkGolden(t, name+"."+ext, got.Bytes())
				if ext == "txt" {
					for i, l := range strings.Split(got.String(), "\n") {
						if n := utf8.RuneCountInString(l); n > Width {
							t.Errorf("line %d has %d columns: %q", i+1, n, l)
						}
					}
				}
			})
		}
	}
}

func TestCompareMarkdownIsBounded(t *testing.T) {
	c := compareOf(t, analyzetest.A, analyzetest.Slower, analyzetest.Noise)
	many := make([]compare.LevelComparison, 0, 3000)
	for i := range 3000 {
		lc := c.Levels[i%len(c.Levels)]
		lc.Users = i + 1
		many = append(many, lc)
	}
	c.Levels = many
	var b bytes.Buffer
	if err := CompareMarkdown(&b, c); err != nil {
		t.Fatal(err)
	}
	if b.Len() >= MaxMarkdown {
		t.Errorf("markdown is %d bytes, want < %d", b.Len(), MaxMarkdown)
	}
	if !strings.Contains(b.String(), "user levels are left out") || !strings.Contains(b.String(), "| 3000 |") {
		t.Error("the cut is not said, or the last level is missing")
	}
}

func TestCheckGolden(t *testing.T) {
	runs := loadRuns(t, analyzetest.A, analyzetest.Slower)
	var gates []gate.Gate
	for _, g := range []struct{ kind, spec string }{
		{gate.GateMax, "p95=10s"}, {gate.GateMax, "p99@10=500ms"}, {gate.GateMin, "rps=1"},
		{gate.GateMax, "fail_rate=1%"}, {gate.GateMin, "saturation_users=50"}, {gate.GateMax, "p95@70=1s"},
		{gate.GateMaxRegression, "p95=10%"}, {gate.GateMaxRegression, "fail_rate=1%"},
	} {
		gate, err := gate.ParseGate(g.kind, g.spec, 0)
		if err != nil {
			t.Fatal(err)
		}
		gates = append(gates, gate)
	}
	res, err := gate.Check(runs[1], runs[0], gates, compare.DefaultAlpha, compare.DefaultMinEffect, true)
	if err != nil {
		t.Fatal(err)
	}
	// As llmrep check --format md does: the comment leads with the run
	// against its baseline.
	if res.Comparison, err = compare.Compare([]*analyze.RunData{runs[0], runs[1]}, compare.DefaultAlpha, compare.DefaultMinEffect); err != nil {
		t.Fatal(err)
	}
	for ext, render := range map[string]func(*bytes.Buffer) error{
		"txt":  func(b *bytes.Buffer) error { return CheckText(b, res) },
		"md":   func(b *bytes.Buffer) error { return CheckMarkdown(b, res) },
		"json": func(b *bytes.Buffer) error { return CheckJSON(b, res) },
	} {
		t.Run(ext, func(t *testing.T) {
			var b bytes.Buffer
			if err := render(&b); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, "check."+ext, b.Bytes())
		})
	}
}

// A comparison of runs recorded with different max tokens leads its
// verdict with "not like for like" in every format, and names the label
// model and the server's model id apart.
func TestCompareNotLikeForLike(t *testing.T) {
	b := analyzetest.Slower
	b.MaxTokens = 48
	b.Labels = map[string]string{"model": "sim-b"}
	c := compareOf(t, analyzetest.A, b)
	const want = "not like for like: max tokens 64 vs 48"
	for name, f := range map[string]func(*bytes.Buffer) error{
		"text":     func(w *bytes.Buffer) error { return CompareText(w, c) },
		"markdown": func(w *bytes.Buffer) error { return CompareMarkdown(w, c) },
		"json":     func(w *bytes.Buffer) error { return CompareJSON(w, c) },
	} {
		var buf bytes.Buffer
		if err := f(&buf); err != nil {
			t.Fatal(err)
		}
		out := strings.Join(strings.Fields(buf.String()), " ")
		if !strings.Contains(out, want) {
			t.Errorf("%s: no %q in\n%s", name, want, buf.String())
		}
		if name != "json" && !strings.Contains(out, "label model sim-b, server's model id model-a") {
			t.Errorf("%s: the label model and the server's model id are not named apart", name)
		}
	}
	if len(c.Unlike) != 1 || c.Unlike[0].Setting != compare.SettingMaxTokens {
		t.Errorf("unlike %+v", c.Unlike)
	}
	same := compareOf(t, analyzetest.A, analyzetest.Noise)
	if len(same.Unlike) != 0 {
		t.Errorf("like runs are unlike: %+v", same.Unlike)
	}
}

// A comparison says in its verdict when a warmup removed a whole step of
// a run.
func TestCompareHeavyWarmupInVerdict(t *testing.T) {
	dir := t.TempDir()
	o := analyze.DefaultOptions()
	o.Warmup, o.Threads = 15*time.Second, 2
	var runs []*analyze.RunData
	for _, s := range []analyzetest.Spec{analyzetest.A, analyzetest.Slower} {
		s.StepS = 10
		path := filepath.Join(dir, s.RunID+".parquet")
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
	var buf bytes.Buffer
	if err := CompareText(&buf, c); err != nil {
		t.Fatal(err)
	}
	out := strings.Join(strings.Fields(buf.String()), " ")
	if !strings.Contains(out, "the warmup (15s) removed") || !strings.Contains(out, "of v1's requests and 1 whole step") {
		t.Errorf("the verdict does not say what the warmup removed:\n%s", buf.String())
	}
}
