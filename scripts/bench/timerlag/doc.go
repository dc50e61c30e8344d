// Command timerlag measures how late a goroutine that sleeps on a timer
// wakes up, for three ways of sleeping, with the same load of goroutines:
//
//	stopped-reset  a Timer made with a long duration and stopped before it
//	               fired, then Reset(d) and waited on (the pattern record/run.go
//	               used to have in its user loop)
//	new-timer      a fresh time.NewTimer(d) per sleep
//	sleep          time.Sleep(d)
//
// Each mode runs -g goroutines, each sleeping uniform random durations in
// [-min, -max] for -d, and reports the wake-ups later than -late and the
// worst. Its output is quoted in BENCHMARKS.md:
//
//	go run ./scripts/bench/timerlag
//
// Imports (of ours): nothing.
package main
