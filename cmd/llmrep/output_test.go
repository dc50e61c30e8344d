package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
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

// A symlink at the output path is replaced, never followed: the file it
// points to keeps its bytes. Replacing an older report is said; a new one
// is not. No temporary file is left behind.
func TestReportReplacesLinksAndSaysSo(t *testing.T) {
	for _, format := range []string{"", "html", "json", "md", "text"} {
		t.Run("format="+format, func(t *testing.T) {
			dir := t.TempDir()
			p := goodRun(t, dir)
			victim := filepath.Join(dir, "victim.txt")
			if err := os.WriteFile(victim, []byte("keep me"), 0o600); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "run.html")
			if err := os.Symlink(victim, out); err != nil {
				t.Fatal(err)
			}
			args := []string{"analyze", p, "-o", out}
			if format != "" {
				args = append(args, "--format", format)
			}
			_, errOut, code := run(t, args...)
			if code != 0 || !strings.Contains(errOut, "wrote "+out+" (replacing the older file)") {
				t.Fatalf("status %d, stderr %q", code, errOut)
			}
			if b, _ := os.ReadFile(victim); string(b) != "keep me" {
				t.Errorf("the symlink's target was written: %q", b)
			}
			if fi, err := os.Lstat(out); err != nil || !fi.Mode().IsRegular() || fi.Size() == 0 {
				t.Errorf("the report is not a regular file at %s: %v %v", out, fi, err)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 3 {
				t.Errorf("files left: %v", entries)
			}
		})
	}
	dir := t.TempDir()
	p := goodRun(t, dir)
	out := filepath.Join(dir, "new.md")
	if _, errOut, code := run(t, "analyze", p, "--format", "md", "-o", out); code != 0 || errOut != "llmrep: wrote "+out+"\n" {
		t.Errorf("new report: status %d, stderr %q", code, errOut)
	}
}

// Anything but a regular file or a link at the output path is refused.
func TestReportRefusesSpecialOutputs(t *testing.T) {
	dir := t.TempDir()
	p := goodRun(t, dir)
	sub := filepath.Join(dir, "sub.html")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := run(t, "analyze", p, "-o", sub)
	if code != exitUsage || !strings.Contains(errOut, "not a regular file") {
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
		if _, errOut, code := run(t, args...); code != exitUsage || !strings.Contains(errOut, "not a regular file") {
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
// input and the file outside keep their bytes, and a report written is at
// the name given, as a regular file holding the report.
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
		_, err := writeReport(path, []byte("report"), []string{filepath.Join(dir, "run.parq*")})
		for _, p := range []string{in, far} {
			if b, _ := os.ReadFile(p); string(b) != "keep" {
				t.Fatalf("writing %q changed %s to %q", name, p, b)
			}
		}
		if err == nil {
			fi, lerr := os.Lstat(path)
			b, _ := os.ReadFile(path)
			if lerr != nil || !fi.Mode().IsRegular() || string(b) != "report" {
				t.Fatalf("writing %q: %v, %v, %q", name, fi, lerr, b)
			}
		}
	})
}
