package runfile

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadersDoNotImportTheEngine: llmrep's packages (and their tests)
// read and write run files through this package, never through the load
// engine, its simulator or its HTTP clients.
func TestReadersDoNotImportTheEngine(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list over the module")
	}
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	for _, args := range [][]string{
		{"list", "-deps", "./analyze/...", "./report/..."},
		{"list", "-test", "-deps", "./analyze/...", "./report/..."},
	} {
		cmd := exec.Command("go", args...)
		cmd.Dir = root
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go %s: %v", strings.Join(args, " "), err)
		}
		if !strings.Contains(string(out), "github.com/llmrec/llmrec/schemas/runfile") {
			t.Fatalf("go %s lists no runfile package: the check would prove nothing", strings.Join(args, " "))
		}
		for _, pkg := range strings.Fields(string(out)) {
			if pkg == "github.com/llmrec/llmrec/record" || strings.HasPrefix(pkg, "github.com/llmrec/llmrec/record/") {
				t.Errorf("go %s lists %s", strings.Join(args, " "), pkg)
			}
		}
	}
}
