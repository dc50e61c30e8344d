package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/llmrec/llmrec/record"
	"github.com/llmrec/llmrec/record/dashboard"
	"github.com/llmrec/llmrec/schemas"
)

// errStoppedFromDashboard is the cause of a run stopped by the dashboard's
// Stop button: the run file's end detail.
var errStoppedFromDashboard = errors.New("stopped from the dashboard")

// liveDashboard is the --dashboard server of one run.
type liveDashboard struct {
	srv    *dashboard.Server
	linger time.Duration
	sp     *statusPrinter
}

// startDashboard serves the dashboard of the run cfg describes, printing
// its URL (the only place a token appears), and sets cfg.Snapshot to feed
// it; stop is what the page's Stop button calls.
func startDashboard(ctx context.Context, o *RunOptions, cfg *record.Config, sp *statusPrinter, stop func()) (*liveDashboard, error) {
	// The page shows the target and the model as the run file stores
	// them: through the run's Redactor (a key may be a path segment).
	red := cfg.Redactor()
	opts := dashboard.Options{
		Addr: o.Dashboard, Token: o.DashboardToken, RunFile: o.Out, Target: red.URL(cfg.Target),
		Model: red.String(cfg.Model), Shape: cfg.Shape, Open: cfg.OpenLoop.Open(), OpenLoop: cfg.OpenLoop, Grace: cfg.Grace, Stop: stop,
	}
	if !cfg.Shard.Sharded() {
		// The page's level control: one shard's page could not change
		// the others' schedule, so a sharded run has none.
		ctl := &record.Control{}
		cfg.Control = ctl
		opts.SetLevel = func(v float64) (int, error) {
			c, err := ctl.SetLevel(v, schemas.ChangedByDashboard)
			if err == nil {
				sp.notice(fmt.Sprintf("the dashboard changed the level: from step %d on, %s", c.Step, levelWords(cfg.OpenLoop.Open(), c.Level)))
			}
			return c.Step, err
		}
	}
	srv, err := dashboard.Start(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("--dashboard: %w", err)
	}
	if o.dashboardTokenNote != "" {
		sp.notice(o.dashboardTokenNote)
	}
	if srv.TokenGenerated() || o.DashboardToken == "" {
		// The URL is the only place a generated token is given.
		sp.notice("live dashboard: " + srv.URL())
	} else {
		// A token the user gave stays out of the terminal (and the logs).
		sp.notice(fmt.Sprintf("live dashboard: %s (add ?token= and the token of %s)", srv.PageURL(), o.dashboardTokenSource))
	}
	cfg.Snapshot = srv.Publish
	return &liveDashboard{srv: srv, linger: o.DashboardLinger, sp: sp}, nil
}

// levelWords is a level as the terminal says it: "30 users", "12.5 req/s".
func levelWords(open bool, v float64) string {
	if open {
		return fmt.Sprintf("%g req/s offered", v)
	}
	return fmt.Sprintf("%g users", v)
}

// end shows the end of the run on the page; d may be nil (no dashboard).
func (d *liveDashboard) end(sum *record.Summary) {
	if d != nil && sum != nil {
		d.srv.End(sum.Meta.EndReason, sum.Meta.EndDetail, sum.Rows)
	}
}

// close keeps the page up for --dashboard-linger (ctx's end cuts it
// short), then shuts the server down.
func (d *liveDashboard) close(ctx context.Context) {
	if d.linger > 0 && ctx.Err() == nil {
		d.sp.notice(fmt.Sprintf("the dashboard stays up for %s (Ctrl-C to leave now)", d.linger))
		t := time.NewTimer(d.linger)
		select {
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	_ = d.srv.Close(sctx)
	if n, last := d.srv.Errors(); n > 0 {
		d.sp.notice(fmt.Sprintf("the dashboard's server met %d connection errors; the last: %s", n, last))
	}
}
