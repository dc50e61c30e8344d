// Package record is the load engine of llmrec: the step-load schedule, the
// closed-loop virtual users, the target clients, the built-in simulator and
// the run-file writer.
//
// Data flows like this: Run builds the schedule from a Config and starts one
// goroutine per virtual user; each user sends a request through a target
// client and hands the finished schemas.Record to a channel; a single writer
// goroutine owns the crash journal and the Parquet writer, assigns nothing
// but ordering, and feeds the live statistics. Nothing here knows about
// cobra or the terminal: progress is reported through callbacks.
package record
