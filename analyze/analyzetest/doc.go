// Package analyzetest writes run files whose answers are known, for the
// tests of compare, check and their reports. A run is a step load of
// Spec.PerStep requests a step; latencies are log-normal around
// MedianMS, multiplied by Scale, and grow with users: mildly (2% per 10
// users) up to Knee users and quadratically beyond, so that a run with
// Knee k saturates (p95 over twice the baseline's) at the first level above
// k + 10 or so. The pseudo-random draws come from a fixed seed: the same
// Spec always writes the same rows.
//
// Imports (of ours): schemas, schemas/runfile.
package analyzetest
