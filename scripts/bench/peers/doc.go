// Command peers is the comparison half of make bench: it runs llmrec and
// the public load testers people would pick instead (vegeta, hey, wrk,
// Locust) against the same loopback server, back to back, and prints each
// figure of BENCHMARKS.md with its ratio. A peer that is not installed is
// skipped, and the table says so.
//
//	go run ./scripts/bench/peers -llmrec bin/llmrec -llmrep bin/llmrep
//
// Figures (-only picks some, comma-separated):
//
//	rps       requests/s recorded, closed loop, no think time, 64 and 256 users,
//	          POST /trivial with body {}: llmrec, vegeta, hey, wrk, Locust
//	latency   p50 and p99 overhead (recorded − 50 ms) at 200 users against
//	          POST /sleep50: llmrec, wrk, vegeta, hey
//	pacing    open-loop send lag (start − scheduled_at) at 2,000 constant
//	          arrivals/s, no cap, POST /trivial: llmrec, vegeta -rate
//	stream    10,000 streaming users against `llmrec sim` in another process:
//	          the recorder's peak RSS per user and its client-side lag
//	parquet   the Parquet writer's rows/s (BenchmarkParquetWriter)
//	analyze   `llmrep analyze` (text + HTML) of synthetic 1M- and 10M-row
//	          runs: wall time, peak RSS, HTML size
//
// The peers are found on PATH (Debian: apt-get install wrk hey
// python3-locust); vegeta is installed with go install
// github.com/tsenart/vegeta/v12@v12.13.0 into the work directory when it is
// not on PATH. Every target is 127.0.0.1.
//
// Imports (of ours): schemas, schemas/runfile.
package main
