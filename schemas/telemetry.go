package schemas

import (
	"encoding/json"
	"fmt"
	"math"
)

// KeyTelemetry holds the server telemetry of a run (llmrec run
// --server-metrics) as JSON: a Telemetry document. It is absent when the
// run scraped nothing. It is a key of its own, beside KeyRun, so that a
// reader that cannot use it still reads the run.
const KeyTelemetry = "llmrec.telemetry"

// MaxTelemetryBytes bounds the telemetry JSON: the recorder thins its
// samples (keeps every 2nd scrape, then every 4th, ...) until the document
// fits, and a reader ignores a larger one. With the run metadata's own
// bound (MaxMetaBytes) the footer stays well under what Parquet readers
// accept.
const MaxTelemetryBytes = 4 << 20

// Telemetry is what a run scraped from the server's Prometheus exposition:
// the gauge and counter samples whose names matched, one value per stored
// scrape. T and every series' V have the same length; V[i] is the value at
// T[i], null when the series was absent from that scrape (or not a finite
// number).
type Telemetry struct {
	// Source is the exposition's URL, redacted like the target.
	Source    string   `json:"source"`
	IntervalS float64  `json:"interval_s"`
	Match     []string `json:"match"`
	// Scrapes counts the scrapes tried; Failed those that gave no samples
	// (Failures by reason: timeout, connect, http_status, parse, read).
	Scrapes   int            `json:"scrapes"`
	Failed    int            `json:"failed"`
	Failures  map[string]int `json:"failures,omitempty"`
	LastError string         `json:"last_error,omitempty"` // redacted, one line
	// Every is 1 when every successful scrape was stored, n when only
	// every n-th was (thinned to stay within MaxTelemetryBytes).
	Every int `json:"every"`
	// Cut says, one sentence each, what a bound left out (series over the
	// series bound, expositions over the size bound, thinning).
	Cut []string `json:"cut,omitempty"`
	// T is each stored scrape's time, in seconds since the run's
	// started_at (millisecond precision).
	T      []float64         `json:"t"`
	Series []TelemetrySeries `json:"series"`
}

// TelemetrySeries is one series: a metric name and its labels.
type TelemetrySeries struct {
	Name   string            `json:"name"`
	Type   string            `json:"type"` // gauge | counter
	Labels map[string]string `json:"labels,omitempty"`
	V      []*float64        `json:"v"`
}

// Telemetry series types.
const (
	TelemetryGauge   = "gauge"
	TelemetryCounter = "counter"
)

// Marshal encodes t for the footer.
func (t *Telemetry) Marshal() (string, error) {
	b, err := json.Marshal(t)
	if err != nil {
		return "", fmt.Errorf("encode server telemetry: %w", err)
	}
	return string(b), nil
}

// DecodeTelemetry decodes and checks a KeyTelemetry value: at most
// MaxTelemetryBytes, valid JSON, every series as long as T, T rising,
// types gauge or counter. It returns nil, nil for an empty value.
func DecodeTelemetry(s string) (*Telemetry, error) {
	if s == "" {
		return nil, nil
	}
	if len(s) > MaxTelemetryBytes {
		return nil, fmt.Errorf("server telemetry (%s) is %d bytes, over the %d MiB a run file may hold", KeyTelemetry, len(s), MaxTelemetryBytes>>20)
	}
	var t Telemetry
	if err := json.Unmarshal([]byte(s), &t); err != nil {
		return nil, fmt.Errorf("server telemetry (%s) is not valid JSON: %w", KeyTelemetry, err)
	}
	for i := 1; i < len(t.T); i++ {
		if !(t.T[i] > t.T[i-1]) || math.IsInf(t.T[i], 0) {
			return nil, fmt.Errorf("server telemetry (%s): scrape times do not rise at %d", KeyTelemetry, i)
		}
	}
	for _, s := range t.Series {
		if len(s.V) != len(t.T) {
			return nil, fmt.Errorf("server telemetry (%s): series %s has %d values for %d scrapes", KeyTelemetry, echo(s.Name), len(s.V), len(t.T))
		}
		if s.Type != TelemetryGauge && s.Type != TelemetryCounter {
			return nil, fmt.Errorf("server telemetry (%s): series %s has type %s, not gauge or counter", KeyTelemetry, echo(s.Name), echo(s.Type))
		}
	}
	return &t, nil
}
