package docs

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestMakeHelpListsEveryTarget: `make help` lists every .PHONY target of
// the Makefile, with its "## " comment, whatever characters its name holds
// (e2e-shards was left out when the pattern allowed only letters and -).
func TestMakeHelpListsEveryTarget(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make")
	}
	src, err := os.ReadFile("../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	var phony []string
	comments := map[string]string{}
	for _, line := range strings.Split(string(src), "\n") {
		if rest, ok := strings.CutPrefix(line, ".PHONY:"); ok {
			phony = append(phony, strings.Fields(rest)...)
			continue
		}
		name, rule, ok := strings.Cut(line, ":")
		if !ok || strings.ContainsAny(name, " \t$=") || strings.HasPrefix(rule, "=") {
			continue
		}
		if _, doc, ok := strings.Cut(rule, "## "); ok {
			comments[name] = strings.TrimSpace(doc)
		}
	}
	if len(phony) < 10 {
		t.Fatalf("found %d .PHONY targets in the Makefile: %v", len(phony), phony)
	}
	cmd := exec.Command("make", "-s", "--no-print-directory", "help")
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("make help: %v", err)
	}
	listed := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if f := strings.Fields(line); len(f) >= 2 {
			listed[f[0]] = strings.Join(f[1:], " ")
		}
	}
	for _, name := range phony {
		doc, ok := comments[name]
		switch {
		case !ok:
			t.Errorf("target %s has no ## comment: make help cannot list it", name)
		case listed[name] != strings.Join(strings.Fields(doc), " "):
			t.Errorf("make help lists %s as %q; want %q\n%s", name, listed[name], doc, out)
		}
	}
}
