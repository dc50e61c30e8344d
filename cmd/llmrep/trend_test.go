package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/llmrec/llmrec/analyze/analyzetest"
)

// TestTrendCommand: five runs (a glob) where the fourth build on doubles
// latency: the change point of p95 is build 4 in every format.
func TestTrendCommand(t *testing.T) {
	dir := t.TempDir()
	for b := 1; b <= 5; b++ {
		scale := 1.0
		if b >= 4 {
			scale = 2
		}
		s := analyzetest.Spec{RunID: "run-" + strconv.Itoa(b), Model: "m", Labels: map[string]string{"build": strconv.Itoa(b)},
			Users: []int{10, 20, 30}, PerStep: 200, Seed: uint64(b), Knee: 40, Scale: scale}
		if err := analyzetest.Write(filepath.Join(dir, "b"+strconv.Itoa(6-b)+".parquet"), s); err != nil {
			t.Fatal(err)
		}
	}
	glob := filepath.Join(dir, "*.parquet")
	out, errOut, code := run(t, "trend", glob, "--by", "build", "--warmup", "0s")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"llmrep trend: 5 runs by build", "p95 latency (ms): worse from 4 on:", "failure rate: no change beyond ±1 point that stayed", "peak output tokens/s: no value in any run"} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	out, _, code = run(t, "trend", glob, "--by", "build", "--warmup", "0s", "--format", "json")
	var doc struct {
		Figures []struct {
			Figure      string `json:"figure"`
			ChangePoint *struct {
				Index int    `json:"index"`
				Run   string `json:"run"`
			} `json:"change_point"`
		} `json:"figures"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 0 {
		t.Fatalf("json: exit %d, %v", code, err)
	}
	if cp := doc.Figures[0].ChangePoint; doc.Figures[0].Figure != "p95" || cp == nil || cp.Index != 3 || cp.Run != "4" {
		t.Errorf("json p95 change point %+v, want index 3, run 4", cp)
	}
	out, _, _ = run(t, "trend", glob, "--by", "build", "--warmup", "0s", "--format", "md")
	if !strings.Contains(out, "- **p95 latency (ms)**: worse from 4 on") || !strings.Contains(out, "<details><summary>Runs (5)") {
		t.Errorf("markdown:\n%s", out)
	}
	page := filepath.Join(t.TempDir(), "trend.html")
	if _, errOut, code := run(t, "trend", glob, "--by", "build", "--warmup", "0s", "--format", "html", "-o", page); code != 0 {
		t.Errorf("html: exit %d %q", code, errOut)
	}
	if b, err := os.ReadFile(page); err != nil || !strings.Contains(string(b), "worse from 4 on") {
		t.Errorf("html page: %v", err)
	}
	if _, errOut, code := run(t, "trend", glob, "--format", "pdf"); code != exitUsage || !strings.Contains(errOut, "--format") {
		t.Errorf("pdf: exit %d %q, want a usage error", code, errOut)
	}
}
