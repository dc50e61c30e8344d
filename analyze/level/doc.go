// Package level is the level model of a step load: what each step's level
// is, which step is the baseline, where the run saturated and how much it
// holds (its capacity). A level is what the user set: the users of a
// closed loop, the offered rate (req/s) of an open loop. Every answer
// that names a load names a level; the users in flight are evidence, never
// a level.
//
// The package is pure: it reads plain numbers a step at a time and knows
// nothing of files, databases or words, so that the analyzer, the CI gates
// and a capacity search make the one decision.
//
// Imports (of ours): nothing.
package level
