package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/llmrec/llmrec/record"
	"github.com/llmrec/llmrec/record/scrape"
	"github.com/llmrec/llmrec/schemas"
)

// addTelemetryFlags registers the flags of the server's own metrics.
func addTelemetryFlags(f *pflag.FlagSet, o *RunOptions) {
	c := &o.Config
	c.ServerMetrics.Interval = record.DefaultScrapeInterval
	f.StringVar(&c.ServerMetrics.URL, "server-metrics", "", "scrape the server's Prometheus metrics at `URL` during the run and store them in the run file (auto: the target's /metrics; default: none)")
	f.DurationVar(&c.ServerMetrics.Interval, "scrape-interval", c.ServerMetrics.Interval, "time between scrapes of --server-metrics, a `DURATION` (also each scrape's timeout)")
	f.StringSliceVar(&c.ServerMetrics.Match, "server-metrics-match", scrape.DefaultMatch, "gauge and counter names kept from --server-metrics, `PATTERNS` (comma-separated, * any run of characters)")
}

// completeTelemetry checks that the telemetry flags go with --server-metrics.
func (o *RunOptions) completeTelemetry() []error {
	if o.Config.ServerMetrics.URL != "" {
		return nil
	}
	var errs []error
	for _, f := range []string{"scrape-interval", "server-metrics-match"} {
		if o.changed(f) {
			errs = append(errs, fmt.Errorf("--%s needs --server-metrics URL (or auto)", f))
		}
	}
	return errs
}

// printTelemetry says what the run kept of the server's metrics.
func printTelemetry(w io.Writer, t *schemas.Telemetry) {
	if t == nil {
		return
	}
	fmt.Fprintf(w, "  server metrics: %d of %d scrapes of %s read, %d series kept\n", t.Scrapes-t.Failed, t.Scrapes, t.Source, len(t.Series))
}

// warnTelemetry prints the scrapes' warnings (failures with counts, what
// a bound cut) on w.
func warnTelemetry(w io.Writer, t *schemas.Telemetry) {
	for _, s := range scrape.Warnings(t) {
		fmt.Fprintln(w, "warning: "+strings.TrimSpace(s))
	}
}
