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
	// The first signal cancels the command, naming itself; a second one
	// ends the process at once (the crash journal keeps the rows). The
	// signals stay caught rather than reset: a process started with SIGINT
	// ignored (with & from a script) would get SIG_IGN back from Reset,
	// and the second Ctrl-C would do nothing. This goroutine ends with the
	// process.
	go func() {
		sig := <-sigs
		cancel(signalCause{sig})
		sig = <-sigs
		os.Exit(secondSignal(os.Stderr, sig))
	}()
	os.Exit(Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
