package htmlreport

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/report/assets"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// fixtures are the analyses every test renders, by name.
func fixtures() map[string]func() *analyze.Analysis {
	return map[string]func() *analyze.Analysis{
		"demo":         demoAnalysis,
		"all-failures": failuresAnalysis,
		"zero-rows":    emptyAnalysis,
		"hostile":      hostileAnalysis,
		"open-loop":    openLoopAnalysis,
		"scaling":      scalingAnalysis,
	}
}

func render(t testing.TB, a *analyze.Analysis) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Render(&b, a); err != nil {
		t.Fatalf("Render: %v", err)
	}
	return b.Bytes()
}

func TestRenderDeterministic(t *testing.T) {
	for name, f := range fixtures() {
		a, b := render(t, f()), render(t, f())
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two renders of the same analysis differ", name)
		}
	}
}

// TestGolden compares the page, less the inlined ECharts library, to
// testdata/NAME.golden.html. Run with -update to rewrite them.
func TestGolden(t *testing.T) {
	for name, f := range fixtures() {
		got := stripLibrary(t, render(t, f()))
		path := filepath.Join("testdata", name+".golden.html")
		if *update {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: differs from %s (run go test -update and review the diff):\n%s", name, path, firstDiff(want, got))
		}
	}
}

// stripLibrary replaces the inlined ECharts script, a megabyte that the
// golden files need not hold, by a marker.
func stripLibrary(t testing.TB, page []byte) []byte {
	t.Helper()
	js := []byte(assets.ECharts())
	i := bytes.Index(page, js)
	if i < 0 {
		t.Fatal("the page does not inline the ECharts script")
	}
	return bytes.Join([][]byte{page[:i], []byte("/* echarts.min.js */"), page[i+len(js):]}, nil)
}

// firstDiff shows the first differing line of two texts.
func firstDiff(want, got []byte) string {
	w, g := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return "line " + strconv.Itoa(i+1) + ":\n- " + clip(a) + "\n+ " + clip(b)
		}
	}
	return "(no line differs)"
}

func clip(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

// TestEscaped checks the hostile fixture at the byte level: no user string
// reaches the page unescaped, the CSP comes first, and the only script
// elements are the two hashed ones and the JSON data blocks.
func TestEscaped(t *testing.T) {
	page := string(stripLibrary(t, render(t, hostileAnalysis())))
	if strings.Contains(page, hostileTag) {
		t.Error("the hostile label appears unescaped")
	}
	if strings.Contains(strings.ToLower(page), "<img") {
		t.Error("the page holds an <img> element")
	}
	head, _, _ := strings.Cut(page, "<title>")
	if !strings.Contains(head, `<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; script-src &#39;sha256-`) {
		t.Errorf("no locked-down CSP before the title:\n%s", head)
	}
	plain, data := 0, 0
	for _, s := range strings.Split(page, "<script")[1:] {
		switch {
		case strings.HasPrefix(s, ">"):
			plain++
		case strings.HasPrefix(s, ` type="application/json" id="chart-`):
			data++
		default:
			t.Errorf("unexpected script element: <script%s", clip(s))
		}
	}
	if plain != 2 || data != 7 {
		t.Errorf("%d executable scripts and %d option blocks, want 2 and 7", plain, data)
	}
}

func TestCSPHashes(t *testing.T) {
	c := csp("a", "b")
	want := "default-src 'none'; script-src 'sha256-ypeBEsobvcr6wjGzmiPcTaeG7/gUfE5yuYB3ha/uSLs=' 'sha256-PiPoFgA5WUoziU9lZOGxNIu9egCI1CxKy3PurtWcAJ0='; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
	if c != want {
		t.Errorf("csp = %q\nwant %q", c, want)
	}
}

// TestWriteExamples writes each fixture's page to the folder named by
// HTMLREPORT_EXAMPLES, to look at; it does nothing without it.
func TestWriteExamples(t *testing.T) {
	dir := os.Getenv("HTMLREPORT_EXAMPLES")
	if dir == "" {
		t.Skip("set HTMLREPORT_EXAMPLES=DIR to write the example pages")
	}
	for name, f := range fixtures() {
		if err := os.WriteFile(filepath.Join(dir, name+".html"), render(t, f()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRaggedSeries renders an analysis whose series are shorter than its
// time axis: gaps, not a panic.
func TestRaggedSeries(t *testing.T) {
	a := demoAnalysis()
	s := &a.Series
	s.Users, s.SentRPS, s.WindowP95, s.CumP50, s.TokensPerS = s.Users[:10], nil, s.WindowP95[:3], nil, s.TokensPerS[:1]
	s.FailuresByClass["timeout"] = s.FailuresByClass["timeout"][:5]
	a.Growth.Evidence.P95MS = nil
	a.Histogram.Counts = append(a.Histogram.Counts, 1, 2, 3)
	render(t, a)
}

// The page leads its verdict with the notices: a heavy warmup, a run
// without any figure.
func TestVerdictNotices(t *testing.T) {
	heavy := demoAnalysis()
	heavy.Settings.WarmupS = 30
	share := 0.9
	heavy.Warmup = analyze.WarmupEffect{Requests: 900, Share: &share, WholeSteps: 5, Heavy: true}
	for name, tc := range map[string]struct {
		a    *analyze.Analysis
		want string
	}{
		"heavy warmup": {heavy, "the warmup (30s) removed 900 of"},
		"all failures": {failuresAnalysis(), "no verdict: every figure is n/a"},
	} {
		page := string(render(t, tc.a))
		i, v := strings.Index(page, tc.want), strings.Index(page, `class="verdict"`)
		if i < 0 || v < 0 || i > v {
			t.Errorf("%s: %q is not before the verdict (at %d, verdict at %d)", name, tc.want, i, v)
		}
	}
}
