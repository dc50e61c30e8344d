// Command llmrec fires a step load at an LLM service (or the built-in
// simulator) and writes every request to a Parquet run file. See README.md
// and docs/METHOD.md; the engine is package record, the run file package
// schemas/runfile.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal, restore the default action: a second Ctrl-C
	// ends the process at once (the crash journal keeps the rows).
	go func() { <-ctx.Done(); stop() }()
	os.Exit(Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
