package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, stopSignals()...)
	// The first SIGINT, SIGTERM or SIGHUP cancels ctx: DuckDB queries are
	// interrupted, temporary files removed, and llmrep exits 130. A second
	// one ends the process at once even if something still blocks. The
	// signals stay caught rather than reset: a process started with SIGINT
	// ignored (with & from a script) would get SIG_IGN back from a reset,
	// and the second Ctrl-C would do nothing. This goroutine ends with the
	// process.
	go func() {
		<-sigs
		cancel()
		sig := <-sigs
		fmt.Fprintf(os.Stderr, "\nllmrep: %v again: stopped at once\n", sig)
		if s, ok := sig.(syscall.Signal); ok {
			os.Exit(128 + int(s))
		}
		os.Exit(exitInterrupted)
	}()
	code := Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	cancel()
	os.Exit(code)
}
