// Command llmrec fires a step load at an LLM service (or the built-in
// simulator) and writes every request to a Parquet run file. See README.md
// and docs/METHOD.md; the engine is package record, the run file package
// schemas/runfile.
package main

import (
	"context"
	"os"
	"os/signal"
)

func main() {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	stops := stopSignals()
	signal.Notify(sigs, stops...)
	// The first signal cancels the command, naming itself. Then the default
	// action comes back: a second one ends the process at once (the crash
	// journal keeps the rows). This goroutine ends with the first signal or
	// with the process.
	go func() {
		sig := <-sigs
		signal.Reset(stops...)
		cancel(signalCause{sig})
	}()
	os.Exit(Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
