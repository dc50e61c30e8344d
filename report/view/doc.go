// Package view is llmrep's presentation layer: the words and numbers every
// report prints, built once from what analyze computed (an Analysis, a
// Comparison or a CheckResult), and laid out by the text and Markdown
// encoders of package report and the HTML encoder of report/htmlreport.
//
// It owns what the encoders must agree on: one set of number formatters,
// the settings sentence, metric and signal titles, the cleaning of every
// string that came from a run file (control characters stripped, URL
// secrets redacted) and the caps that bound every table whatever the
// input (see Caps). It computes no statistic: a figure absent from the
// analysis is printed as NA, never as 0.
//
// Imports (of ours): analyze, analyze/compare and analyze/gate, and
// schemas; every encoder
// (report, report/htmlreport) takes its words from here.
package view
