package htmlreport

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/llmrec/llmrec/internal/browsertest"
)

// The browser tests drive a real headless Chromium over the DevTools
// protocol through internal/browsertest (shared with the live dashboard's
// tests). A report page is a file that must not touch any network, so the
// browser here reaches no address at all and every tab is offline.

type browser struct{ b *browsertest.Browser }

type cdpMessage = browsertest.Message

// requireChromium returns Chromium's path; without it the test fails under
// CI and is skipped, loudly, elsewhere.
func requireChromium(t *testing.T, what string) string {
	t.Helper()
	return browsertest.RequireChromium(t, what)
}

// findChromium returns Chromium's path, or "" when there is none.
func findChromium() string { return browsertest.FindChromium() }

// startBrowser starts Chromium with no network at all (loopback included);
// it is stopped when the test ends.
func startBrowser(t *testing.T, path string) *browser {
	t.Helper()
	return &browser{browsertest.Start(t, path, false)}
}

func (b *browser) call(ctx context.Context, session, method string, params any) (json.RawMessage, error) {
	return b.b.Call(ctx, session, method, params)
}

func (b *browser) eventsOf(session string) []cdpMessage { return b.b.EventsOf(session) }

// openPage opens a fresh tab with the network emulated offline.
func (b *browser) openPage(ctx context.Context) (string, func(), error) {
	return b.b.OpenPage(ctx, true)
}

func (b *browser) eval(ctx context.Context, session, expr string, v any) error {
	return b.b.Eval(ctx, session, expr, v)
}
