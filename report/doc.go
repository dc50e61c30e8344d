// Package report renders an analyze.Analysis as terminal text, JSON and
// GitHub-flavoured Markdown. (The HTML report lives in report/htmlreport.)
//
// Data flows one way: analyze computes every figure into the Analysis;
// package report/view builds the view of it once (words, formatted
// numbers, capped tables, cleaned strings), and the encoders here (text,
// Markdown) and in report/htmlreport (HTML) only lay that view out. They
// compute no statistic, so the outputs always agree, and they are
// deterministic: the same Analysis gives the same bytes.
//
// Text fits 100 columns (tables aligned with text/tabwriter). JSON is the
// Analysis itself, documented key by key in FORMAT-JSON.md. Markdown stays
// under MaxMarkdown characters so that it fits one pull-request comment:
// every table is capped (view.MaxStepRows and the other caps), and a cut
// is said.
//
// Imports (of ours): analyze, analyze/compare and analyze/gate (the
// values) and report/view (the words); never the recorder.
package report
