// Package rundata loads the synthetic runs of package analyzetest for the
// tests of the packages that compare and check runs (analyze/compare,
// analyze/gate): each run is written and analyzed once per test binary.
//
// Imports (of ours): analyze, analyze/analyzetest.
package rundata
