package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	reportpkg "github.com/llmrec/llmrec/report"
	"github.com/llmrec/llmrec/schemas"
)

// Crafted run files cannot make a report grow with them: a run of 100,000
// one-request steps and one of 20,000 distinct error classes give a
// Markdown under reportpkg.MaxMarkdown, an HTML page and a text report of a
// bounded size (the caps of report/view). Before the caps, the steps made
// a 34 MB page and the classes a 624,096-character Markdown.
func TestReportsAreBoundedWhateverTheInput(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and analyzes 100,000-row run files")
	}
	dir := t.TempDir()
	const n = 100_000
	steps := make([]schemas.Record, n)
	for i := range steps {
		start := t0.Add(time.Duration(i) * time.Millisecond)
		steps[i] = schemas.Record{RunID: "steps", Seq: int64(i), Step: int32(i + 1), Users: int32(i + 1),
			ScheduledAt: start, Start: start, LatencyMS: 100 + float64(i%50), Status: 200, OK: true}
	}
	m := meta("steps")
	m.EndedAt = t0.Add(n * time.Millisecond)
	m.Shape = schemas.Shape{StepUsers: 1, StepTimeS: 0.001, MaxUsers: n, SpawnRate: 1000}
	manySteps := writeRun(t, filepath.Join(dir, "steps.parquet"), m, steps)

	const classes = 20_000
	errs := make([]schemas.Record, classes)
	for i := range errs {
		start := t0.Add(time.Duration(i) * time.Millisecond)
		class, msg := fmt.Sprintf("class_%05d_%s", i, strings.Repeat("x", 20)), fmt.Sprintf("error number %d", i)
		errs[i] = schemas.Record{RunID: "errors", Seq: int64(i), Step: 1, Users: 10, ScheduledAt: start, Start: start,
			LatencyMS: 10, Status: 500, ErrorClass: &class, Error: &msg}
	}
	manyErrors := writeRun(t, filepath.Join(dir, "errors.parquet"), meta("errors"), errs)

	// HTML carries the ~1 MB ECharts script; the rest must stay small.
	limits := map[string]int64{"md": reportpkg.MaxMarkdown, "html": 2 << 20, "text": 200_000}
	for _, in := range []string{manySteps, manyErrors} {
		for format, limit := range limits {
			t.Run(filepath.Base(in)+"/"+format, func(t *testing.T) {
				out := filepath.Join(dir, filepath.Base(in)+"."+format)
				_, errOut, code := run(t, "analyze", in, "--warmup", "0s", "--format", format, "-o", out)
				if code == exitBadInput {
					t.Logf("refused at load: %s", errOut) // a validation that refuses the file bounds it too
					return
				}
				fi, err := os.Stat(out)
				if code != 0 || err != nil {
					t.Fatalf("status %d, stderr %q, %v", code, errOut, err)
				}
				if fi.Size() >= limit {
					t.Errorf("%s report of %s is %d bytes, want < %d", format, filepath.Base(in), fi.Size(), limit)
				}
			})
		}
	}
}
