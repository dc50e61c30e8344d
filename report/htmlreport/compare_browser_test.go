package htmlreport

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestBrowserCompare loads each comparison page in the real headless
// Chromium of TestBrowser, with the same checks: every chart drew, the
// console stayed clean (CSP included), nothing left the page, no dialog
// opened, and hostile run names show as text in the page and in the
// charts' tooltips (the legend and tooltip name each run).
func TestBrowserCompare(t *testing.T) {
	path := requireChromium(t, "the comparison page")
	b := startBrowser(t, path)
	dir := t.TempDir()
	fx := compareFixtures()
	names := make([]string, 0, len(fx))
	for name := range fx {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			c := fx[name](t)
			specs, err := compareCharts(c)
			if err != nil {
				t.Fatal(err)
			}
			title := newComparePage(c, nil).Title + " · llmrep"
			checkPageInBrowser(t, b, dir, name, renderComparison(t, c), len(specs), title, name == "compare-hostile")
		})
	}
}

// checkPageInBrowser opens page (an HTML document) from a file and checks
// it as checkInBrowser does for the single-run report.
func checkPageInBrowser(t *testing.T, b *browser, dir, name string, page []byte, charts int, wantTitle string, hostile bool) {
	t.Helper()
	file := filepath.Join(dir, name+".html")
	if err := os.WriteFile(file, page, 0o644); err != nil {
		t.Fatal(err)
	}
	pageURL := (&url.URL{Scheme: "file", Path: file}).String()
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
		if st.Charts == charts && st.Painted == st.Charts {
			break
		}
		if time.Now().After(drawBy) {
			t.Fatalf("charts not drawn in time: document %s, %d chart divs (want %d), %d canvases, %d painted; events:\n%s", st.Ready,
				st.Charts, charts, st.Canvases, st.Painted, describe(b.eventsOf(session), pageURL))
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
	if hostile {
		for _, s := range []string{hostileTag, hostileFunc} {
			if !strings.Contains(st.Text, s) {
				t.Errorf("the hostile name %q does not show as text", s)
			}
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
