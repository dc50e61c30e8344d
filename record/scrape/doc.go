// Package scrape reads a server's Prometheus exposition (vLLM, SGLang, TGI,
// llama.cpp's server publish one on /metrics) every interval while a run
// goes on and keeps the gauge and counter samples whose names match, as a
// schemas.Telemetry. It parses with the Prometheus project's own decoder
// (github.com/prometheus/common/expfmt): the text format, OpenMetrics and
// the protobuf format, whichever the server answers.
//
// Everything it keeps is bounded: an exposition is read up to
// Config.MaxExposition bytes (cut at the last whole line), at most
// Config.MaxSeries series are kept, and the stored samples are thinned
// (every 2nd scrape, then every 4th, ...) to stay within
// schemas.MaxTelemetryBytes. Each cut is said in Telemetry.Cut.
//
// A Scraper has its own HTTP client: it never shares connections with the
// load, and a slow or failing endpoint costs only its own goroutine. A
// failed scrape is counted by reason, never an error of the run.
//
// Imports (of ours): schemas.
package scrape
