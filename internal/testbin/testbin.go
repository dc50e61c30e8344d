package testbin

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Llmrec returns the path of the llmrec command built, as it is released
// (CGO_ENABLED=0), from the module's current source; the test fails if it
// cannot be built.
func Llmrec(t testing.TB) string {
	t.Helper()
	path, err := llmrec()
	if err != nil {
		t.Fatalf("build llmrec: %v", err)
	}
	return path
}

// Llmrep returns the path of the llmrep command built from the module's
// current source (with cgo: the analyzer embeds DuckDB); the test fails if
// it cannot be built.
func Llmrep(t testing.TB) string {
	t.Helper()
	path, err := llmrep()
	if err != nil {
		t.Fatalf("build llmrep: %v", err)
	}
	return path
}

// llmrec and llmrep build (or find) each command once per test process.
var (
	llmrec = sync.OnceValues(func() (string, error) { return command("./cmd/llmrec", "llmrec", false) })
	llmrep = sync.OnceValues(func() (string, error) { return command("./cmd/llmrep", "llmrep", true) })
)

// command returns the command pkg of the module, named name, built (with
// cgo or not) or found in the cache.
func command(pkg, name string, cgo bool) (string, error) {
	gomod, err := goCmd("", false, "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	dir, err := cacheDir()
	if err != nil {
		return "", err
	}
	return build(root, pkg, name, dir, cgo)
}

// unused is how long a cached binary is kept after its last use.
const unused = 24 * time.Hour

// cacheDir is the directory of the cached binaries: in the user's cache
// directory, or, without one, a new temporary directory (nothing shared).
func cacheDir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return os.MkdirTemp("", "llmrec-testbin-")
	}
	dir := filepath.Join(base, "llmrec", "testbin")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create the test binaries' cache: %w", err)
	}
	return dir, nil
}

// build returns the path in dir of the command pkg (a package path
// relative to the module at root) named name, built from its current
// source (with cgo or not): the cached one, or a new build.
func build(root, pkg, name, dir string, cgo bool) (string, error) {
	key, err := sourceKey(root, pkg, cgo)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, name+"-"+key)
	if _, err := os.Stat(path); err == nil {
		now := time.Now()
		_ = os.Chtimes(path, now, now) // used: kept by prune
		return path, nil
	}
	tmp, err := os.MkdirTemp(dir, ".build-")
	if err != nil {
		return "", fmt.Errorf("build %s: %w", pkg, err)
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, name)
	if msg, err := goCmd(root, cgo, "build", "-o", out, pkg).CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %w\n%s", pkg, err, msg)
	}
	if err := os.Rename(out, path); err != nil {
		return "", fmt.Errorf("build %s: %w", pkg, err)
	}
	prune(dir, path)
	return path, nil
}

// sourceKey hashes the build IDs of pkg and of every package it imports,
// directly or not: it changes whenever anything pkg is built from does.
func sourceKey(root, pkg string, cgo bool) (string, error) {
	out, err := goCmd(root, cgo, "list", "-deps", "-export", "-f", "{{.ImportPath}} {{.Standard}} {{.BuildID}}", pkg).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			err = fmt.Errorf("%w\n%s", err, ee.Stderr)
		}
		return "", fmt.Errorf("go list -export %s: %w", pkg, err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		// Every package of ours has a build ID (some of the standard
		// library's, such as unsafe, have none).
		if f := strings.Fields(line); len(f) < 3 && (len(f) < 2 || f[1] != "true") {
			return "", fmt.Errorf("go list -export %s: no build ID in %q", pkg, line)
		}
	}
	sum := sha256.Sum256(out)
	return hex.EncodeToString(sum[:12]), nil
}

// prune removes the binaries of dir unused for a day but keep, and the
// temporary directories of builds that never finished.
func prune(dir, keep string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		fi, err := e.Info()
		if err != nil || p == keep || time.Since(fi.ModTime()) < unused {
			continue
		}
		_ = os.RemoveAll(p)
	}
}

// goCmd is the go command with args in dir, building with cgo or
// without (llmrec is released without).
func goCmd(dir string, cgo bool, args ...string) *exec.Cmd {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if cgo {
		cmd.Env[len(cmd.Env)-1] = "CGO_ENABLED=1"
	}
	return cmd
}
