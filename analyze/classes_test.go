package analyze

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/llmrec/llmrec/schemas"
)

// TestByClassOnAFileWithoutClasses: a version-1 file (no class column) and
// a current file without a workload analyze with --by class: no class
// figures, a warning, and every other figure as without it.
func TestByClassOnAFileWithoutClasses(t *testing.T) {
	plain := writeRun(t, filepath.Join(t.TempDir(), "plain.parquet"), testMeta("plain", 10, 10),
		stepReqs(10, []stepSpec{{users: 10, lats: lats(50, 100, 10)}}))
	for _, path := range []string{"testdata/v1-closed.parquet", plain} {
		o := testOptions(0, 10e9)
		a, err := Analyze(context.Background(), o, path)
		if err != nil {
			t.Fatal(err)
		}
		o.By = ByClass
		b, err := Analyze(context.Background(), o, path)
		if err != nil {
			t.Fatal(err)
		}
		if b.Classes == nil || len(b.Classes) != 0 || len(b.Warnings) != len(a.Warnings)+1 ||
			!hasFact(b.Warnings, RunFact{Kind: RunNoClasses}) {
			t.Errorf("%s: classes %v, warnings %q", path, b.Classes, texts(b.Warnings))
		}
		if a.Classes != nil || a.Overall.Requests != b.Overall.Requests || *a.Overall.P95MS != *b.Overall.P95MS {
			t.Errorf("%s: --by class changed the run's figures", path)
		}
	}
}

// TestByClassRowsOutsideTheFooter: rows whose class the footer does not
// name are in no class's figures, and a warning counts them; the classes'
// figures are over their own rows only; a footer naming a class twice
// keeps its first.
func TestByClassRowsOutsideTheFooter(t *testing.T) {
	m := testMeta("cls", 10, 10)
	m.Workload = &schemas.Workload{Prompts: "classes", Classes: []schemas.Class{
		{Name: "a", Weight: 1, Prompts: "builtin"}, {Name: "b", Weight: 3, Prompts: "builtin", SLO: "latency=75ms"},
		{Name: "a", Weight: 9, Prompts: "builtin"}}} // a name twice: a hand-made footer
	reqs := stepReqs(10, []stepSpec{{users: 10, lats: lats(50, 100, 30)}})
	recs := make([]schemas.Record, len(reqs))
	names := []string{"a", "b", "stranger"}
	want := map[string]int64{}
	for i, r := range reqs {
		recs[i] = r.record(m.RunID, i)
		n := names[i%3]
		recs[i].Class = &n
		want[n]++
	}
	path := writeRecords(t, filepath.Join(t.TempDir(), "cls.parquet"), m, recs)
	o := testOptions(0, 10e9)
	o.By = ByClass
	a, err := Analyze(context.Background(), o, path)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Classes) != 2 || a.Classes[0].Requests != want["a"] || a.Classes[1].Requests != want["b"] {
		t.Fatalf("classes %+v, want %v", a.Classes, want)
	}
	if a.Classes[1].SLOSource != "class" || a.Classes[0].SLOSource != "" || a.Classes[0].Good != a.Classes[0].OK {
		t.Errorf("SLO: %+v", a.Classes)
	}
	if !hasFact(a.Warnings, UnclassedFact{N: want["stranger"]}) {
		t.Errorf("warnings %q lack %d requests without a class", texts(a.Warnings), want["stranger"])
	}
}

// TestByValidated: --by takes class only.
func TestByValidated(t *testing.T) {
	o := testOptions(0, 10e9)
	o.By = "model"
	if err := o.Validate(); err == nil || !strings.Contains(err.Error(), `by "model"`) {
		t.Errorf("Validate: %v", err)
	}
}
