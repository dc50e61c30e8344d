// Command llmrep reads llmrec run files and reports on them: `llmrep
// analyze` prints the figures of docs/METHOD.md as text, JSON, Markdown or HTML.
// The analysis is package analyze; the renderers are package report.
package main

import (
	"context"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), stopSignals()...)
	// The first SIGINT, SIGTERM or SIGHUP cancels ctx: DuckDB queries are
	// interrupted, temporary files removed, and llmrep exits 130. Then the
	// default action is back, so a second signal ends the process even if
	// something still blocks.
	go func() { <-ctx.Done(); stop() }()
	code := Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
