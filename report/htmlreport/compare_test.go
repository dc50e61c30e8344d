package htmlreport

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/analyzetest"
	"github.com/llmrec/llmrec/analyze/compare"
)

var compareRuns = struct {
	sync.Mutex
	runs map[string]*analyze.RunData
}{runs: map[string]*analyze.RunData{}}

// loadCompareRun loads an analyzetest run once per test binary and
// returns a copy named name.
func loadCompareRun(t testing.TB, s analyzetest.Spec, name string) *analyze.RunData {
	t.Helper()
	compareRuns.Lock()
	defer compareRuns.Unlock()
	r := compareRuns.runs[s.RunID]
	if r == nil {
		path := filepath.Join(t.TempDir(), "run.parquet")
		if err := analyzetest.Write(path, s); err != nil {
			t.Fatal(err)
		}
		o := analyze.DefaultOptions()
		o.Warmup, o.Window, o.Threads = 5*time.Second, 5*time.Second, 2
		var err error
		if r, err = analyze.LoadRun(context.Background(), o, "", path); err != nil {
			t.Fatal(err)
		}
		compareRuns.runs[s.RunID] = r
	}
	c := *r
	c.Name = name
	return &c
}

// compareFixtures are the comparisons every comparison test renders.
func compareFixtures() map[string]func(testing.TB) *compare.Comparison {
	cmp := func(t testing.TB, runs ...*analyze.RunData) *compare.Comparison {
		c, err := compare.Compare(runs, compare.DefaultAlpha, compare.DefaultMinEffect)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	return map[string]func(testing.TB) *compare.Comparison{
		"compare-slower": func(t testing.TB) *compare.Comparison {
			return cmp(t, loadCompareRun(t, analyzetest.A, "base"), loadCompareRun(t, analyzetest.Slower, "new"))
		},
		"compare-shapes": func(t testing.TB) *compare.Comparison {
			return cmp(t, loadCompareRun(t, analyzetest.A, "base"), loadCompareRun(t, analyzetest.Shape, "other levels"),
				loadCompareRun(t, analyzetest.Broken, "broken"))
		},
		"compare-failures": func(t testing.TB) *compare.Comparison {
			return cmp(t, loadCompareRun(t, analyzetest.Broken, "broken"), loadCompareRun(t, analyzetest.Broken, "broken too"))
		},
		"compare-hostile": func(t testing.TB) *compare.Comparison {
			c := cmp(t, loadCompareRun(t, analyzetest.A, hostileTag), loadCompareRun(t, analyzetest.Faster, hostileFunc))
			c.Runs[0].Labels = map[string]string{hostileTag: hostileFunc}
			c.Runs[0].Model, c.Runs[1].RunID = hostileTag, hostileFunc
			c.Warnings = append(c.Warnings, analyze.Warning{Text: hostileTag})
			return c
		},
	}
}

func renderComparison(t testing.TB, c *compare.Comparison) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := RenderComparison(&b, c); err != nil {
		t.Fatalf("RenderComparison: %v", err)
	}
	return b.Bytes()
}

// TestCompareGolden compares each comparison page, less the inlined
// library, to testdata/NAME.golden.html (-update rewrites them), and
// checks that a second render gives the same bytes.
func TestCompareGolden(t *testing.T) {
	for name, f := range compareFixtures() {
		t.Run(name, func(t *testing.T) {
			page := renderComparison(t, f(t))
			if again := renderComparison(t, f(t)); !bytes.Equal(page, again) {
				t.Error("two renders of the same comparison differ")
			}
			got := stripLibrary(t, page)
			path := filepath.Join("testdata", name+".golden.html")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("differs from %s (run go test -update and review the diff):\n%s", path, firstDiff(want, got))
			}
		})
	}
}

// TestCompareEscaped checks the hostile comparison at the byte level: no
// name reaches the page as markup, the only scripts are the two hashed ones
// and the JSON blocks, and the CSP comes first.
func TestCompareEscaped(t *testing.T) {
	page := string(stripLibrary(t, renderComparison(t, compareFixtures()["compare-hostile"](t))))
	if strings.Contains(page, hostileTag) || strings.Contains(page, "<img") {
		t.Error("a hostile name reached the page unescaped")
	}
	if !strings.Contains(page, hostileFunc) {
		t.Error("the __f__ name is missing: it should show as text")
	}
	scripts := regexp.MustCompile(`<script[^>]*>`).FindAllString(page, -1)
	for _, s := range scripts {
		if s != "<script>" && !regexp.MustCompile(`^<script type="application/json" id="chart-\d+-options">$`).MatchString(s) {
			t.Errorf("unexpected script element %q", s)
		}
	}
	if n := strings.Count(page, "<script>"); n != 2 {
		t.Errorf("%d inline scripts, want 2 (ECharts and boot)", n)
	}
	if i, j := strings.Index(page, "Content-Security-Policy"), strings.Index(page, "<title>"); i < 0 || i > j {
		t.Error("the CSP is not the first thing in the head")
	}
}

// The comparison page leads the verdict of unlike runs with "not like
// for like", and names a run's label model apart from the server's id.
func TestComparePageNotLikeForLike(t *testing.T) {
	b := analyzetest.Slower
	b.RunID, b.MaxTokens, b.Labels = "run-unlike", 48, map[string]string{"model": "sim-b"}
	c, err := compare.Compare([]*analyze.RunData{loadCompareRun(t, analyzetest.A, "base"), loadCompareRun(t, b, "new")}, compare.DefaultAlpha, compare.DefaultMinEffect)
	if err != nil {
		t.Fatal(err)
	}
	page := string(renderComparison(t, c))
	if !strings.Contains(page, "not like for like: max tokens 64 vs 48") {
		t.Error("the page does not say the runs are not like for like")
	}
	if !strings.Contains(page, "label model sim-b, server&#39;s model id model-a") {
		t.Error("the page does not name the label model and the server's model id apart")
	}
}
