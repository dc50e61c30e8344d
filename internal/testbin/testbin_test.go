package testbin

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeModule writes a module of three packages, main → a → b, whose
// program prints b's word and b's embedded file.
func writeModule(t *testing.T, root, word, embedded string) {
	t.Helper()
	files := map[string]string{
		"go.mod":  "module example.com/m\n\ngo 1.22\n",
		"main.go": "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/m/a\"\n)\n\nfunc main() { fmt.Print(a.Word()) }\n",
		"a/a.go":  "package a\n\nimport \"example.com/m/b\"\n\nfunc Word() string { return b.Word() }\n",
		// A change to b's body alone leaves a's compiled form as it was:
		// the key must still change.
		"b/b.go":     "package b\n\nimport _ \"embed\"\n\n//go:embed data.txt\nvar data string\n\nfunc Word() string { return \"" + word + "\" + data }\n",
		"b/data.txt": embedded,
	}
	for name, text := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func run(t *testing.T, bin string) string {
	t.Helper()
	out, err := exec.Command(bin).Output()
	if err != nil {
		t.Fatalf("%s: %v", bin, err)
	}
	return string(out)
}

// TestBuildsOncePerSource: a second build of the same source is the
// cached binary, not a new one; a change to a dependency's body or to an
// embedded file gives a new binary, built from the new source; the
// source as it was finds its binary again; a binary unused for a day is
// removed.
func TestBuildsOncePerSource(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go build")
	}
	root, dir := t.TempDir(), t.TempDir()
	writeModule(t, root, "one", "x")
	first, err := build(root, ".", "m", dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := run(t, first); got != "onex" {
		t.Fatalf("first build prints %q, want onex", got)
	}
	before, _ := os.Stat(first)
	again, err := build(root, ".", "m", dir, false)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(again)
	if again != first || !os.SameFile(before, after) {
		t.Fatalf("unchanged source built again: %s then %s", first, again)
	}

	for _, tt := range []struct {
		name, word, embedded, want string
	}{
		{"a dependency's body", "two", "x", "twox"},
		{"an embedded file", "two", "y", "twoy"},
	} {
		writeModule(t, root, tt.word, tt.embedded)
		p, err := build(root, ".", "m", dir, false)
		if err != nil {
			t.Fatal(err)
		}
		if p == first {
			t.Fatalf("%s changed: the same binary %s", tt.name, p)
		}
		if got := run(t, p); got != tt.want {
			t.Fatalf("%s changed: the binary prints %q, want %q", tt.name, got, tt.want)
		}
	}

	// Back to the first source, after a day without use of the others.
	old := time.Now().Add(-2 * unused)
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if err := os.Chtimes(filepath.Join(dir, e.Name()), old, old); err != nil {
			t.Fatal(err)
		}
	}
	writeModule(t, root, "one", "x")
	if p, err := build(root, ".", "m", dir, false); err != nil || p != first {
		t.Fatalf("the first source again: %s, %v; want the cached %s", p, err, first)
	}
	// A new build prunes what went unused.
	writeModule(t, root, "three", "z")
	newest, err := build(root, ".", "m", dir, false)
	if err != nil {
		t.Fatal(err)
	}
	entries, _ = os.ReadDir(dir)
	var left []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	if want := []string{filepath.Base(first), filepath.Base(newest)}; len(left) != 2 ||
		!strings.Contains(strings.Join(left, " "), want[0]) || !strings.Contains(strings.Join(left, " "), want[1]) {
		t.Errorf("cache holds %v, want the one used today %s and the new %s", left, want[0], want[1])
	}
}

func TestBuildError(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go build")
	}
	root := t.TempDir()
	writeModule(t, root, `" + undefined + "`, "x")
	if _, err := build(root, ".", "m", t.TempDir(), false); err == nil || !strings.Contains(err.Error(), "undefined") {
		t.Errorf("a source that does not compile: %v, want the compiler's message", err)
	}
}
