// Package compare puts runs side by side: `llmrep compare` (Compare: the
// first run the baseline, levels matched by users or offered rate, each
// change with a significance test on the raw values and a verdict under
// Holm's correction), the metrics that compare and check read (Metric:
// how to read one at a Level and how to test a change, MetricNames), the
// minimum effect (MinEffect) and the trend of runs over time (NewTrend).
//
// It reads what analyze computed (Analysis, and the raw values of
// RunData) and computes no figure of one run; the tests themselves are
// analyze/stats'. Its own warnings (thin, unmatched and mixed levels)
// and a trend's are facts (ThinLevelFact, UnmatchedFact, MixedLevelsFact,
// TrendNoLabelFact, TrendNoLevelFact) that report/view words.
//
// Imports (of ours): analyze and analyze/stats.
package compare
