package htmlreport

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/llmrec/llmrec/analyze"
)

// TestBrowser loads each fixture's report in a real headless Chromium from
// file:// with the network disabled, and checks that every chart drew
// (one painted canvas per chart), that the console stayed free of errors
// (CSP violations included), that no request left the page, that no dialog
// opened, and that hostile labels show as text and run nothing, even in
// the charts' tooltips.
//
// Without Chromium on PATH the test is skipped with a loud message; under
// CI (CI set in the environment) a missing Chromium is a failure.
func TestBrowser(t *testing.T) {
	path := requireChromium(t, "the HTML report")
	b := startBrowser(t, path)
	dir := t.TempDir()
	fx := fixtures()
	names := make([]string, 0, len(fx))
	for name := range fx {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			checkInBrowser(t, b, dir, name, fx[name]())
			t.Logf("%s checked in %v", name, time.Since(start).Round(time.Millisecond))
		})
	}
}

// pageState is what the checks read from the page.
type pageState struct {
	Ready    string `json:"ready"`
	Charts   int    `json:"charts"`
	Canvases int    `json:"canvases"`
	Painted  int    `json:"painted"`
	Title    string `json:"title"`
	Images   int    `json:"images"`
	Text     string `json:"text"`
}

// stateJS counts the chart divs, the canvases, and the chart canvases with
// at least one non-transparent pixel.
const stateJS = `(() => {
  const charts = document.querySelectorAll("div.chart");
  let painted = 0;
  for (const el of charts) {
    const c = el.querySelector("canvas");
    if (!c || !c.width || !c.height) continue;
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < d.length; i += 4 * 7) { if (d[i] !== 0) { painted++; break; } }
  }
  return {ready: document.readyState, charts: charts.length,
    canvases: document.querySelectorAll("canvas").length, painted: painted,
    title: document.title, images: document.images.length,
    text: document.body ? document.body.innerText : ""};
})()`

// tooltipsJS opens a tooltip in the middle of every chart, where series
// names are written as HTML by ECharts, and waits for it to be drawn.
const tooltipsJS = `(async () => {
  for (const el of document.querySelectorAll("div.chart")) {
    const c = echarts.getInstanceByDom(el);
    c.dispatchAction({type: "showTip", x: Math.floor(el.clientWidth / 2), y: Math.floor(el.clientHeight / 2)});
  }
  await new Promise(r => setTimeout(r, 300));
  let text = "";
  for (const el of document.querySelectorAll("div.chart")) { text += el.innerText + "\n"; }
  return text;
})()`

func checkInBrowser(t *testing.T, b *browser, dir, name string, a *analyze.Analysis) {
	var page strings.Builder
	if err := Render(&page, a); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, name+".html")
	if err := os.WriteFile(file, []byte(page.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	pageURL := (&url.URL{Scheme: "file", Path: file}).String()
	specs, err := buildCharts(a)
	if err != nil {
		t.Fatal(err)
	}
	wantTitle := newPage(a, nil).Title + " · llmrep"

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	session, closeTab, err := b.openPage(ctx)
	if closeTab != nil {
		defer closeTab()
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.call(ctx, session, "Page.navigate", map[string]any{"url": pageURL}); err != nil {
		t.Fatal(err)
	}
	var st pageState
	drawBy := time.Now().Add(30 * time.Second)
	for {
		if err := b.eval(ctx, session, stateJS, &st); err != nil {
			t.Fatalf("read page state: %v", err)
		}
		if st.Charts == len(specs) && st.Painted == st.Charts {
			break
		}
		if time.Now().After(drawBy) {
			t.Fatalf("charts not drawn in time: document %s, %d chart divs (want %d), %d canvases, %d painted; events:\n%s", st.Ready,
				st.Charts, len(specs), st.Canvases, st.Painted, describe(b.eventsOf(session), pageURL))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if st.Canvases != st.Charts {
		t.Errorf("%d canvases for %d charts", st.Canvases, st.Charts)
	}
	var tips string
	if err := b.eval(ctx, session, tooltipsJS, &tips); err != nil {
		t.Errorf("open tooltips: %v", err)
	}
	if err := b.eval(ctx, session, stateJS, &st); err != nil {
		t.Fatal(err)
	}
	if st.Title != wantTitle {
		t.Errorf("document.title = %q, want %q", st.Title, wantTitle)
	}
	if st.Images != 0 {
		t.Errorf("the page has %d <img> elements: markup from the data was parsed", st.Images)
	}
	if name == "hostile" {
		for _, s := range []string{hostileTag, hostileFunc} {
			if !strings.Contains(st.Text, s) {
				t.Errorf("the hostile string %q does not show as text", s)
			}
			// The failure classes name series: their tooltip shows them.
			if !strings.Contains(tips, s) {
				t.Errorf("the hostile series name %q does not show as text in a tooltip; tooltips:\n%s", s, tips)
			}
		}
	}
	for _, e := range b.eventsOf(session) {
		if problem := judge(e, pageURL); problem != "" {
			t.Error(problem)
		}
	}
}

// judge returns what is wrong with an event of the page, or "".
func judge(e cdpMessage, pageURL string) string {
	var p struct {
		Type string `json:"type"`
		Args []struct {
			Value       any    `json:"value"`
			Description string `json:"description"`
		} `json:"args"`
		ExceptionDetails struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
		Entry struct {
			Level  string `json:"level"`
			Source string `json:"source"`
			Text   string `json:"text"`
			URL    string `json:"url"`
		} `json:"entry"`
		Request struct {
			URL string `json:"url"`
		} `json:"request"`
		Message string `json:"message"`
	}
	_ = json.Unmarshal(e.Params, &p)
	switch e.Method {
	case "Runtime.consoleAPICalled":
		if p.Type == "error" || p.Type == "assert" {
			var parts []string
			for _, a := range p.Args {
				parts = append(parts, fmt.Sprint(a.Value)+a.Description)
			}
			return "console." + p.Type + ": " + strings.Join(parts, " ")
		}
	case "Runtime.exceptionThrown":
		return "uncaught exception: " + p.ExceptionDetails.Text + " " + p.ExceptionDetails.Exception.Description
	case "Log.entryAdded":
		if p.Entry.Level == "error" {
			return "console error (" + p.Entry.Source + "): " + p.Entry.Text + " " + p.Entry.URL
		}
	case "Network.requestWillBeSent":
		if p.Request.URL != pageURL {
			return "a request left the page: " + clip(p.Request.URL)
		}
	case "Page.javascriptDialogOpening":
		return "a dialog opened: " + p.Message
	}
	return ""
}

func describe(events []cdpMessage, pageURL string) string {
	var b strings.Builder
	for _, e := range events {
		if s := judge(e, pageURL); s != "" {
			b.WriteString("  " + s + "\n")
		}
	}
	return b.String()
}
