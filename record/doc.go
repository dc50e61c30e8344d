// Package record is the load engine of llmrec: the step-load schedule, the
// closed-loop virtual users, the target clients and the built-in simulator.
//
// Data flows like this: Run builds the schedule from a Config and starts one
// goroutine per virtual user; each user sends a request through a target
// client and hands the finished schemas.Record to a channel; a single writer
// goroutine owns the run file (package schemas/runfile: crash journal and
// Parquet writer) and feeds the live statistics. Nothing here knows about
// cobra or the terminal: progress is reported through callbacks.
package record
