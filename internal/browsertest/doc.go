// Package browsertest drives a real headless Chromium from tests, over the
// DevTools protocol on a pipe, with the standard library only. Tests use it
// to check pages the way a person's browser shows them: charts painted,
// console clean, Content-Security-Policy obeyed, no request off loopback.
//
// Imports (of ours): nothing.
package browsertest
