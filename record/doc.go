// Package record is the load engine of llmrec: the step-load schedule and
// the closed-loop virtual users. It is a library with injected edges: Run
// takes the Client it sends through and the Sink the rows go to; the
// caller (cmd/llmrec) starts the built-in simulator (record/sim) if it
// wants one, connects (Connect builds a record/target client) and opens
// the run file (schemas/runfile.File is the persistent Sink).
//
// Data flows like this. Run builds the schedule from a Config; a spawner
// goroutine starts one goroutine per virtual user at the times Shape
// gives. Each user sends a request through the Client, turns the Result
// into a schemas.Record (its seq, step and timestamps) and hands it to two
// consumers: the persister, which batches rows into the Sink and flushes
// it once a second, and the watcher, which keeps the live statistics and,
// once a second, records the generator's health, reports Status through
// Config.Progress, applies the --stop-on-saturation rule and, when
// Config.Snapshot is set, hands a Snapshot to the live dashboard
// (record/dashboard) without waiting. A Control given in Config.Control
// changes the level while the run goes on: the change is recorded (the
// footer's shape.changes) and the spawner, or the open loop's arrival
// driver, applies it from the next step on. Run owns all of these
// goroutines and waits for each before it returns. A replay
// (Config.Replay, built by NewReplay from a recorded run's rows) replaces
// the users or arrivals: its driver sends each recorded request at its
// recorded offset, and the rows flow on the same way. Nothing here knows
// about cobra, flags or the terminal.
//
// Imports (of ours): record/target, record/scrape (the server's own
// metrics, scraped beside the load) and schemas, and the pure
// analyze/level and analyze/stats; never analyze, report or a command.
package record
