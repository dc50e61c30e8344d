package record

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestRecorderWalls states the recorder's arrows: record and the llmrec
// command may use the analyzer's pure packages analyze/level (the level
// rule and the SLO, so a capacity search decides as llmrep does) and
// analyze/stats (the attainment test), never analyze itself nor anything
// that needs cgo (DuckDB); llmrec builds with CGO_ENABLED=0.
func TestRecorderWalls(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list and go build")
	}
	list := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{len .CgoFiles}}", ".", "../cmd/llmrec")
	list.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := list.Output()
	if err != nil {
		t.Fatal(err)
	}
	deps := string(out)
	for _, want := range []string{"github.com/llmrec/llmrec/analyze/level ", "github.com/llmrec/llmrec/analyze/stats "} {
		if !strings.Contains(deps, want) {
			t.Errorf("go list does not show %s: the check would prove nothing", want)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(deps), "\n") {
		f := strings.Fields(line)
		pkg, cgo := f[0], f[len(f)-1]
		switch {
		case strings.HasPrefix(pkg, "github.com/llmrec/llmrec/analyze") && pkg != "github.com/llmrec/llmrec/analyze/level" &&
			pkg != "github.com/llmrec/llmrec/analyze/stats":
			t.Errorf("the recorder imports %s: only analyze/level and analyze/stats are its to use", pkg)
		case strings.Contains(pkg, "duckdb") || pkg == "runtime/cgo" || cgo != "0":
			t.Errorf("the recorder imports %s, which needs cgo", pkg)
		}
	}
	build := exec.Command("go", "build", "-o", os.DevNull, "../cmd/llmrec")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Errorf("CGO_ENABLED=0 go build ./cmd/llmrec: %v\n%s", err, out)
	}
}
