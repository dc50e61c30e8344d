package record

import (
	"context"
	"fmt"
	"time"

	"github.com/llmrec/llmrec/record/scrape"
)

// ServerMetrics asks a run to scrape the server's Prometheus exposition
// while it goes on (package scrape); the zero value scrapes nothing.
type ServerMetrics struct {
	// URL is the exposition's URL, "auto" for the target's /metrics, or
	// empty for none.
	URL string
	// Interval is the time between scrapes (0: 1 s).
	Interval time.Duration
	// Match are the names kept (path.Match patterns); empty means
	// scrape.DefaultMatch.
	Match []string
}

// DefaultScrapeInterval is --scrape-interval's default.
const DefaultScrapeInterval = time.Second

// AutoServerMetrics is ServerMetrics.URL's value for the target's /metrics.
const AutoServerMetrics = "auto"

// validate adds the problems of m to bad.
func (m ServerMetrics) validate(bad func(field, format string, a ...any)) {
	if m.URL != "" && m.URL != AutoServerMetrics {
		if err := scrape.CheckURL(m.URL); err != nil {
			bad("ServerMetrics.URL", "is %s: give an http(s) URL or auto", err)
		}
	}
	if m.Interval != 0 && (m.Interval < 100*time.Millisecond || m.Interval > time.Hour) {
		bad("ServerMetrics.Interval", "is %s: give 100ms to 1h", m.Interval)
	}
	if err := scrape.CheckMatch(m.Match); err != nil {
		bad("ServerMetrics.Match", "has %s", err)
	}
}

// startScrape starts the run's scraper on its own goroutine, owned by the
// engine: it scrapes from t0 until the returned stop is called (after the
// last request has ended), and stop waits for it and stores what it kept
// in the run metadata. It never touches a request. Without
// Config.ServerMetrics it does nothing.
func (e *engine) startScrape(ctx context.Context) (stop func()) {
	m := e.cfg.ServerMetrics
	if m.URL == "" {
		return func() {}
	}
	red := targetOptions(e.cfg).NewRedactor()
	u := m.URL
	if u == AutoServerMetrics {
		var err error
		if u, err = scrape.AutoURL(e.cfg.Target); err != nil {
			e.notice(fmt.Sprintf("server metrics: not scraped: %v", err))
			return func() {}
		}
	}
	sc := scrape.New(scrape.Config{URL: u, Interval: m.Interval, Match: m.Match, Redact: red.String}, e.t0)
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc.Run(sctx)
	}()
	return func() {
		cancel()
		<-done
		e.meta.Telemetry = sc.Telemetry()
	}
}
