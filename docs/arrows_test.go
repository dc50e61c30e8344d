package docs

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// module is this repository's module path.
const module = "github.com/llmrec/llmrec/"

// arrows are the packages of ours each package may import (its non-test
// code), as docs/ARCHITECTURE.md draws them: the arrows go one way, from
// the commands down to the file format, and the pure libraries
// (analyze/level, analyze/stats, internal/outfile, internal/cleantext)
// import nothing of ours.
// A package not listed may import nothing of ours.
var arrows = map[string][]string{
	"cmd/llmrec":          {"internal/outfile", "record", "record/dashboard", "record/livemetrics", "record/scrape", "record/sim", "record/target", "schemas", "schemas/runfile", "analyze/level"},
	"cmd/llmrep":          {"analyze", "analyze/compare", "analyze/gate", "analyze/export", "internal/outfile", "report", "report/htmlreport", "report/view", "schemas"},
	"record":              {"record/target", "record/scrape", "schemas", "analyze/level", "analyze/stats"},
	"record/scrape":       {"schemas"},
	"record/livemetrics":  {"record", "record/dashboard", "schemas"},
	"record/dashboard":    {"record", "report/assets", "analyze/level", "internal/cleantext"},
	"record/target":       {"schemas", "internal/outfile"},
	"analyze":             {"analyze/level", "analyze/stats", "schemas", "schemas/runfile", "internal/outfile", "internal/cleantext"},
	"analyze/analyzetest": {"schemas", "schemas/runfile"},
	// The libraries over one run's figures: comparison of runs, gates,
	// export. They import analyze; analyze imports none of them.
	"analyze/compare": {"analyze", "analyze/stats"},
	"analyze/gate":    {"analyze", "analyze/compare"},
	"analyze/export":  {"analyze"},
	// Test helpers of compare and gate: the synthetic runs, loaded.
	"analyze/analyzetest/rundata": {"analyze", "analyze/analyzetest"},
	"report":                      {"analyze", "analyze/compare", "analyze/gate", "report/view"},
	"report/view":                 {"analyze", "analyze/compare", "analyze/gate", "analyze/level", "schemas"},
	"report/htmlreport":           {"analyze", "analyze/compare", "report/assets", "report/view", "schemas"},
	"schemas/runfile":             {"internal/outfile", "schemas"},
}

// TestArrows checks every package's imports of ours against arrows, so a
// new dependency is a decision made here, in the open, not an accident.
func TestArrows(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}}:{{join .Imports \" \"}}", "../...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, ":")
		pkg = strings.TrimPrefix(pkg, module)
		if strings.HasPrefix(pkg, "scripts/") {
			continue // benchmark programs: they may use anything
		}
		for _, imp := range strings.Fields(imports) {
			ours, ok := strings.CutPrefix(imp, module)
			if !ok {
				continue
			}
			if !slices.Contains(arrows[pkg], ours) {
				t.Errorf("%s imports %s: not an arrow of docs/ARCHITECTURE.md (add it to arrows and the drawing if it is meant)", pkg, ours)
			}
		}
	}
}
