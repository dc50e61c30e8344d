// Package gate is `llmrep check`: gates on a run's metrics (ParseGate:
// "p95=800ms", "p99@40=2s"), judged on the run's figures (max, min),
// against a baseline run with the significance test of the metric
// (max_regression, Check) or against the trend of previous runs
// (CheckTrend). A gate over too few samples, or whose level or value is
// missing, is inconclusive.
//
// A gate's result says why it came out as it did as a typed value
// (Outcome: the kind, Why*, and what it names); report/view words it as
// the gate's line (view.GateLine, and view.WithLines for the JSON, which
// refuses a line not worded).
//
// The metrics and their tests are analyze/compare's; the figures are
// analyze's.
//
// Imports (of ours): analyze and analyze/compare.
package gate
