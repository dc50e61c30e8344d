package main

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/llmrec/llmrec/analyze/analyzetest"
)

// writeAt writes run s as if it started hours after analyzetest.T0.
func writeAt(t *testing.T, path string, s analyzetest.Spec, hours int) {
	t.Helper()
	meta, recs := analyzetest.Records(s)
	shift := time.Duration(hours) * time.Hour
	meta.StartedAt, meta.EndedAt = meta.StartedAt.Add(shift), meta.EndedAt.Add(shift)
	for i := range recs {
		recs[i].ScheduledAt, recs[i].Start = recs[i].ScheduledAt.Add(shift), recs[i].Start.Add(shift)
	}
	if err := analyzetest.WriteRecords(path, meta, recs); err != nil {
		t.Fatal(err)
	}
}

// TestCheckTrendCommand: the newest of five runs, twice as slow, fails
// its p95 regression gate against the trend of the four before it (the
// checked file is in the glob and left out); the same gate holds for the
// fourth run against the three before it.
func TestCheckTrendCommand(t *testing.T) {
	dir := t.TempDir()
	for b := 1; b <= 5; b++ {
		scale := 1.0
		if b == 5 {
			scale = 2
		}
		s := analyzetest.Spec{RunID: "run-" + strconv.Itoa(b), Model: "m", Labels: map[string]string{"build": strconv.Itoa(b)},
			Users: []int{10, 20, 30}, PerStep: 200, Seed: uint64(b), Knee: 40, Scale: scale}
		writeAt(t, filepath.Join(dir, "b"+strconv.Itoa(b)+".parquet"), s, b)
	}
	glob := filepath.Join(dir, "*.parquet")
	out, errOut, code := run(t, "check", filepath.Join(dir, "b5.parquet"), "--trend", glob, "--max-regression", "p95=10%", "--warmup", "0s")
	if code != exitFailed || !strings.Contains(out, "FAIL p95 (overall) vs the trend:") || !strings.Contains(out, "over 4 runs") {
		t.Errorf("newest: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = run(t, "check", filepath.Join(dir, "b4.parquet"), "--trend", glob, "--max-regression", "p95=10%", "--warmup", "0s")
	if code != exitOK || !strings.Contains(out, "PASS p95 (overall) vs the trend:") || !strings.Contains(out, "over 3 runs") {
		t.Errorf("fourth: exit %d\n%s%s", code, out, errOut)
	}
	if _, errOut, code := run(t, "check", filepath.Join(dir, "b4.parquet"), "--trend", glob, "--baseline", filepath.Join(dir, "b1.parquet"), "--max-regression", "p95=10%"); code != exitUsage || !strings.Contains(errOut, "exclude each other") {
		t.Errorf("--trend with --baseline: exit %d %q", code, errOut)
	}
}
