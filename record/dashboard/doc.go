// Package dashboard serves the live page of a run in progress (llmrec run
// --dashboard ADDR): users (or an open loop's offered, sent and completed
// rates) and requests/s, a statistics table by step with the run's total
// last, a failures table by class with the latest redacted text, windowed
// latency and TTFT percentiles, tokens/s, failures by class, the current
// step's p95 against the baseline and the saturation limit, the
// generator's health and the time left, updated once a second over
// Server-Sent Events; at the end, the verdict of the level rules on the
// steps so far. A page opened mid-run first receives the history so far
// and the whole table ("history", then "table" events); then each second
// a point ("snap") and the table rows that changed ("table"). Both tables
// download as CSV (statistics.csv, failures.csv), every cell cleaned for
// a spreadsheet (cleanCell).
//
// It knows nothing of flags or of the engine's insides: it is given the
// record.Snapshot the engine's watcher makes each second (Publish), the
// end of the run (End), a function that stops the run gracefully, which
// the page's Stop button calls, and one that sets the level from the next
// step on (Options.SetLevel, record.Control's), which the page's level
// control calls (POST level, form value level; a level the run refuses
// is a 400 whose body is the reason, shown on the page). Nothing else can
// be changed from the page.
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
//     ones are thinned by halves), maxRows steps of the table (the
//     latest), maxClients event streams.
//   - Whoever can reach it cannot take the process's file descriptors:
//     it serves at most maxConns connections at once (more wait in the
//     kernel's accept queue), a request's headers must arrive within
//     headerWait, a refused client is disconnected, and Files says what
//     the caller's file-limit check must count. What net/http would log
//     is counted (Errors), never written to the terminal.
//   - It is safe by default. It listens on loopback unless told
//     otherwise; on loopback it answers only requests whose Host header
//     names the loopback listen address, localhost or the host name given
//     (a DNS-rebinding page names another and cannot read it). On any
//     other address a token is required on every request, event stream
//     included (given, and then at least MinTokenBits strong, or
//     generated and put only in the URL the caller prints once). Its
//     pages live under a random path prefix, and the token is traded for
//     an HttpOnly, SameSite=Strict cookie named by the port and scoped to
//     that prefix, which a browser sends to this dashboard only (cookies
//     ignore ports: Path=/ would hand it to every service on the host).
//     Stop and a level change are POSTs that need a per-run
//     anti-CSRF token embedded in the page and sent in a header, and a
//     same-origin Origin when the browser sends one. The page's
//     Content-Security-Policy allows only its own two inline scripts (by
//     hash: the committed ECharts and the page script) and connections to
//     itself; every label reaches the page through html/template, and the
//     data arrives as JSON.
//   - Every goroutine it starts ends in Close, which also ends the event
//     streams.
//
// Imports (of ours): record (the Snapshot it draws), report/assets (the
// inlined chart script) and internal/cleantext (the CSV cell rule of its
// downloads); never analyze or a command.
package dashboard
