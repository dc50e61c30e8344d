package rundata

import (
	"context"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/analyzetest"
)

// loaded caches the runs by run ID.
var loaded = struct {
	sync.Mutex
	runs map[string]*analyze.RunData
}{runs: map[string]*analyze.RunData{}}

// Options are the analysis settings of the loaded runs: no warmup, a 5s
// window, two threads.
func Options() analyze.Options {
	o := analyze.DefaultOptions()
	o.Warmup, o.Window, o.Threads = 0, 5*time.Second, 2
	return o
}

// Load writes run s and loads it (analyze.LoadRun with Options), once per
// test binary: the result is shared, so a test that changes it copies it
// first.
func Load(t testing.TB, s analyzetest.Spec) *analyze.RunData {
	t.Helper()
	loaded.Lock()
	defer loaded.Unlock()
	if r := loaded.runs[s.RunID]; r != nil {
		return r
	}
	// The file is not needed once loaded: RunData is in memory.
	path := filepath.Join(t.TempDir(), s.RunID+".parquet")
	if err := analyzetest.Write(path, s); err != nil {
		t.Fatal(err)
	}
	r, err := analyze.LoadRun(context.Background(), Options(), s.Labels["model"], path)
	if err != nil {
		t.Fatal(err)
	}
	loaded.runs[s.RunID] = r
	return r
}

// Trend writes five runs labelled build=1..5 with the latency scales
// given, and analyzes them in the order of files (build 3, 1, 5, 2, 4:
// a trend orders them).
func Trend(t testing.TB, scales [5]float64) ([]*analyze.Analysis, []string) {
	t.Helper()
	dir := t.TempDir()
	o := analyze.DefaultOptions()
	o.Warmup, o.Threads = 0, 2
	var runs []*analyze.Analysis
	var files []string
	for _, b := range []int{3, 1, 5, 2, 4} {
		s := analyzetest.Spec{RunID: "run-" + strconv.Itoa(b), Model: "m",
			Labels: map[string]string{"build": strconv.Itoa(b), "commit": "c" + strconv.Itoa(b)},
			Users:  []int{10, 20, 30}, PerStep: 200, Seed: uint64(b), Knee: 40, Scale: scales[b-1], LLM: true}
		path := filepath.Join(dir, s.RunID+".parquet")
		if err := analyzetest.Write(path, s); err != nil {
			t.Fatal(err)
		}
		a, err := analyze.Analyze(context.Background(), o, path)
		if err != nil {
			t.Fatal(err)
		}
		runs, files = append(runs, a), append(files, path)
	}
	return runs, files
}
