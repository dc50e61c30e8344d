package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// envAsMain makes the test binary run as llmrep itself (TestMain).
const envAsMain = "LLMREP_TEST_AS_MAIN"

// TestMain runs the test binary as llmrep when envAsMain is set: the
// end-to-end tests of an -o that is the process's own stdout need a
// process whose stdout they hold.
func TestMain(m *testing.M) {
	if os.Getenv(envAsMain) == "1" {
		os.Exit(Main(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestOutputToOwnStdout (round 3, break 1): -o naming the process's own
// stdout through a symbolic link (a link of our own to /proc/self/fd/1,
// as /dev/stdout is, and /dev/fd/1) writes the report to stdout, byte for
// byte what -o - writes, in analyze, compare, check and export; the link
// is left as it was and no file is created beside it. (Round 2 renamed a
// temporary file over the link, and nothing reached stdout; export
// refused the link.)
func TestOutputToOwnStdout(t *testing.T) {
	for _, args := range [][]string{
		{"analyze", "--format", "text"},
		{"analyze", "--format", "json"},
		{"compare", "--format", "md"},
		{"check", "--max", "p95=10s", "--format", "json"},
		{"export", "--format", "jsonl"},
	} {
		for _, viaLink := range []bool{true, false} {
			name := strings.Join(args, " ") + map[bool]string{true: " -o LINK", false: " -o /dev/fd/1"}[viaLink]
			t.Run(name, func(t *testing.T) {
				dir := t.TempDir()
				p := goodRun(t, dir)
				link := filepath.Join(dir, "out")
				if err := os.Symlink("/proc/self/fd/1", link); err != nil {
					t.Fatal(err)
				}
				inputs := []string{p}
				if args[0] == "compare" {
					inputs = append(inputs, p)
				}
				args := append(append(args[:1:1], inputs...), args[1:]...)
				want, errOut, code := run(t, append(args, "-o", "-")...)
				if code != 0 || len(want) < 100 {
					t.Fatalf("-o -: status %d, %d bytes, stderr %q", code, len(want), errOut)
				}
				out := "/dev/fd/1"
				if viaLink {
					out = link
				}
				cmd := exec.Command(os.Args[0], append(args, "-o", out)...)
				cmd.Env = append(os.Environ(), envAsMain+"=1")
				var stdout, stderr bytes.Buffer
				cmd.Stdout, cmd.Stderr = &stdout, &stderr // a pipe: a FIFO to the child
				cmd.Run()
				if code := cmd.ProcessState.ExitCode(); code != 0 || stdout.String() != want {
					t.Errorf("status %d, %d bytes on stdout (want the %d of -o -), stderr %q", code, stdout.Len(), len(want), stderr.String())
				}
				if strings.Contains(stderr.String(), "wrote") {
					t.Errorf("stderr says %q", stderr.String())
				}
				if dest, err := os.Readlink(link); err != nil || dest != "/proc/self/fd/1" {
					t.Errorf("the link is gone (%q, %v)", dest, err)
				}
				if ents, _ := os.ReadDir(dir); len(ents) != 2 {
					t.Errorf("%d files in the directory, want the run and the link", len(ents))
				}
			})
		}
	}
}

// TestOutputLinkToAFileIsRefused: when stdout is a regular file (a shell's
// > redirection), /dev/fd/1 is a symbolic link to a regular file, which
// the output rule refuses (exit 2, one line pointing to -o -): the file is
// not truncated, replaced or written behind the shell's back.
func TestOutputLinkToAFileIsRefused(t *testing.T) {
	dir := t.TempDir()
	p := goodRun(t, dir)
	redirected := filepath.Join(dir, "redirected.json")
	f, err := os.Create(redirected)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(os.Args[0], "analyze", p, "--format", "json", "-o", "/dev/fd/1")
	cmd.Env = append(os.Environ(), envAsMain+"=1")
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = f, &stderr
	cmd.Run()
	if code := cmd.ProcessState.ExitCode(); code != exitUsage || !strings.Contains(stderr.String(), "a symbolic link to a regular file") ||
		!strings.Contains(stderr.String(), "- for standard output") || strings.Count(stderr.String(), "\n") != 1 {
		t.Errorf("status %d, stderr %q; want %d and one line pointing to -o -", code, stderr.String(), exitUsage)
	}
	if st, err := os.Stat(redirected); err != nil || st.Size() != 0 {
		t.Errorf("the redirected file was written: %v %v", st, err)
	}
}
