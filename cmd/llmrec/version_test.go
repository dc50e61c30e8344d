package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestVersionWithoutLdflags: a binary built as `go install ./cmd/...`
// builds it (no -ldflags, in a git checkout) says the revision it was
// built from, not "dev"; one stamped with -ldflags -X (make build) says
// what it was given. The module's files (as they are now, changes
// included) are committed to a new repository first: Go stamps no
// revision in a git worktree, where .git is a file.
func TestVersionWithoutLdflags(t *testing.T) {
	if testing.Short() {
		t.Skip("builds llmrec twice")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git: nothing to stamp a revision from")
	}
	run := func(dir, name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GIT_CONFIG_GLOBAL=/dev/null",
			"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@t")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	root := filepath.Dir(run(".", "go", "env", "GOMOD"))
	repo := t.TempDir()
	for _, f := range strings.Split(run(root, "git", "ls-files", "-co", "--exclude-standard"), "\n") {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			continue // deleted in the work tree
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(repo, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(repo, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run(repo, "git", "init", "-q")
	run(repo, "git", "add", "-A")
	run(repo, "git", "commit", "-q", "-m", "snapshot")
	rev := run(repo, "git", "rev-parse", "HEAD")[:12]

	bin := filepath.Join(t.TempDir(), "llmrec")
	// -buildvcs=true: go install's default (GOFLAGS may turn it off here).
	run(repo, "go", "build", "-buildvcs=true", "-o", bin, "./cmd/llmrec")
	if got := run(repo, bin, "version"); !strings.HasPrefix(got, "llmrec ") || strings.Contains(got, " dev ") || !strings.Contains(got, rev) {
		t.Errorf("without -ldflags: %q; want the revision %s, not dev", got, rev)
	}
	run(repo, "go", "build", "-buildvcs=true", "-ldflags", "-X github.com/llmrec/llmrec/schemas.ToolVersion=v9.9.9-test", "-o", bin, "./cmd/llmrec")
	if got := run(repo, bin, "version"); !strings.HasPrefix(got, "llmrec v9.9.9-test ") {
		t.Errorf("with -ldflags -X: %q; want llmrec v9.9.9-test", got)
	}
}
