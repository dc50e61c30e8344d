package htmlreport

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/llmrec/llmrec/analyze"
)

// layoutJS measures the page as laid out: the elements wider than the
// viewport outside a scroll container, the table headers with a word
// broken over two lines, and the scroll containers that overflow without
// their visible cue.
const layoutJS = `(() => {
  const W = document.documentElement.clientWidth;
  const wide = [], broken = [], nocue = [], tall = [];
  const inScroller = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === "auto" || o === "scroll" || o === "hidden") return true;
    }
    return false;
  };
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || (r.right <= W + 1 && r.left >= -1)) continue;
    if (!inScroller(el)) wide.push(el.tagName.toLowerCase() + "." + el.className + " right " + Math.round(r.right));
  }
  for (const th of document.querySelectorAll("th")) {
    const walk = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      const re = /\S+/g;
      for (let m = re.exec(n.data); m; m = re.exec(n.data)) {
        const rg = document.createRange();
        rg.setStart(n, m.index);
        rg.setEnd(n, m.index + m[0].length);
        const tops = new Set([...rg.getClientRects()].filter((x) => x.width > 0).map((x) => Math.round(x.top)));
        if (tops.size > 1) broken.push(m[0]);
      }
    }
  }
  for (const td of document.querySelectorAll("td, th")) {
    const lh = parseFloat(getComputedStyle(td).lineHeight) || 18;
    if (td.clientHeight > 6 * lh) tall.push(td.textContent.slice(0, 30) + " " + td.clientHeight + "px");
  }
  for (const s of document.querySelectorAll(".scroll")) {
    if (s.scrollWidth > s.clientWidth + 1) {
      const cue = s.previousElementSibling;
      if (!cue || !cue.classList.contains("scroll-cue") || getComputedStyle(cue).display === "none") nocue.push(s.firstElementChild ? s.firstElementChild.tagName : "?");
    }
  }
  return {width: W, scrollWidth: document.documentElement.scrollWidth, wide: wide.slice(0, 8), broken: broken.slice(0, 8), nocue: nocue, tall: tall.slice(0, 8)};
})()`

type layout struct {
	Width       int      `json:"width"`
	ScrollWidth int      `json:"scrollWidth"`
	Wide        []string `json:"wide"`
	Broken      []string `json:"broken"`
	NoCue       []string `json:"nocue"`
	Tall        []string `json:"tall"`
}

// TestLayoutAtThreeWidths opens the run, open-loop, SLO, comparison and
// all-failures pages at a phone's, a tablet's and a laptop's width in
// headless Chromium: no legend item over an axis title or label, no
// element is wider than the viewport except inside a scroll container, no
// table header breaks a word, no table cell is squeezed into a narrow
// column, and a table that scrolls sideways shows its cue.
func TestLayoutAtThreeWidths(t *testing.T) {
	b := startBrowser(t, requireChromium(t, "the layout at three widths"))
	dir := t.TempDir()
	pages := map[string][]byte{
		"run":          render(t, demoAnalysis()),
		"all-failures": render(t, failuresAnalysis()),
		"compare":      renderComparison(t, compareFixtures()["compare-slower"](t)),
		"open-loop":    render(t, openLoopAnalysis()),
		"slo":          render(t, sloAnalysis(t)),
	}
	for name, page := range pages {
		file := filepath.Join(dir, name+".html")
		if err := os.WriteFile(file, page, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, width := range []int{390, 768, 1280} {
			t.Run(name+"@"+strconv.Itoa(width), func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				defer cancel()
				session, closeTab, err := b.openPage(ctx)
				if closeTab != nil {
					defer closeTab()
				}
				if err != nil {
					t.Fatal(err)
				}
				if _, err := b.call(ctx, session, "Emulation.setDeviceMetricsOverride",
					map[string]any{"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 500}); err != nil {
					t.Fatal(err)
				}
				if _, err := b.call(ctx, session, "Page.navigate", map[string]any{"url": (&url.URL{Scheme: "file", Path: file}).String()}); err != nil {
					t.Fatal(err)
				}
				var l layout
				var ready string
				for range 100 {
					if err := b.eval(ctx, session, "document.readyState", &ready); err == nil && ready == "complete" {
						break
					}
					time.Sleep(50 * time.Millisecond)
				}
				time.Sleep(200 * time.Millisecond) // charts resize
				if err := b.eval(ctx, session, layoutJS, &l); err != nil {
					t.Fatal(err)
				}
				if l.Width != width {
					t.Errorf("viewport %d px, want %d", l.Width, width)
				}
				if l.ScrollWidth > l.Width || len(l.Wide) > 0 {
					t.Errorf("page %d px wide in a %d px viewport; elements past its edge outside a scroll container: %s", l.ScrollWidth, l.Width, strings.Join(l.Wide, "; "))
				}
				if len(l.Broken) > 0 {
					t.Errorf("table headers broken mid-word: %q", l.Broken)
				}
				if len(l.Tall) > 0 {
					t.Errorf("table cells squeezed into a column of more than six lines: %q", l.Tall)
				}
				if len(l.NoCue) > 0 {
					t.Errorf("%d tables scroll sideways without a visible cue", len(l.NoCue))
				}
				var lo struct {
					Legends  int      `json:"legends"`
					Overlaps []string `json:"overlaps"`
				}
				if err := b.eval(ctx, session, legendOverlapJS, &lo); err != nil {
					t.Fatal(err)
				}
				if len(lo.Overlaps) > 0 || lo.Legends == 0 {
					t.Errorf("legend items over axis titles or labels (%d legend texts): %q", lo.Legends, lo.Overlaps)
				}
			})
		}
	}
}

// legendOverlapJS lists, for every chart of the page, the axis texts
// (titles and labels) that a legend item overlaps, from the boxes of the
// texts ECharts drew, each known by the component that drew it.
const legendOverlapJS = `(() => {
  const out = [];
  let nl = 0;
  for (const el of document.querySelectorAll("div.chart")) {
    const c = echarts.getInstanceByDom(el);
    if (!c) continue;
    const legend = [], axis = [];
    for (const d of c.getZr().storage.getDisplayList(true)) {
      if (!d.style || typeof d.style.text !== "string" || d.style.text === "" || d.invisible) continue;
      let p = d, kind = "";
      while (p) { if (p.__ecComponentInfo) { kind = p.__ecComponentInfo.mainType; break; } p = p.parent; }
      const r = d.getBoundingRect().clone();
      const m = d.getComputedTransform();
      if (m) r.applyTransform(m);
      if (kind === "legend") legend.push({t: d.style.text, r: r});
      else if (kind === "yAxis" || kind === "xAxis") axis.push({t: d.style.text, r: r});
    }
    nl += legend.length;
    for (const a of axis) for (const l of legend) if (a.r.intersect(l.r)) out.push(el.id + ": legend " + l.t + " over axis " + a.t);
  }
  return {legends: nl, overlaps: out.slice(0, 12)};
})()`

// sloAnalysis is a real knee run analyzed with --slo (TTFT 200 ms,
// latency 3 s): the page with the goodput chart (two axes, a target line,
// the capacity) and the SLO table.
func sloAnalysis(t *testing.T) *analyze.Analysis {
	t.Helper()
	run := filepath.Join(t.TempDir(), "run.parquet")
	writeKneeRun(t, run)
	opts := analyze.DefaultOptions()
	opts.Warmup = 30 * time.Second
	opts.SLO = analyze.SLO{TTFT: 200 * time.Millisecond, Latency: 3 * time.Second}
	a, err := analyze.Analyze(context.Background(), opts, run)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
