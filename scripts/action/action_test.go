package action

import (
	"archive/zip"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/llmrec/llmrec/analyze/analyzetest"
	"github.com/llmrec/llmrec/internal/testbin"
)

// fakeGH plays gh: every call is appended to $FAKE_GH/calls (one line, the
// arguments joined by spaces); the pull request's comments with the
// marker are the ids in $FAKE_GH/comments; a POST makes comment 101; the
// artifact search answers $FAKE_GH/artifact_url, and that URL the bytes of
// $FAKE_GH/artifact.zip.
const fakeGH = `#!/usr/bin/env bash
set -euo pipefail
echo "$*" >> "$FAKE_GH/calls"
[ "$1" = api ] || { echo "fake gh: only api" >&2; exit 2; }
shift
body=""
method=GET
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    -X) method="$2"; shift 2 ;;
    -F) body="${2#body=@}"; shift 2 ;;
    --jq) shift 2 ;;
    --paginate) shift ;;
    *) args+=("$1"); shift ;;
  esac
done
path="${args[0]}"
case "$method $path" in
  "GET repos/"*"/comments") cat "$FAKE_GH/comments" 2>/dev/null || true ;;
  "POST repos/"*"/comments") cp "$body" "$FAKE_GH/posted.md"; echo 101 >> "$FAKE_GH/comments"; echo '{"id":101}' ;;
  "PATCH repos/"*"/issues/comments/"*) cp "$body" "$FAKE_GH/patched-${path##*/}.md"; echo '{}' ;;
  "GET repos/"*"/actions/artifacts"*) cat "$FAKE_GH/artifact_url" 2>/dev/null || true ;;
  "GET https://"*) cat "$FAKE_GH/artifact.zip" ;;
  *) echo "fake gh: unexpected $method $path" >&2; exit 2 ;;
esac
`

func script(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "loop.sh")
}

// world is a workspace, a fake gh and GitHub's files for the steps.
type world struct {
	t                           *testing.T
	dir, gh, output, summary    string
	base, slower, bin, llmrepFn string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	dir := t.TempDir()
	w := &world{t: t, dir: dir, gh: filepath.Join(dir, "gh-state"), output: filepath.Join(dir, "github_output"),
		summary: filepath.Join(dir, "step_summary"), bin: filepath.Join(dir, "bin")}
	for _, d := range []string{w.gh, w.bin} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(w.bin, "gh"), []byte(fakeGH), 0o755); err != nil {
		t.Fatal(err)
	}
	w.base, w.slower = filepath.Join(dir, "main.parquet"), filepath.Join(dir, "pr.parquet")
	for path, s := range map[string]analyzetest.Spec{w.base: analyzetest.A, w.slower: analyzetest.Slower} {
		if err := analyzetest.Write(path, s); err != nil {
			t.Fatal(err)
		}
	}
	w.llmrepFn = testbin.Llmrep(t)
	return w
}

// step runs loop.sh STEP with env added to GitHub's variables; it returns
// stdout and stderr together, and the exit status.
func (w *world) step(name string, env ...string) (string, int) {
	w.t.Helper()
	if err := os.WriteFile(w.output, nil, 0o644); err != nil {
		w.t.Fatal(err)
	}
	cmd := exec.Command("bash", script(w.t), name)
	cmd.Dir = w.dir
	cmd.Env = append([]string{
		"PATH=" + w.bin + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + w.dir,
		"FAKE_GH=" + w.gh,
		"GITHUB_REPOSITORY=octo/llm",
		"GITHUB_OUTPUT=" + w.output,
		"GITHUB_STEP_SUMMARY=" + w.summary,
		"GH_TOKEN=not-a-token",
		"LLMREP=" + w.llmrepFn,
		"PR_NUMBER=7",
	}, env...)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		w.t.Fatal(err)
	}
	return string(out), code
}

func (w *world) read(name string) string {
	w.t.Helper()
	b, err := os.ReadFile(filepath.Join(w.gh, name))
	if err != nil {
		return ""
	}
	return string(b)
}

func (w *world) outputs() string {
	b, _ := os.ReadFile(w.output)
	return string(b)
}

// TestCommentCreatedThenUpdated: the first report creates the comment,
// the second updates the same one; both carry the marker and the compact
// comparison; the reports are where the upload step takes them.
func TestCommentCreatedThenUpdated(t *testing.T) {
	w := newWorld(t)
	env := []string{"RUN=" + w.slower, "BASELINE=" + w.base, "INPUT_GATES=--max p95=20s\n  --max-regression p95=50%\n"}
	out, code := w.step("report", env...)
	if code != 0 {
		t.Fatalf("first report: exit %d\n%s", code, out)
	}
	posted := w.read("posted.md")
	for _, want := range []string{"<!-- llmrep-action -->", "## llmrep compare: run vs base: worse", "| p95 @ 30 users |", "llmrep check passed"} {
		if !strings.Contains(posted, want) {
			t.Errorf("the comment lacks %q:\n%s", want, posted)
		}
	}
	if !strings.Contains(w.read("calls"), "api -X POST repos/octo/llm/issues/7/comments") {
		t.Errorf("no comment created; calls:\n%s", w.read("calls"))
	}
	for _, f := range []string{"run.html", "compare.html", "compare.md", "check.md", "comment.md"} {
		if _, err := os.Stat(filepath.Join(w.dir, "llmrep-out", f)); err != nil {
			t.Errorf("report %s: %v", f, err)
		}
	}
	if !strings.Contains(w.outputs(), "reports=llmrep-out") {
		t.Errorf("outputs %q", w.outputs())
	}
	if s, _ := os.ReadFile(w.summary); !bytes.Contains(s, []byte("llmrep check passed")) {
		t.Error("the step summary lacks the check")
	}

	out, code = w.step("report", env...)
	if code != 0 {
		t.Fatalf("second report: exit %d\n%s", code, out)
	}
	calls := w.read("calls")
	if strings.Count(calls, "-X POST") != 1 || !strings.Contains(calls, "api -X PATCH repos/octo/llm/issues/comments/101") {
		t.Errorf("the second report did not update comment 101; calls:\n%s", calls)
	}
	if !strings.Contains(w.read("patched-101.md"), "<!-- llmrep-action -->") {
		t.Error("the updated comment lacks the marker")
	}
}

// TestGateFailsTheJob: a gate that does not hold exits 1, after the
// comment (which says so) is posted.
func TestGateFailsTheJob(t *testing.T) {
	w := newWorld(t)
	out, code := w.step("report", "RUN="+w.slower, "BASELINE="+w.base, "INPUT_GATES=--max-regression p95=10%")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, out)
	}
	if !strings.Contains(out, "::error::llmrep check failed") {
		t.Errorf("no error annotation:\n%s", out)
	}
	if p := w.read("posted.md"); !strings.Contains(p, "llmrep check FAILED") {
		t.Errorf("the comment does not say the check failed:\n%s", p)
	}
	// A check that cannot run (a bad gate) is not a gate failure.
	if out, code := w.step("report", "RUN="+w.slower, "BASELINE="+w.base, "INPUT_GATES=--max q97=1s"); code != 2 {
		t.Errorf("a bad gate: exit %d, want 2\n%s", code, out)
	}
}

// TestMissingBaselineIsAWarning: a baseline path that does not exist, or
// no artifact, is a warning: the run is gated without its regression
// gates, and the job passes.
func TestMissingBaselineIsAWarning(t *testing.T) {
	w := newWorld(t)
	out, code := w.step("baseline", "INPUT_BASELINE="+filepath.Join(w.dir, "nope.parquet"))
	if code != 0 || !strings.Contains(out, "::warning::no baseline run at") || !strings.Contains(w.outputs(), "baseline=\n") {
		t.Fatalf("missing baseline path: exit %d, outputs %q\n%s", code, w.outputs(), out)
	}
	out, code = w.step("baseline", "INPUT_BASELINE_ARTIFACT=llmrep-main")
	if code != 0 || !strings.Contains(out, "::warning::no artifact llmrep-main from branch main") {
		t.Fatalf("missing artifact: exit %d\n%s", code, out)
	}
	out, code = w.step("report", "RUN="+w.slower, "BASELINE=", "INPUT_GATES=--max p95=20s\n--max-regression p95=10%")
	if code != 0 {
		t.Fatalf("report without a baseline: exit %d, want 0\n%s", code, out)
	}
	if !strings.Contains(out, "::warning::gate '--max-regression p95=10%' needs a baseline run: skipped") {
		t.Errorf("no warning for the skipped gate:\n%s", out)
	}
	if p := w.read("posted.md"); !strings.Contains(p, "no baseline run") || !strings.Contains(p, "llmrep check passed") {
		t.Errorf("comment:\n%s", p)
	}
}

// TestBaselineFromArtifact: the newest artifact of the branch is
// downloaded through gh and its run file is the baseline.
func TestBaselineFromArtifact(t *testing.T) {
	w := newWorld(t)
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	f, err := zw.Create("run.parquet")
	if err != nil {
		t.Fatal(err)
	}
	run, err := os.ReadFile(w.base)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(run)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(w.gh, "artifact.zip"), zb.Bytes(), 0o644)
	os.WriteFile(filepath.Join(w.gh, "artifact_url"), []byte("https://api.github.com/repos/octo/llm/actions/artifacts/9/zip\n"), 0o644)
	out, code := w.step("baseline", "INPUT_BASELINE_ARTIFACT=llmrep-main", "INPUT_BASELINE_BRANCH=trunk")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	want := "baseline=llmrep-out/baseline/run.parquet\n"
	if w.outputs() != want {
		t.Errorf("outputs %q, want %q", w.outputs(), want)
	}
	got, _ := os.ReadFile(filepath.Join(w.dir, "llmrep-out", "baseline", "run.parquet"))
	if !bytes.Equal(got, run) {
		t.Error("the downloaded baseline is not the artifact's run file")
	}
	if calls := w.read("calls"); !strings.Contains(calls, "select(.workflow_run.head_branch == \"trunk\")") {
		t.Errorf("the artifact search does not ask for branch trunk:\n%s", calls)
	}
}

// TestRecordNeedsARun: the record step takes run files, and says what is
// missing when given neither a run nor run files.
func TestRecordNeedsARun(t *testing.T) {
	w := newWorld(t)
	if out, code := w.step("record", "INPUT_RUNS="+w.slower); code != 0 || w.outputs() != "run="+w.slower+"\n" {
		t.Errorf("runs given: exit %d, outputs %q\n%s", code, w.outputs(), out)
	}
	if out, code := w.step("record"); code != 2 || !strings.Contains(out, "::error::give the action either run") {
		t.Errorf("nothing given: exit %d\n%s", code, out)
	}
}
