package report

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/llmrec/llmrec/analyze/analyzetest"
	"github.com/llmrec/llmrec/analyze/compare"
	"github.com/llmrec/llmrec/analyze/gate"
	"github.com/llmrec/llmrec/internal/browsertest"
)

// The pull-request comment as a reviewer sees it: the Markdown of compare
// and check rendered as GitHub-flavoured Markdown by a real renderer (the
// pinned npm package marked, report/testdata/gfm.mjs) and laid out by
// headless Chromium at the width of a GitHub comment.

// CommentWidth is the width of a pull-request comment on GitHub, in CSS
// pixels; MaxCommentHeight bounds what a reviewer sees of a two-run,
// eight-level comparison before opening a <details> block.
const (
	CommentWidth     = 790
	MaxCommentHeight = 900
)

// commentCSS is the part of GitHub's Markdown style that decides a
// comment's size (github-markdown-css): 14 px text at 1.5, 16 px padding,
// block margins of 16 px, table cells padded 6 px 13 px, a table that is
// wider than the comment scrolls inside itself.
const commentCSS = `
html { margin: 0; }
body { margin: 0; padding: 16px; font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; }
h2 { font-size: 1.5em; font-weight: 600; line-height: 1.25; margin: 24px 0 16px; padding-bottom: .3em; border-bottom: 1px solid #d1d9e0; }
body > :first-child { margin-top: 0; }
p, ul, table, details { margin: 0 0 16px; }
ul { padding-left: 2em; }
table { display: block; width: max-content; max-width: 100%; overflow: auto; border-spacing: 0; border-collapse: collapse; }
th, td { padding: 6px 13px; border: 1px solid #d1d9e0; }
th { font-weight: 600; }
summary { cursor: pointer; }
`

// gfmRender renders md to HTML with the pinned marked package. Without
// node or the package it fails under CI and skips, loudly, elsewhere.
func gfmRender(t *testing.T, md []byte) string {
	t.Helper()
	missing := ""
	if _, err := exec.LookPath("node"); err != nil {
		missing = "node is not on PATH"
	} else if _, err := os.Stat(filepath.Join("assets", "node_modules", "marked", "package.json")); err != nil {
		missing = "report/assets/node_modules/marked is missing: run `make assets` (npm ci)"
	}
	if missing != "" {
		if os.Getenv("CI") != "" {
			t.Fatal(missing)
		}
		t.Skip("the comment was NOT rendered: " + missing)
	}
	cmd := exec.Command("node", filepath.Join("testdata", "gfm.mjs"))
	cmd.Stdin = bytes.NewReader(md)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("render markdown: %v: %s", err, stderr.String())
	}
	return string(out)
}

// commentLayout is what the page measures.
type commentLayout struct {
	Width       int      `json:"width"`
	ScrollWidth int      `json:"scrollWidth"`
	Height      int      `json:"height"`
	Sideways    []string `json:"sideways"`
	Details     int      `json:"details"`
	TableCols   []int    `json:"tableCols"`
}

// commentJS measures the page: its height, whether it or a visible table
// scrolls sideways, the closed <details> blocks, and the columns of each
// visible table. With open set it first opens every <details>.
func commentJS(open bool) string {
	o := "false"
	if open {
		o = "true"
	}
	return `(() => {
  if (` + o + `) document.querySelectorAll('details').forEach(d => d.open = true);
  const visible = e => e.checkVisibility();
  const tables = [...document.querySelectorAll('table')].filter(visible);
  return {
    width: document.documentElement.clientWidth,
    scrollWidth: document.documentElement.scrollWidth,
    height: Math.ceil(document.documentElement.scrollHeight),
    sideways: tables.filter(t => t.scrollWidth > t.clientWidth + 1).map(t => t.querySelector('tr').innerText.slice(0, 80)),
    details: document.querySelectorAll('details:not([open])').length,
    tableCols: tables.map(t => t.querySelector('tr').children.length),
  };
})()`
}

// measureComment renders md, lays it out in Chromium at CommentWidth and
// measures it with <details> closed, then opened.
func measureComment(t *testing.T, b *browsertest.Browser, md []byte) (closed, opened commentLayout) {
	t.Helper()
	page := "<!doctype html><meta charset=utf-8><style>" + commentCSS + "</style><body>" + gfmRender(t, md) + "</body>"
	file := filepath.Join(t.TempDir(), "comment.html")
	if err := os.WriteFile(file, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	session := b.Open(t, ctx, true, "")
	if _, err := b.Call(ctx, session, "Emulation.setDeviceMetricsOverride",
		map[string]any{"width": CommentWidth, "height": 600, "deviceScaleFactor": 1, "mobile": false}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Call(ctx, session, "Page.navigate", map[string]any{"url": (&url.URL{Scheme: "file", Path: file}).String()}); err != nil {
		t.Fatal(err)
	}
	var ready string
	for range 100 {
		if err := b.Eval(ctx, session, "document.readyState", &ready); err == nil && ready == "complete" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if ready != "complete" {
		t.Fatal(errors.New("the comment page did not load"))
	}
	if err := b.Eval(ctx, session, commentJS(false), &closed); err != nil {
		t.Fatal(err)
	}
	if err := b.Eval(ctx, session, commentJS(true), &opened); err != nil {
		t.Fatal(err)
	}
	return closed, opened
}

// eightLevels are a baseline and a change of it over eight user levels:
// the pull request's run is 15% slower.
func eightLevels() (base, pr analyzetest.Spec) {
	base = analyzetest.Spec{RunID: "run-main", Model: "model-a", Labels: map[string]string{"model": "main"},
		Users: []int{10, 20, 30, 40, 50, 60, 70, 80}, PerStep: 200, Seed: 11, Knee: 50, FailRate: 0.002, LLM: true}
	pr = base
	pr.RunID, pr.Labels, pr.Seed, pr.Scale = "run-pr", map[string]string{"model": "pr-4711"}, 12, 1.15
	return base, pr
}

// TestCommentFitsAReviewersScreen renders the Markdown of a two-run,
// eight-level compare and of the check of the same runs at GitHub's
// comment width: with the <details> closed the comment is at most
// MaxCommentHeight px tall, nothing scrolls sideways, and every visible
// table has at most six columns. The compare comment is also a golden.
func TestCommentFitsAReviewersScreen(t *testing.T) {
	base, pr := eightLevels()
	runs := loadRuns(t, base, pr)
	c, err := compare.Compare(runs, compare.DefaultAlpha, compare.DefaultMinEffect)
	if err != nil {
		t.Fatal(err)
	}
	var cmp bytes.Buffer
	if err := CompareMarkdown(&cmp, c); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "compare-comment.md", cmp.Bytes())
	var gates []gate.Gate
	for _, s := range []string{"p95=15%", "fail_rate=1%"} {
		g, err := gate.ParseGate(gate.GateMaxRegression, s, 0)
		if err != nil {
			t.Fatal(err)
		}
		gates = append(gates, g)
	}
	res, err := gate.Check(runs[1], runs[0], gates, compare.DefaultAlpha, compare.DefaultMinEffect, true)
	if err != nil {
		t.Fatal(err)
	}
	res.Comparison = c
	var chk bytes.Buffer
	if err := CheckMarkdown(&chk, res); err != nil {
		t.Fatal(err)
	}

	b := browsertest.Start(t, browsertest.RequireChromium(t, "the pull-request comment at 790 px"), false)
	for name, md := range map[string][]byte{"compare": cmp.Bytes(), "check": chk.Bytes()} {
		t.Run(name, func(t *testing.T) {
			closed, opened := measureComment(t, b, md)
			t.Logf("%s comment at %d px: %d px tall with its %d <details> closed, %d px with them open (tables scrolling sideways when open: %q)",
				name, closed.Width, closed.Height, closed.Details, opened.Height, opened.Sideways)
			if closed.Width != CommentWidth {
				t.Errorf("viewport %d px, want %d", closed.Width, CommentWidth)
			}
			if closed.Details == 0 {
				t.Error("no <details> block: the full figures are not folded")
			}
			if closed.Height > MaxCommentHeight {
				t.Errorf("the visible comment is %d px tall, want at most %d", closed.Height, MaxCommentHeight)
			}
			if closed.ScrollWidth > closed.Width || len(closed.Sideways) > 0 {
				t.Errorf("the visible comment scrolls sideways: page %d px in %d; tables %q", closed.ScrollWidth, closed.Width, closed.Sideways)
			}
			for _, n := range closed.TableCols {
				if n > 6 {
					t.Errorf("a visible table has %d columns, want at most 6", n)
				}
			}
		})
	}
}

// TestCompactRowsFitEighty: every row of the compact table of the
// eight-level comparison fits 80 characters as Markdown source.
func TestCompactRowsFitEighty(t *testing.T) {
	base, pr := eightLevels()
	c, err := compare.Compare(loadRuns(t, base, pr), compare.DefaultAlpha, compare.DefaultMinEffect)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := CompareMarkdown(&b, c); err != nil {
		t.Fatal(err)
	}
	rows := 0
	for _, l := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(l, "<details>") {
			break
		}
		if strings.HasPrefix(l, "|") {
			rows++
			if n := len([]rune(l)); n > 80 {
				t.Errorf("compact row of %d characters, want at most 80: %s", n, l)
			}
		}
	}
	if rows != 2+3+8 {
		t.Errorf("%d rows in the compact table, want 13 (head, rule, verdict, capacity, saturation, 8 levels)", rows)
	}
}
