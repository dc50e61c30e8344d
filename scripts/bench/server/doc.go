// Command server is the loopback HTTP server that make bench points llmrec
// and its peers (vegeta, hey, wrk, Locust) at, so that every tool sends the
// same request to the same process:
//
//	/trivial   reads the body, answers 200 with a 16-byte JSON object
//	/sleep50   the same after sleeping 50 ms (a fresh timer per request)
//
// It listens on -addr (127.0.0.1 only) and prints its base URL on stdout.
//
// Imports (of ours): nothing.
package main
