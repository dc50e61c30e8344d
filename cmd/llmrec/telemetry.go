package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/llmrec/llmrec/record"
	"github.com/llmrec/llmrec/record/dashboard"
	"github.com/llmrec/llmrec/record/livemetrics"
	"github.com/llmrec/llmrec/record/scrape"
	"github.com/llmrec/llmrec/schemas"
)

// addTelemetryFlags registers the flags of the server's own metrics.
func addTelemetryFlags(f *pflag.FlagSet, o *RunOptions) {
	c := &o.Config
	c.ServerMetrics.Interval = record.DefaultScrapeInterval
	f.StringVar(&c.ServerMetrics.URL, "server-metrics", "", "scrape the server's Prometheus metrics at `URL` during the run and store them in the run file (auto: the target's /metrics; default: none)")
	f.DurationVar(&c.ServerMetrics.Interval, "scrape-interval", c.ServerMetrics.Interval, "time between scrapes of --server-metrics, a `DURATION` (also each scrape's timeout, at most 5s)")
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

// metricsTokenEnv is the environment variable that can hold the token of
// --metrics-addr.
const metricsTokenEnv = "LLMREC_METRICS_TOKEN"

// addLiveMetricsFlags registers the flags of the recorder's own live
// figures in the Prometheus format.
func addLiveMetricsFlags(f *pflag.FlagSet, o *RunOptions) {
	f.StringVar(&o.MetricsAddr, "metrics-addr", "", "serve the run's live figures in the Prometheus format at `HOST:PORT`/metrics (port 0: a free one; empty host: 127.0.0.1); any address but loopback needs a bearer token")
	f.StringVar(&o.MetricsTokenFile, "metrics-token-file", "", "read the bearer token of --metrics-addr from `FILE` (default: $"+metricsTokenEnv+", else off loopback a generated one, printed once)")
}

// completeLiveMetrics checks --metrics-addr and takes its token.
func (o *RunOptions) completeLiveMetrics() []error {
	if o.MetricsAddr == "" {
		if o.changed("metrics-token-file") {
			return []error{errors.New("--metrics-token-file needs --metrics-addr")}
		}
		return nil
	}
	var errs []error
	if err := dashboard.CheckAddr(o.MetricsAddr); err != nil {
		errs = append(errs, fmt.Errorf("--metrics-addr: %w", err))
	}
	source := "$" + metricsTokenEnv
	o.MetricsToken = os.Getenv(metricsTokenEnv)
	if o.MetricsTokenFile != "" {
		source = "--metrics-token-file"
		tok, err := readTokenFile(o.MetricsTokenFile)
		if err != nil {
			return append(errs, fmt.Errorf("--metrics-token-file: %w", err))
		}
		o.MetricsToken = tok
	}
	if err := dashboard.CheckToken(o.MetricsAddr, o.MetricsToken); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", source, err))
	}
	return errs
}

// startLiveMetrics serves the run's live figures and feeds them from cfg's
// Observe and Snapshot (after the dashboard's, when there is one).
func startLiveMetrics(ctx context.Context, o *RunOptions, cfg *record.Config, sp *statusPrinter) (*livemetrics.Server, error) {
	x := livemetrics.New()
	srv, err := livemetrics.Start(ctx, o.MetricsAddr, o.MetricsToken, x)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr: %w", err)
	}
	if srv.TokenGenerated() {
		// The one place a generated token is given.
		sp.notice(fmt.Sprintf("live metrics (Prometheus): %s, bearer token %s", srv.URL(), srv.Token()))
	} else {
		sp.notice("live metrics (Prometheus): " + srv.URL())
	}
	cfg.Observe = x.Observe
	if prev := cfg.Snapshot; prev != nil {
		cfg.Snapshot = func(s record.Snapshot) { prev(s); x.Snapshot(s) }
	} else {
		cfg.Snapshot = x.Snapshot
	}
	return srv, nil
}
