package htmlreport

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"io"

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
	return writePage(w, "page", pageTemplate, newPage(a, specs), 512<<10)
}

// writePage executes the page template text (named name) on page, with
// the inlined ECharts script, the boot script and the CSP that allows
// only those two, and writes it to w: every HTML page of the package
// (report, comparison, trend) is written by it. grow is about the page's
// size beyond the script.
func writePage(w io.Writer, name, text string, page any, grow int) error {
	echarts := assets.ECharts()
	if err := assets.Inlineable(echarts); err != nil {
		return fmt.Errorf("render html: echarts script: %w", err)
	}
	tpl, err := template.New(name).Parse(text)
	if err != nil {
		return fmt.Errorf("render html: parse template: %w", err)
	}
	data := struct {
		Page           any
		CSP            string
		ECharts        template.JS
		Boot           template.JS
		EChartsVersion string
	}{
		Page:           page,
		CSP:            csp(echarts, bootScript),
		ECharts:        template.JS(echarts),    // the pinned library, checked by inlineable
		Boot:           template.JS(bootScript), // a constant of this package
		EChartsVersion: assets.EChartsVersion,
	}
	var buf bytes.Buffer
	buf.Grow(len(echarts) + grow)
	if err := tpl.Execute(&buf, data); err != nil {
		return fmt.Errorf("render html: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write html report: %w", err)
	}
	return nil
}

// csp is the report's Content-Security-Policy (assets.CSP): nothing
// fetched, only the inline ECharts and boot scripts run.
func csp(scripts ...string) string { return assets.CSP(nil, scripts...) }
