package analyze

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/llmrec/llmrec/schemas"
)

func genFile(shard, procs int, cpu ...float64) *inputFile {
	m := &schemas.RunMeta{Shard: shard, Generator: schemas.Generator{GOMAXPROCS: procs}}
	for i, c := range cpu {
		m.Generator.Seconds = append(m.Generator.Seconds, schemas.GenSecond{T: i, CPU: c})
	}
	return &inputFile{arg: "run.parquet", meta: m}
}

func TestGeneratorWarnings(t *testing.T) {
	idle := []float64{0.2, 0.3, 0.25, 0.2, 0.3, 0.2, 0.2, 0.3, 0.2, 0.2}
	tests := []struct {
		name  string
		files []*inputFile
		want  []string // substrings, one warning each; nil: none
	}{
		{"idle generator", []*inputFile{genFile(0, 2, idle...)}, nil},
		{"no per-second data", []*inputFile{genFile(0, 2)}, nil},
		{"unknown core count", []*inputFile{genFile(0, 0, 2, 2, 2, 2)}, nil},
		{"one busy second is noise", []*inputFile{genFile(0, 2, 1.9, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2)}, nil},
		{"busy at exactly 90%", []*inputFile{genFile(0, 2, 1.8, 1.8, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2)},
			[]string{"the load generator used 90% or more of its 2 CPU cores in 2 of 10 seconds (peak 1.80 cores)"}},
		{"just under 90%", []*inputFile{genFile(0, 2, 1.79, 1.79, 1.79, 1.79)}, nil},
		{"two busy seconds in a long run", []*inputFile{genFile(0, 1, append([]float64{1, 1}, make([]float64, 60)...)...)}, nil},
		{"saturated throughout", []*inputFile{genFile(0, 4, 3.9, 4, 3.95, 3.99)},
			[]string{"4 of 4 seconds (peak 4.00 cores): it may have been the bottleneck"}},
		{"simulator in process", []*inputFile{func() *inputFile { f := genFile(0, 1, 1, 1, 1); f.meta.Simulator = "knee"; return f }()},
			[]string{"the built-in simulator ran in the same process"}},
		{"shards named", []*inputFile{genFile(0, 2, idle...), genFile(1, 2, 2, 2, 2, 2)},
			[]string{"the load generator of shard 1 (run.parquet)"}},
		{"one shard of three given, still named", []*inputFile{func() *inputFile { f := genFile(2, 2, 2, 2, 2, 2); f.meta.Shards = 3; return f }()},
			[]string{"the load generator of shard 2 (run.parquet)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := generatorWarnings(context.Background(), tt.files)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("warnings %q, want %d", got, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("warning %q lacks %q", got[i], w)
				}
			}
		})
	}
}

// TestGeneratorFailuresWarn: rows of class generator, even in the warmup
// only, give a warning that blames the recorder, not the target.
func TestGeneratorFailuresWarn(t *testing.T) {
	reqs := stepReqs(10, []stepSpec{{users: 10, lats: lats(40, 100, 50), fails: 6, class: schemas.ErrGenerator}, {users: 20, lats: lats(40, 100, 50)}})
	path := writeRun(t, filepath.Join(t.TempDir(), "run.parquet"), testMeta("run-g", 10, 20), reqs)
	for _, warmup := range []time.Duration{0, 15 * time.Second} {
		a, err := Analyze(context.Background(), testOptions(warmup, 5*time.Second), path)
		if err != nil {
			t.Fatal(err)
		}
		if w := strings.Join(texts(a.Warnings), "\n"); !strings.Contains(w, "6 requests failed on the load generator itself") {
			t.Errorf("warmup %v: warnings = %q", warmup, a.Warnings)
		}
	}
	clean := writeRun(t, filepath.Join(t.TempDir(), "clean.parquet"), testMeta("run-c", 10, 20), stepReqs(10, []stepSpec{{users: 10, lats: lats(40, 100, 50), fails: 6}}))
	a, err := Analyze(context.Background(), testOptions(0, 5*time.Second), clean)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(strings.Join(texts(a.Warnings), "\n"), "load generator itself") {
		t.Errorf("warning without generator failures: %q", a.Warnings)
	}
}
