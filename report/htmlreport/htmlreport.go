package htmlreport

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/report/assets"
)

// pageTemplate is the page; every value reaches it through html/template,
// which escapes it for its context (HTML text, attribute, or JSON inside a
// script element).
//
//go:embed page.html.tmpl
var pageTemplate string

// bootScript draws the charts: for each div.chart it parses the options
// from the JSON script element beside it and hands them to ECharts.
//
//go:embed boot.js
var bootScript string

// Render writes the HTML report of a to w: one self-contained page with the
// run header, the verdict, health cards, saturation and growth evidence,
// the charts, the per-step table, errors, warnings and definitions.
//
// The same analysis always gives the same bytes. Nothing is written to w
// when rendering fails.
func Render(w io.Writer, a *analyze.Analysis) error {
	if a == nil {
		return errors.New("render html: no analysis")
	}
	specs, err := buildCharts(a)
	if err != nil {
		return fmt.Errorf("render html: %w", err)
	}
	echarts := assets.ECharts()
	if err := inlineable(echarts); err != nil {
		return fmt.Errorf("render html: echarts script: %w", err)
	}
	tpl, err := template.New("page").Parse(pageTemplate)
	if err != nil {
		return fmt.Errorf("render html: parse template: %w", err)
	}
	data := struct {
		Page           *page
		CSP            string
		ECharts        template.JS
		Boot           template.JS
		EChartsVersion string
	}{
		Page:           newPage(a, specs),
		CSP:            csp(echarts, bootScript),
		ECharts:        template.JS(echarts),    // the pinned library, checked by inlineable
		Boot:           template.JS(bootScript), // a constant of this package
		EChartsVersion: assets.EChartsVersion,
	}
	var buf bytes.Buffer
	buf.Grow(len(echarts) + 512<<10)
	if err := tpl.Execute(&buf, data); err != nil {
		return fmt.Errorf("render html: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write html report: %w", err)
	}
	return nil
}

// csp is the page's Content-Security-Policy. Nothing may be fetched
// (default-src 'none', no connect-src, no form or base URL), and the only
// scripts allowed to run are the inline ones whose SHA-256 is listed: the
// ECharts library and the page's own boot script. Inline styles are
// allowed because ECharts styles its tooltip with style attributes; data:
// images because ECharts may paint patterns from them.
func csp(scripts ...string) string {
	var b strings.Builder
	b.WriteString("default-src 'none'; script-src")
	for _, s := range scripts {
		sum := sha256.Sum256([]byte(s))
		b.WriteString(" 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'")
	}
	b.WriteString("; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'")
	return b.String()
}

// inlineable checks that js can be the text of an HTML <script> element
// unchanged: nothing in it may end the element or open a comment that
// changes how the parser finds its end.
func inlineable(js string) error {
	lower := strings.ToLower(js)
	for _, bad := range []string{"</script", "<!--", "<script"} {
		if strings.Contains(lower, bad) {
			return fmt.Errorf("contains %q", bad)
		}
	}
	return nil
}
