package stats

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

const self = "github.com/llmrec/llmrec/analyze/stats"

// TestImportsNothingOfOurs states this package's arrows: it imports no
// other package of the module (not analyze, not the run file, not the
// recorder) and nothing that needs cgo (not DuckDB), tests included; and
// it builds with CGO_ENABLED=0.
func TestImportsNothingOfOurs(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list and go build")
	}
	for _, args := range [][]string{
		{"list", "-deps", "-f", "{{.ImportPath}} {{len .CgoFiles}}", "."},
		{"list", "-test", "-deps", "-f", "{{.ImportPath}} {{len .CgoFiles}}", "."},
	} {
		out, err := exec.Command("go", args...).Output()
		if err != nil {
			t.Fatalf("go %s: %v", strings.Join(args, " "), err)
		}
		if !strings.Contains(string(out), "gonum.org/v1/gonum/stat/distuv ") {
			t.Fatalf("go %s does not list gonum: the check would prove nothing\n%s", strings.Join(args, " "), out)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			// "path N" or "path [p.test] N": a test variant of path.
			f := strings.Fields(line)
			pkg, cgoFiles := f[0], f[len(f)-1]
			switch {
			case strings.HasPrefix(pkg, "github.com/llmrec/llmrec") && pkg != self && pkg != self+".test":
				t.Errorf("go %s lists %s: this package imports nothing of ours", strings.Join(args[:2], " "), pkg)
			case strings.Contains(pkg, "duckdb") || pkg == "runtime/cgo":
				t.Errorf("go %s lists %s: this package needs no database and no cgo", strings.Join(args[:2], " "), pkg)
			case cgoFiles != "0":
				t.Errorf("go %s lists %s, which has cgo files", strings.Join(args[:2], " "), pkg)
			}
		}
	}
	build := exec.Command("go", "build", ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Errorf("CGO_ENABLED=0 go build: %v\n%s", err, out)
	}
}
