// Package htmlreport renders an analyze.Analysis as one self-contained HTML
// page: the report `llmrep analyze` writes beside the run file.
//
// Data flows in one direction. Render lays the analysis out as a page
// model of plain strings (view.go: header, verdict, health cards,
// saturation and growth evidence, per-step table, errors, warnings,
// definitions) and builds the report's charts with go-echarts
// (charts.go). Each chart's options are serialised with encoding/json and
// placed in a <script type="application/json"> element by html/template,
// which escapes every value for its context; a small inline script
// (boot.js) reads them with JSON.parse and calls echarts.init. So no label,
// error message or series name is ever executed: go-echarts' own renderer
// (which writes options into a script unescaped and turns "__f__" strings
// into functions) is not used, and no option holds a function.
//
// The page is offline and locked down: the ECharts library is inlined from
// report/assets (pinned by npm's lock file, fetched by `make assets`), and
// a Content-Security-Policy meta tag forbids every fetch and allows only
// the two inline scripts, by hash.
//
// The output is deterministic: fixed chart ids (chart-1..n), sorted keys,
// numbers rounded by strconv, and no clock. Time series are thinned to at
// most maxChartPoints points per chart (keeping each bucket's worst
// latency), so the page stays under 2 MB whatever the length of the run.
//
// Imports (of ours): analyze, analyze/compare, report/view, report/assets
// and schemas;
// never the recorder.
package htmlreport
