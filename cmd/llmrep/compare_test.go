package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/llmrec/llmrec/analyze/analyzetest"
)

// specRuns writes the analyzetest runs into dir, by RunID.
func specRuns(t *testing.T, specs ...analyzetest.Spec) map[string]string {
	t.Helper()
	dir := t.TempDir()
	paths := map[string]string{}
	for _, s := range specs {
		p := filepath.Join(dir, s.RunID+".parquet")
		if err := analyzetest.Write(p, s); err != nil {
			t.Fatal(err)
		}
		paths[s.RunID] = p
	}
	return paths
}

var fast = []string{"--warmup", "0s", "--window", "5s"}

func TestCompareCommand(t *testing.T) {
	p := specRuns(t, analyzetest.A, analyzetest.Slower, analyzetest.Shape)
	a, slower, shape := p["run-a"], p["run-slower"], p["run-shape"]
	tests := []struct {
		name string
		args []string
		code int
		out  []string // in stdout
		err  string   // in stderr
	}{
		{"text, names from labels", []string{"--format", "text", a, slower}, 0,
			[]string{"llmrep compare: 2 runs, baseline v1", "v2 vs v1: WORSE.", "P95 LATENCY (MS)"}, ""},
		{"names given", []string{"--format", "text", "old=" + a, "new=" + slower}, 0, []string{"new vs old: WORSE", "new saturates at 40 users vs 40 for old"}, ""},
		{"same label twice: file names", []string{"--format", "text", a, a}, 0, []string{"run-a#2 vs run-a: SAME"}, ""},
		{"markdown", []string{"--format", "md", a, shape}, 0, []string{"## llmrep compare: v4 vs v1", "| p95 @ 20 users |", "<details><summary>Unmatched levels (", "| 80 | v4 | v1 |"}, ""},
		{"one run", []string{a}, exitUsage, nil, "compare needs at least two runs"},
		{"min effect", []string{"--format", "text", "--min-effect", "50%", a, slower}, 0,
			[]string{"v2 vs v1: SAME", "~ +22.9% (p<0.001, within ±50%)", "a change smaller than ±50%"}, ""},
		{"min effect 0", []string{"--format", "text", "--min-effect", "0", a, slower}, 0, []string{"v2 vs v1: WORSE", "min effect   none"}, ""},
		{"min effect without a unit", []string{"--min-effect", "5", a, slower}, exitUsage, nil, `invalid argument "5" for "--min-effect"`},
		{"bad format", []string{"--format", "pdf", a, slower}, exitUsage, nil, "--format \"pdf\""},
		{"bad alpha", []string{"--alpha", "2", a, slower}, exitUsage, nil, "--alpha"},
		{"missing file", []string{a, filepath.Join(t.TempDir(), "nope.parquet")}, exitBadInput, nil, "nope.parquet: no such file"},
		{"empty name", []string{a, "=" + slower}, exitUsage, nil, "want [NAME=]RUN.parquet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := run(t, append([]string{"compare"}, append(fast, tt.args...)...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %q", code, tt.code, errOut)
			}
			for _, s := range tt.out {
				if !strings.Contains(out, s) {
					t.Errorf("stdout lacks %q:\n%s", s, out)
				}
			}
			if !strings.Contains(errOut, tt.err) {
				t.Errorf("stderr %q lacks %q", errOut, tt.err)
			}
			if tt.code != 0 && strings.Count(errOut, "\n") != 1 {
				t.Errorf("want one line on stderr, got %q", errOut)
			}
		})
	}
	t.Run("json to a file", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "c.json")
		_, errOut, code := run(t, append([]string{"compare", "--format", "json", "-o", file}, append(fast, a, slower)...)...)
		b, err := os.ReadFile(file)
		var doc struct {
			FormatVersion int `json:"format_version"`
			Runs          []struct {
				Name string `json:"name"`
			} `json:"runs"`
			Verdicts []struct {
				Outcome string `json:"outcome"`
			} `json:"verdicts"`
		}
		if code != 0 || err != nil || json.Unmarshal(b, &doc) != nil || !strings.Contains(errOut, "wrote "+file) {
			t.Fatalf("exit %d, %v, stderr %q", code, err, errOut)
		}
		if doc.FormatVersion != 1 || len(doc.Runs) != 2 || doc.Verdicts[0].Outcome != "worse" {
			t.Errorf("json %+v", doc)
		}
	})
}

func TestCheckCommand(t *testing.T) {
	p := specRuns(t, analyzetest.A, analyzetest.Slower, analyzetest.Broken)
	a, slower, broken := p["run-a"], p["run-slower"], p["run-broken"]
	tests := []struct {
		name string
		args []string
		code int
		out  []string
		err  string
	}{
		{"max holds", []string{a, "--max", "p95=20s", "--max", "p50@10=1s"}, exitOK, []string{"PASS p95 (overall)", "PASS p50 (at 10 users)", "check passed: 0 of 2"}, ""},
		{"max fails", []string{a, "--max", "p95=100ms"}, exitFailed, []string{"FAIL p95 (overall) = "}, "llmrep: check failed: 1 of 1 gates failed"},
		{"min holds and fails", []string{a, "--min", "rps=10", "--min", "saturation_users=50"}, exitFailed,
			[]string{"PASS rps (overall)", "FAIL saturation_users (run) = 40 users, min 50"}, "1 of 2 gates failed"},
		{"rates", []string{a, "--max", "fail_rate=1%", "--max", "fail_rate=0.0001", "--max", "p99_p50=100"}, exitFailed,
			[]string{"PASS fail_rate (overall) = 0.17% <= max 1.00%", "FAIL fail_rate (overall) = 0.17%, max 0.01%"}, "1 of 3"},
		{"at users", []string{a, "--at-users", "60", "--max", "p95=2s"}, exitFailed, []string{"FAIL p95 (at 60 users)"}, ""},
		{"regression", []string{slower, "--baseline", a, "--max-regression", "p95=10%"}, exitFailed,
			[]string{"FAIL p95 (overall) vs v1: 7.32s -> 9.48s, +29.6% (p<0.001)"}, ""},
		{"regression below the min effect", []string{slower, "--baseline", a, "--max-regression", "p95=10%", "--min-effect", "40%"}, exitOK,
			[]string{"PASS p95 (overall) vs v1: 7.32s -> 9.48s, ~ +29.6% (p<0.001, within ±40%), below the min effect ±40%"}, ""},
		{"regression allowed", []string{slower, "--baseline", a, "--max-regression", "p95=50%", "--max-regression", "fail_rate=1%"}, exitOK,
			[]string{"within the allowed +50%", "not significant"}, ""},
		{"inconclusive fails", []string{broken, "--max", "p95=1s"}, exitFailed, []string{"INCONCLUSIVE p95 (overall): no value (0 samples)"}, "1 of 1 gates failed"},
		{"inconclusive passes", []string{broken, "--max", "p95=1s", "--inconclusive", "pass"}, exitOK, []string{"counted as pass"}, ""},
		{"markdown", []string{a, "--max", "p95=100ms", "--format", "md"}, exitFailed, []string{"## ❌ llmrep check FAILED: v1", "| **fail** | `max p95=100ms` |"}, ""},
		{"markdown against a baseline", []string{slower, "--baseline", a, "--max-regression", "p95=10%", "--format", "md"}, exitFailed,
			[]string{"**v2 vs v1: worse**", "| p95 @ 30 users | 618 ms | 866 ms | +40.2% | worse |", "<details><summary>Gates (1)</summary>"}, ""},
		{"json", []string{a, "--max", "p95=20s", "--format", "json"}, exitOK, []string{`"status": "pass"`, `"passed": true`}, ""},
		{"unknown metric", []string{a, "--max", "q97=1s"}, exitUsage, nil,
			`unknown metric "q97"; valid metrics: p50, p90, p95, p99, max, p99_p50, fail_rate, rps, ttft_p50, ttft_p95, ttft_p99, tpot_p50, tpot_p95, tpot_p99, itl_p50, itl_p95, itl_p99, stall_share, tokens_per_s, goodput, slo_attainment, capacity, peak_rps, peak_tokens_per_s, saturation_users, and any percentile: p99.9, ttft_p99.9, tpot_p99.9, itl_p99.9`},
		{"a percentile not listed is computed for its gate", []string{a, "--max", "p99.9=1h"}, exitOK, []string{"PASS p99.9 (overall)"}, ""},
		{"bad percentiles", []string{a, "--max", "p95=1s", "--percentiles", "50,100"}, exitUsage, nil, "not a percentile"},
		{"latency without unit", []string{a, "--max", "p95=800"}, exitUsage, nil, "give a duration such as 800ms or 2s"},
		{"no gate", []string{a}, exitUsage, nil, "at least one gate"},
		{"regression without baseline", []string{a, "--max-regression", "p95=10%"}, exitUsage, nil, "needs --baseline"},
		{"bad policy", []string{a, "--max", "p95=1s", "--inconclusive", "maybe"}, exitUsage, nil, "must be pass or fail"},
		{"bad run file", []string{filepath.Join(t.TempDir(), "gone.parquet"), "--max", "p95=1s"}, exitBadInput, nil, "gone.parquet: no such file"},
		{"bad baseline file", []string{a, "--baseline", os.DevNull, "--max-regression", "p95=1%"}, exitBadInput, nil, os.DevNull + ": "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := run(t, append([]string{"check"}, append(fast, tt.args...)...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stdout %q, stderr %q", code, tt.code, out, errOut)
			}
			for _, s := range tt.out {
				if !strings.Contains(out, s) {
					t.Errorf("stdout lacks %q:\n%s", s, out)
				}
			}
			if !strings.Contains(errOut, tt.err) {
				t.Errorf("stderr %q lacks %q", errOut, tt.err)
			}
			if tt.code != exitOK && strings.Count(errOut, "\n") != 1 {
				t.Errorf("want one line on stderr, got %q", errOut)
			}
		})
	}
}

func TestCompareWritesHTML(t *testing.T) {
	p := specRuns(t, analyzetest.A, analyzetest.Slower)
	a, slower := p["run-a"], p["run-slower"]
	out, errOut, code := run(t, append([]string{"compare"}, append(fast, a, slower)...)...)
	html := filepath.Join(filepath.Dir(a), "compare.html")
	b, err := os.ReadFile(html)
	if code != 0 || err != nil || !strings.Contains(out, "VERDICTS") || errOut != "llmrep: wrote "+html+"\n" {
		t.Fatalf("exit %d, %v, stderr %q", code, err, errOut)
	}
	if !strings.Contains(string(b), "Content-Security-Policy") || !strings.Contains(string(b), "Comparison: v1 vs v2") {
		t.Error("compare.html is not the comparison page")
	}
}
