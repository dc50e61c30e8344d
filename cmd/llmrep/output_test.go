package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/llmrec/llmrec/internal/outfile"
)

// An input named like the default report (data.html), or given as -o,
// directly, through a hard link or in a glob, is never written over.
func TestReportNeverWritesOverAnInput(t *testing.T) {
	dir := t.TempDir()
	run1 := goodRun(t, dir)
	data := filepath.Join(dir, "data.html")
	link := filepath.Join(dir, "hard.json")
	for _, p := range []string{data, link} {
		if err := os.Link(run1, p); err != nil {
			t.Fatal(err)
		}
	}
	before, err := os.ReadFile(run1)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
	}{
		{"default html path is the input", []string{"analyze", data}},
		{"html -o the input", []string{"analyze", run1, "--format", "html", "-o", run1}},
		{"json -o a hard link of the input", []string{"analyze", run1, "--format", "json", "-o", link}},
		{"-o the input of a glob", []string{"analyze", filepath.Join(dir, "run.parq*"), "--format", "md", "-o", run1}},
		{"compare -o the baseline", []string{"compare", run1, "b=" + data, "--format", "json", "-o", run1}},
		{"check -o the run", []string{"check", run1, "--max", "p95=10s", "--format", "json", "-o", run1}},
		{"check -o the baseline", []string{"check", run1, "--baseline", data, "--max", "p95=10s", "-o", data}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := run(t, tt.args...)
			if code != exitUsage || !strings.Contains(errOut, "it is the input") {
				t.Errorf("status %d, stderr %q; want %d and the input named", code, errOut, exitUsage)
			}
			for _, p := range []string{run1, data, link} {
				if b, err := os.ReadFile(p); err != nil || !bytes.Equal(b, before) {
					t.Fatalf("%s changed (err %v)", p, err)
				}
			}
		})
	}
}

// A symlink at the output path to a regular file, or to nothing, is
// refused (exit 2) in every format, the default HTML path too, before
// anything is analyzed or printed: the link stays, the file it points to
// keeps its bytes, no temporary file is left.
// (Round 2 replaced the link; the output rule of round 3 never does.)
// Replacing an older report is said; a new one is not.
func TestReportRefusesLinksAndSaysReplaced(t *testing.T) {
	for _, format := range []string{"", "html", "json", "md", "text"} {
		for _, to := range []string{"victim.txt", "nowhere"} {
			t.Run("format="+format+"/to="+to, func(t *testing.T) {
				dir := t.TempDir()
				p := goodRun(t, dir)
				victim := filepath.Join(dir, "victim.txt")
				if err := os.WriteFile(victim, []byte("keep me"), 0o600); err != nil {
					t.Fatal(err)
				}
				out := filepath.Join(dir, "run.html")
				if err := os.Symlink(filepath.Join(dir, to), out); err != nil {
					t.Fatal(err)
				}
				args := []string{"analyze", p}
				if format != "" || to == "nowhere" {
					args = append(args, "-o", out) // else the default HTML path
				}
				if format != "" {
					args = append(args, "--format", format)
				}
				stdout, errOut, code := run(t, args...)
				if code != exitUsage || !strings.Contains(errOut, "a symbolic link to") || strings.Count(errOut, "\n") != 1 {
					t.Fatalf("status %d, stderr %q; want %d and one line refusing the link", code, errOut, exitUsage)
				}
				if stdout != "" {
					t.Errorf("refused after the analysis: %d bytes on stdout first", len(stdout))
				}
				if b, _ := os.ReadFile(victim); string(b) != "keep me" {
					t.Errorf("the symlink's target was written: %q", b)
				}
				if fi, err := os.Lstat(out); err != nil || fi.Mode()&os.ModeSymlink == 0 {
					t.Errorf("the link at %s was replaced: %v %v", out, fi, err)
				}
				if entries, _ := os.ReadDir(dir); len(entries) != 3 {
					t.Errorf("files left: %v", entries)
				}
			})
		}
	}
	dir := t.TempDir()
	p := goodRun(t, dir)
	out := filepath.Join(dir, "new.md")
	if _, errOut, code := run(t, "analyze", p, "--format", "md", "-o", out); code != 0 || errOut != "llmrep: wrote "+out+"\n" {
		t.Errorf("new report: status %d, stderr %q", code, errOut)
	}
	if _, errOut, code := run(t, "analyze", p, "--format", "md", "-o", out); code != 0 || errOut != "llmrep: wrote "+out+" (replacing the older file)\n" {
		t.Errorf("replaced report: status %d, stderr %q", code, errOut)
	}
}

// A directory at the output path is refused, before any input is read.
func TestReportRefusesSpecialOutputs(t *testing.T) {
	dir := t.TempDir()
	p := goodRun(t, dir)
	sub := filepath.Join(dir, "sub.html")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := run(t, "analyze", p, "-o", sub)
	if code != exitUsage || !strings.Contains(errOut, "it is a directory") {
		t.Errorf("status %d, stderr %q", code, errOut)
	}
	// Checked before any input is read: a long analysis does not end in
	// this refusal (a missing input would be another error).
	gone := filepath.Join(dir, "gone.parquet")
	for _, args := range [][]string{
		{"analyze", gone, "-o", sub},
		{"compare", gone, p, "-o", sub},
		{"check", gone, "--max", "p95=1s", "-o", sub},
	} {
		if _, errOut, code := run(t, args...); code != exitUsage || !strings.Contains(errOut, "it is a directory") {
			t.Errorf("%s: status %d, stderr %q; want the output refused first", args[0], code, errOut)
		}
	}
	odd := filepath.Join(dir, "a\nb.md")
	_, errOut, code = run(t, "analyze", p, "--format", "md", "-o", odd)
	if code != 0 || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, `"`) {
		t.Errorf("a newline in the name is printed raw: %q", errOut)
	}
}

// FuzzWriteReport: whatever the output name (relative to a directory that
// holds an input, a symlink to it and a symlink to a file outside), the
// input and the file outside keep their bytes, both links stay links, and
// a report written to a file is at the name given, as a regular file
// holding the report. Names that leave the directory are skipped (the
// fuzzer must not write over the machine's files).
func FuzzWriteReport(f *testing.F) {
	for _, s := range []string{"run.parquet", "out.html", "link", "outside", "./run.parquet", "sub/../run.parquet", "a\nb", "", ".", "..", "run.parq*"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		dir := t.TempDir()
		far := filepath.Join(t.TempDir(), "far.txt")
		in := filepath.Join(dir, "run.parquet")
		for _, p := range []string{in, far} {
			if err := os.WriteFile(p, []byte("keep"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Symlink(in, filepath.Join(dir, "link")); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(far, filepath.Join(dir, "outside")); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if !strings.HasPrefix(path, dir+string(filepath.Separator)) {
			t.Skip("outside the directory")
		}
		var stdout bytes.Buffer
		tg, err := writeReport(&stdout, path, []byte("report"), []string{filepath.Join(dir, "run.parq*")})
		for _, p := range []string{in, far} {
			if b, _ := os.ReadFile(p); string(b) != "keep" {
				t.Fatalf("writing %q changed %s to %q", name, p, b)
			}
		}
		for _, l := range []string{"link", "outside"} {
			if fi, err := os.Lstat(filepath.Join(dir, l)); err != nil || fi.Mode()&os.ModeSymlink == 0 {
				t.Fatalf("writing %q replaced the link %s", name, l)
			}
		}
		if err == nil && tg.Kind == outfile.File {
			fi, lerr := os.Lstat(path)
			b, _ := os.ReadFile(path)
			if lerr != nil || !fi.Mode().IsRegular() || string(b) != "report" {
				t.Fatalf("writing %q: %v, %v, %q", name, fi, lerr, b)
			}
		}
	})
}
