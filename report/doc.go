// Package report renders an analyze.Analysis as terminal text, JSON and
// GitHub-flavoured Markdown. (The HTML report lives in report/htmlreport.)
//
// Data flows one way: analyze computes every figure, warning and sentence
// into the Analysis; the renderers here only lay it out. They compute no
// statistic, so the three outputs always agree, and they are
// deterministic: the same Analysis gives the same bytes.
//
// Text fits 100 columns (tables aligned with text/tabwriter). JSON is the
// Analysis itself, documented key by key in FORMAT-JSON.md. Markdown stays
// under MaxMarkdown characters so that it fits one pull-request comment:
// long step tables are cut, and the cut is said.
package report
