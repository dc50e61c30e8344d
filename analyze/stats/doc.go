// Package stats holds the statistics of llmrep that need no database:
// exact quantiles from values streamed in ascending order, a log-spaced
// histogram, and the significance tests of a comparison with their
// multiple-comparison correction. It is to analyze what benchstat's
// benchmath is to benchstat.
//
// What it owns:
//
//   - Quantile: quantile_cont of a sorted sample, equal to DuckDB's to the
//     bit (linear interpolation between the order statistics at
//     floor and ceil of p·(n-1), with DuckDB's rounding).
//   - QuantileSeries and StepQuantiles: the same quantiles of many sets at
//     once (the points of a windowed or cumulative series; the steps of a
//     run, their total and their prefixes), from one ascending stream of
//     values whose set sizes are known beforehand. Each set keeps only the
//     order statistics at the ranks its quantiles need, so memory does not
//     grow with the number of values; the figures are exact.
//   - LogHistogram: counts in log-spaced buckets between known bounds.
//   - MannWhitney, BootstrapQuantile, Proportions (with Fisher's exact
//     test), PoissonRates, and Holm: the tests that say whether a
//     difference between two runs could be noise (significance.go says
//     which test answers which question, and why).
//   - TestAttainment: exact one-sided bounds of an SLO attainment (a
//     capacity search's stopping rule); FitUSL: the Universal
//     Scalability Law fitted to a closed loop's throughput by nonlinear
//     least squares (gonum's optimize).
//   - Sorted and Cursor: a sample sorted ascending, read by rank or in
//     order a block at a time, whether it is held in memory or in a file.
//
// Data flows one way: the caller (analyze) has the database sort and
// count the values, then feeds them here in ascending order and reads the
// results back as plain numbers. Nothing here reads a file, knows the run
// file's format or writes a sentence.
//
// Imports (of ours): nothing. What it may import: the standard library and gonum (the normal
// distribution and Beta variates), nothing of this module and nothing
// that needs cgo, so it builds with CGO_ENABLED=0.
// TestImportsNothingOfOurs checks both.
package stats
