// Command llmrep reads llmrec run files and reports on them: `llmrep
// analyze` prints the figures of docs/METHOD.md as text, JSON, Markdown or HTML.
// The analysis is package analyze; the renderers are package report.
//
// Imports (of ours): analyze, analyze/compare, analyze/export, analyze/gate, internal/outfile, report, report/htmlreport, schemas.
package main
