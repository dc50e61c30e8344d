package main

import (
	"bufio"
	"context"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/internal/testbin"
	"github.com/llmrec/llmrec/record"
	"github.com/llmrec/llmrec/schemas/runfile"
)

// The run file is the search's Checkpointer: its metadata frames are what
// a recovered search keeps.
var _ record.Checkpointer = (*runfile.File)(nil)

// probeLineRE is a probe line of llmrec search: its step and level.
var probeLineRE = regexp.MustCompile(`^probe\s+(\d+)\s+([0-9.]+) req/s`)

// TestSearchKilledKeepsItsLevels: a real llmrec search (the built-in
// simulator), killed (SIGKILL) in its third probe or later, then
// recovered: the footer keeps the levels of the probes that ended (as
// printed), where their steps ended and the probes, and llmrep reads each
// of those steps at its own level. Before the journal kept the metadata
// as it changed, the recovered footer had no levels, no step ends and
// no probes: every step read at the first level, all of equal length.
func TestSearchKilledKeepsItsLevels(t *testing.T) {
	if testing.Short() {
		t.Skip("records a search for about 6 s")
	}
	out := filepath.Join(t.TempDir(), "search.parquet")
	cmd := exec.Command(testbin.Llmrec(t), "search", "--slo", "latency=400ms", "--arrival", "constant", "--rate", "32",
		"--probe", "2s", "--probe-warmup", "1s", "--max-tokens", "16", "--max-probes", "14", "-o", out)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var lines []string
	var levels []float64 // of the probes printed, in order
	second := make(chan struct{})
	var reader sync.WaitGroup
	reader.Go(func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			mu.Lock()
			lines = append(lines, sc.Text())
			if m := probeLineRE.FindStringSubmatch(sc.Text()); m != nil {
				v, _ := strconv.ParseFloat(m[2], 64)
				levels = append(levels, v)
				if len(levels) == 2 {
					close(second)
				}
			}
			mu.Unlock()
		}
	})
	select {
	case <-second:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		reader.Wait()
		t.Fatalf("no second probe in 30 s: %s", strings.Join(lines, "\n"))
	}
	time.Sleep(1500 * time.Millisecond) // into the third probe's measured part
	cmd.Process.Kill()
	reader.Wait()
	cmd.Wait()
	t.Logf("search's stderr:\n%s", strings.Join(lines, "\n"))

	var rout, rerr strings.Builder
	if code := Main(context.Background(), []string{"recover", out}, nil, &rout, &rerr); code != 0 {
		t.Fatalf("recover exit %d: %s", code, rerr.String())
	}
	_, meta := countRows(t, out)
	sh := meta.Shape
	n := len(levels) // the probes that ended and were printed
	if len(sh.Levels) < n || !slices.Equal(sh.Levels[:n], levels) || len(sh.StepEndsS) < n || sh.Search == nil ||
		len(sh.Search.Probes) < n || len(sh.Search.Probes) > n+1 || len(sh.Levels) < len(sh.StepEndsS) {
		t.Fatalf("recovered footer: levels %v, step ends %v, search %+v; want the %d printed probes' levels %v, their ends and probes",
			sh.Levels, sh.StepEndsS, sh.Search, n, levels)
	}
	for k := range n {
		if p := sh.Search.Probes[k]; p.Step != k+1 || p.Level != levels[k] {
			t.Errorf("recovered probe %d: step %d level %g, printed %g", k+1, p.Step, p.Level, levels[k])
		}
	}
	if d := sh.StepEndsS[len(sh.StepEndsS)-1]; sh.DurationS != d || !(sh.StepEndsS[0] > 0) {
		t.Errorf("duration %g s, step ends %v", sh.DurationS, sh.StepEndsS)
	}

	o := analyze.DefaultOptions()
	o.Threads = 2
	o.SLO = analyze.SLO{Latency: 400 * time.Millisecond}
	a, err := analyze.Analyze(context.Background(), o, out)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Run.Shape.StepEndsS, sh.StepEndsS) {
		t.Errorf("analysis step ends %v, footer %v", a.Run.Shape.StepEndsS, sh.StepEndsS)
	}
	got := map[int]float64{}
	for _, s := range a.Steps {
		got[s.Step] = s.Level
	}
	for k := 1; k <= n; k++ {
		if v, ok := got[k]; !ok || v != levels[k-1] {
			t.Errorf("analysis: step %d at level %g (present %v), want the probe's %g", k, v, ok, levels[k-1])
		}
	}
}
