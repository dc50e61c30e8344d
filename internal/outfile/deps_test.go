package outfile

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportsOnlyTheStandardLibrary: the rule sits under every writer
// (llmrec builds without cgo, the analyzer links DuckDB), so it imports
// nothing but the standard library.
func TestImportsOnlyTheStandardLibrary(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if pkg != "github.com/llmrec/llmrec/internal/outfile" {
			t.Errorf("outfile imports %s", pkg)
		}
	}
}
