package analyze

import (
	"context"
	"path/filepath"
	"slices"
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
		want  []GeneratorCPUFact // one warning each; nil: none (report/view words them)
	}{
		{"idle generator", []*inputFile{genFile(0, 2, idle...)}, nil},
		{"no per-second data", []*inputFile{genFile(0, 2)}, nil},
		{"unknown core count", []*inputFile{genFile(0, 0, 2, 2, 2, 2)}, nil},
		{"one busy second is noise", []*inputFile{genFile(0, 2, 1.9, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2)}, nil},
		{"busy at exactly 90%", []*inputFile{genFile(0, 2, 1.8, 1.8, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2)},
			[]GeneratorCPUFact{{Cores: 2, Busy: 2, Seconds: 10, Peak: 1.8, File: "run.parquet"}}},
		{"just under 90%", []*inputFile{genFile(0, 2, 1.79, 1.79, 1.79, 1.79)}, nil},
		{"two busy seconds in a long run", []*inputFile{genFile(0, 1, append([]float64{1, 1}, make([]float64, 60)...)...)}, nil},
		{"saturated throughout", []*inputFile{genFile(0, 4, 3.9, 4, 3.95, 3.99)},
			[]GeneratorCPUFact{{Cores: 4, Busy: 4, Seconds: 4, Peak: 4, File: "run.parquet"}}},
		{"simulator in process", []*inputFile{func() *inputFile { f := genFile(0, 1, 1, 1, 1); f.meta.Simulator = "knee"; return f }()},
			[]GeneratorCPUFact{{Cores: 1, Busy: 3, Seconds: 3, Peak: 1, Simulator: true, File: "run.parquet"}}},
		{"shards named", []*inputFile{genFile(0, 2, idle...), genFile(1, 2, 2, 2, 2, 2)},
			[]GeneratorCPUFact{{Shard: 1, File: "run.parquet", Named: true, Cores: 2, Busy: 4, Seconds: 4, Peak: 2}}},
		{"one shard of three given, still named", []*inputFile{func() *inputFile { f := genFile(2, 2, 2, 2, 2, 2); f.meta.Shards = 3; return f }()},
			[]GeneratorCPUFact{{Shard: 2, File: "run.parquet", Named: true, Cores: 2, Busy: 4, Seconds: 4, Peak: 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := generatorWarnings(context.Background(), tt.files)
			if err != nil {
				t.Fatal(err)
			}
			if f := facts[GeneratorCPUFact](got); len(got) != len(tt.want) || !slices.Equal(f, tt.want) {
				t.Fatalf("warnings %q, want %+v", texts(got), tt.want)
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
		if w := strings.Join(texts(a.Warnings), "\n"); !strings.Contains(w, "FailureFact{Kind:generator N:6}") {
			t.Errorf("warmup %v: warnings = %q", warmup, a.Warnings)
		}
	}
	clean := writeRun(t, filepath.Join(t.TempDir(), "clean.parquet"), testMeta("run-c", 10, 20), stepReqs(10, []stepSpec{{users: 10, lats: lats(40, 100, 50), fails: 6}}))
	a, err := Analyze(context.Background(), testOptions(0, 5*time.Second), clean)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(strings.Join(texts(a.Warnings), "\n"), "FailureFact{Kind:generator") {
		t.Errorf("warning without generator failures: %q", a.Warnings)
	}
}
