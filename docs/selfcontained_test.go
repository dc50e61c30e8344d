package docs

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// outside matches a reference to a document that is not in the repository:
// the product contract (SPEC), the folder beside the repository that held
// it, and the article the method was first drawn from. The method is
// docs/METHOD.md; point there instead.
var outside = regexp.MustCompile(`\bSPEC\b|\.\./shared|(?i:\bthe seed\b|\bseed's\b)`)

// exempt are files the rule does not apply to: tests and their data (they
// may quote anything), and installed or vendored third-party code.
func exempt(path string) bool {
	slash := "/" + filepath.ToSlash(path)
	return strings.HasSuffix(path, "_test.go") ||
		strings.Contains(slash, "/testdata/") ||
		strings.Contains(slash, "/node_modules/") ||
		strings.Contains(slash, "/.git/")
}

// repoFiles lists the repository's files relative to root: the tracked
// ones when git knows the tree, else every file under root.
func repoFiles(t *testing.T, root string) []string {
	t.Helper()
	cmd := exec.Command("git", "ls-files", "-z")
	cmd.Dir = root
	if out, err := cmd.Output(); err == nil {
		var files []string
		for _, f := range strings.Split(string(out), "\x00") {
			if f != "" {
				files = append(files, f)
			}
		}
		return files
	}
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			if name := d.Name(); name == ".git" || name == "node_modules" || name == "bin" {
				return filepath.SkipDir
			}
			return nil
		}
		files = append(files, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// scan returns "file:line: text" for each line of the text files that
// mentions an outside document.
func scan(t *testing.T, root string, files []string) []string {
	t.Helper()
	var hits []string
	for _, f := range files {
		if exempt(f) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			if os.IsNotExist(err) {
				continue // deleted in the work tree, not yet in the index
			}
			t.Fatal(err)
		}
		if bytes.IndexByte(b, 0) >= 0 {
			continue // binary
		}
		for i, line := range strings.Split(string(b), "\n") {
			if outside.MatchString(line) {
				if len(line) > 120 {
					line = line[:120] + "..."
				}
				hits = append(hits, f+":"+strconv.Itoa(i+1)+": "+strings.TrimSpace(line))
			}
		}
	}
	return hits
}

// TestSelfContained fails when a file a user reads (README, docs, format
// documents, --help texts, code comments) cites the product contract, the
// folder beside the repository, or the source article.
func TestSelfContained(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	files := repoFiles(t, root)
	if len(files) < 20 {
		t.Fatalf("found only %d files under %s: is this the repository root?", len(files), root)
	}
	for _, h := range scan(t, root, files) {
		t.Errorf("%s: point to docs/METHOD.md (or say it in the file) instead", h)
	}
}

// TestOutsidePattern checks what the rule catches and what it leaves alone.
func TestOutsidePattern(t *testing.T) {
	for _, tc := range []struct {
		line string
		want bool
	}{
		{"the figures of SPEC §6", true},
		{"see ../shared/SPEC.md", true},
		{"the seed's health bands", true},
		{"The seed's StepLoadShape", true},
		{"as in the seed.", true},
		{"IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR ANY SPECIAL DAMAGES", false},
		{"a request draws its plan from the seeded source", false},
		{"--seed makes the workload reproducible", false},
		{"its text's random seed", false},
	} {
		if got := outside.MatchString(tc.line); got != tc.want {
			t.Errorf("%q: matched %v, want %v", tc.line, got, tc.want)
		}
	}
	for _, tc := range []struct {
		path string
		want bool
	}{
		{"cmd/llmrec/main_test.go", true},
		{"analyze/testdata/x.txt", true},
		{"testdata/x.txt", true},
		{"report/assets/node_modules/echarts/README.md", true},
		{"README.md", false},
		{"analyze/doc.go", false},
	} {
		if got := exempt(tc.path); got != tc.want {
			t.Errorf("exempt(%q) = %v, want %v", tc.path, got, tc.want)
		}
	}
}
