// Package dashboard serves the live page of a run in progress (llmrec run
// --dashboard ADDR): users and requests/s, windowed latency and TTFT
// percentiles, tokens/s, failures by class, the current step's p95 against
// the baseline and the saturation limit, the generator's health and the
// time left, updated once a second over Server-Sent Events. A page opened
// mid-run first receives the history so far.
//
// It knows nothing of flags or of the engine's insides: it is given the
// record.Snapshot the engine's watcher makes each second (Publish), the
// end of the run (End), and a function that stops the run gracefully,
// which the page's Stop button calls. Nothing else can be changed from
// the page.
//
// The figures are the live, approximate ones of the status line; the page
// says so and names the command that computes the exact ones.
//
// Its promises:
//
//   - It never slows or blocks the run. Publish hands a snapshot over
//     without waiting (it is dropped when the server is behind); a browser
//     that reads slowly or not at all loses updates, never rows, and its
//     stream is ended when a write stalls. Its work is per second, not per
//     request, and bounded: at most maxPoints points of history (older
//     ones are thinned by halves), maxClients event streams.
//   - It is safe by default. It listens on loopback unless told
//     otherwise; on loopback it answers only requests whose Host header
//     names the loopback listen address (a DNS-rebinding page cannot read
//     it). On any other address a token is required on every request,
//     event stream included (given, or generated and put only in the URL
//     the caller prints once). Stop is a POST that needs a per-run
//     anti-CSRF token embedded in the page and sent in a header, and a
//     same-origin Origin when the browser sends one. The page's
//     Content-Security-Policy allows only its own two inline scripts (by
//     hash: the committed ECharts and the page script) and connections to
//     itself; every label reaches the page through html/template, and the
//     data arrives as JSON.
//   - Every goroutine it starts ends in Close, which also ends the event
//     streams.
package dashboard
