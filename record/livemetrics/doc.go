// Package livemetrics serves a run's live figures in the Prometheus
// format (llmrec run --metrics-addr), with the Prometheus client library
// (github.com/prometheus/client_golang), so that Prometheus, Grafana or
// any scraper can watch the load as it goes:
//
//	llmrec_requests_total                   requests recorded (rows), by the watcher as they complete
//	llmrec_failures_total{class}            failed requests by error class
//	llmrec_users                            closed loop: users running (0 in an open loop)
//	llmrec_in_flight                        requests in flight (a closed loop's users each hold at most one)
//	llmrec_offered_rps                      open loop: the current step's offered rate (0 in a closed loop)
//	llmrec_step                             the current step of the load (1-based)
//	llmrec_send_lag_seconds                 the worst send lag (start − scheduled) of the last second
//	llmrec_request_latency_seconds          histogram of the latency of successes
//	llmrec_ttft_seconds                     histogram of the time to first token of successes
//
// The server follows the live dashboard's binding rules: loopback unless
// told otherwise (an empty host is 127.0.0.1), and on any other address a
// token of at least about 128 bits, given or generated (then printed
// once), sent by the scraper as "Authorization: Bearer TOKEN"; on
// loopback the Host header must name loopback (against DNS rebinding); at
// most MaxConns connections at once.
//
// Imports (of ours): record, record/dashboard, schemas.
package livemetrics
