package scrape

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/llmrec/llmrec/schemas"
)

// DefaultMatch are the name patterns kept by default: the families of the
// known serving engines.
var DefaultMatch = []string{"vllm:*", "sglang:*", "tgi_*", "llamacpp:*"}

// MaxTimeout bounds the time one scrape may take, whatever the interval:
// the last scrape, at the end of the run, never holds it up longer.
const MaxTimeout = 5 * time.Second

// Default bounds.
const (
	DefaultMaxSeries     = 256
	DefaultMaxExposition = 4 << 20
	maxErrorLen          = 200
)

// Config is what to scrape and how much to keep.
type Config struct {
	URL      string        // the exposition's URL
	Interval time.Duration // between scrapes; also each scrape's timeout, at most MaxTimeout
	// Match are name patterns (path.Match syntax: "vllm:*"); empty means
	// DefaultMatch.
	Match         []string
	MaxSeries     int   // 0: DefaultMaxSeries
	MaxExposition int64 // bytes read of one exposition; 0: DefaultMaxExposition
	// MaxBytes bounds the stored document; 0: schemas.MaxTelemetryBytes.
	MaxBytes int
	// Redact cleans the URL and error texts before they are kept (the
	// run's redactor); nil keeps them as they are.
	Redact func(string) string
	// Transport, when set, replaces the Scraper's own (tests).
	Transport http.RoundTripper
}

// AutoURL is the exposition of a target for --server-metrics auto: its
// scheme and host with the path /metrics (servers publish it at the root,
// whatever path their API has).
func AutoURL(target string) (string, error) {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("the target is not an http(s) URL")
	}
	return (&url.URL{Scheme: u.Scheme, User: u.User, Host: u.Host, Path: "/metrics"}).String(), nil
}

// CheckURL validates an exposition URL.
func CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("not an http(s) URL")
	}
	return nil
}

// CheckMatch validates name patterns.
func CheckMatch(patterns []string) error {
	for _, p := range patterns {
		if p == "" {
			return fmt.Errorf("an empty pattern")
		}
		if _, err := path.Match(p, ""); err != nil {
			return fmt.Errorf("pattern %q: %w", p, err)
		}
	}
	return nil
}

// Scraper scrapes one exposition. Run owns its only goroutine (the
// caller's); Telemetry is read after Run returns.
type Scraper struct {
	cfg    Config
	t0     time.Time
	client *http.Client

	scrapes, failed int
	failures        map[string]int
	lastErr         string
	oversize        int // expositions cut at MaxExposition
	dropped         map[string]bool
	ok              int // successful scrapes
	every           int
	t               []float64
	series          []*series
	index           map[string]int
}

type series struct {
	name, typ string
	labels    map[string]string
	v         []float64 // NaN: absent
	bytes     int       // of its name and labels in JSON
}

// New returns a Scraper whose times count from t0 (the run's start).
func New(cfg Config, t0 time.Time) *Scraper {
	if len(cfg.Match) == 0 {
		cfg.Match = DefaultMatch
	}
	if cfg.MaxSeries <= 0 {
		cfg.MaxSeries = DefaultMaxSeries
	}
	if cfg.MaxExposition <= 0 {
		cfg.MaxExposition = DefaultMaxExposition
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = schemas.MaxTelemetryBytes
	}
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	if cfg.Redact == nil {
		cfg.Redact = func(s string) string { return s }
	}
	tr := cfg.Transport
	if tr == nil {
		tr = &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			DialContext:         (&net.Dialer{Timeout: min(cfg.Interval, MaxTimeout)}).DialContext,
			MaxIdleConnsPerHost: 1,
			MaxConnsPerHost:     1,
			DisableCompression:  false,
		}
	}
	return &Scraper{cfg: cfg, t0: t0, client: &http.Client{Transport: tr},
		failures: map[string]int{}, dropped: map[string]bool{}, every: 1, index: map[string]int{}}
}

// Run scrapes at once and then every Interval until ctx ends, and once
// more then, so that the counters' last values are the run's totals. Each
// scrape has Interval (at most MaxTimeout) to finish; a late tick is
// skipped, never queued.
func (s *Scraper) Run(ctx context.Context) {
	tick := time.NewTicker(s.cfg.Interval)
	defer tick.Stop()
	defer s.client.CloseIdleConnections()
	for {
		s.scrape(ctx)
		select {
		case <-ctx.Done():
			s.scrape(context.WithoutCancel(ctx))
			return
		case <-tick.C:
		}
	}
}

// scrape does one scrape and stores its samples.
func (s *Scraper) scrape(ctx context.Context) {
	if ctx.Err() != nil {
		return
	}
	s.scrapes++
	fams, at, reason, err := s.fetch(ctx)
	if ctx.Err() != nil && err != nil {
		s.scrapes-- // the run ended during it: not a failure of the server
		return
	}
	if err != nil {
		s.failed++
		s.failures[reason]++
		s.lastErr = cut(oneLine(s.cfg.Redact(err.Error())), maxErrorLen)
		return
	}
	s.ok++
	if (s.ok-1)%s.every != 0 {
		return
	}
	s.store(at, fams)
	for s.estimate() > s.cfg.MaxBytes && len(s.t) > 1 {
		s.thin()
	}
}

// fetch gets and decodes one exposition.
func (s *Scraper) fetch(ctx context.Context) ([]*dto.MetricFamily, time.Time, string, error) {
	timeout := min(s.cfg.Interval, MaxTimeout)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.cfg.URL, nil)
	if err != nil {
		return nil, time.Time{}, "connect", err
	}
	req.Header.Set("Accept", `text/plain;version=0.0.4;q=1,application/openmetrics-text;version=1.0.0;q=0.5,*/*;q=0.1`)
	resp, err := s.client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, time.Time{}, "timeout", fmt.Errorf("no answer within %s: %w", timeout, err)
		}
		return nil, time.Time{}, "connect", err
	}
	at := time.Now()
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, at, "http_status", fmt.Errorf("answered %s", resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, s.cfg.MaxExposition+1))
	if err != nil {
		reason := "read"
		if errors.Is(err, context.DeadlineExceeded) {
			reason = "timeout"
		}
		return nil, at, reason, fmt.Errorf("read the exposition: %w", err)
	}
	if int64(len(body)) > s.cfg.MaxExposition {
		s.oversize++
		body = body[:s.cfg.MaxExposition]
		if i := bytes.LastIndexByte(body, '\n'); i >= 0 {
			body = body[:i+1]
		}
	}
	format := expfmt.ResponseFormat(resp.Header)
	if format == expfmt.FmtUnknown {
		format = expfmt.FmtText
	}
	dec := expfmt.NewDecoder(bytes.NewReader(body), format)
	var fams []*dto.MetricFamily
	for {
		mf := &dto.MetricFamily{}
		err := dec.Decode(mf)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, at, "parse", fmt.Errorf("not a Prometheus exposition: %w", err)
		}
		if s.matches(mf.GetName()) {
			fams = append(fams, mf)
		}
	}
	return fams, at, "", nil
}

func (s *Scraper) matches(name string) bool {
	for _, p := range s.cfg.Match {
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}

// store appends one scrape's gauge and counter samples.
func (s *Scraper) store(at time.Time, fams []*dto.MetricFamily) {
	t := math.Round(at.Sub(s.t0).Seconds()*1000) / 1000
	if n := len(s.t); n > 0 && t <= s.t[n-1] {
		t = s.t[n-1] + 0.001
	}
	s.t = append(s.t, t)
	n := len(s.t)
	for _, mf := range fams {
		var typ string
		switch mf.GetType() {
		case dto.MetricType_GAUGE:
			typ = schemas.TelemetryGauge
		case dto.MetricType_COUNTER:
			typ = schemas.TelemetryCounter
		default:
			continue
		}
		for _, m := range mf.GetMetric() {
			var v float64
			if typ == schemas.TelemetryGauge {
				v = m.GetGauge().GetValue()
			} else {
				v = m.GetCounter().GetValue()
			}
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			key := seriesKey(mf.GetName(), labels)
			i, ok := s.index[key]
			if !ok {
				if len(s.series) >= s.cfg.MaxSeries {
					s.dropped[key] = true
					continue
				}
				sr := &series{name: mf.GetName(), typ: typ, labels: labels, v: make([]float64, n-1, n)}
				for j := range sr.v {
					sr.v[j] = math.NaN()
				}
				lj, _ := json.Marshal(labels)
				nj, _ := json.Marshal(mf.GetName())
				sr.bytes = len(lj) + len(nj) + 48
				i = len(s.series)
				s.index[key] = i
				s.series = append(s.series, sr)
			}
			sr := s.series[i]
			if len(sr.v) < n {
				sr.v = append(sr.v, v)
			}
		}
	}
	for _, sr := range s.series {
		for len(sr.v) < n {
			sr.v = append(sr.v, math.NaN())
		}
	}
}

// seriesKey names a series by its name and sorted labels.
func seriesKey(name string, labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(name)
	for _, k := range keys {
		fmt.Fprintf(&b, "\x00%s=%s", k, labels[k])
	}
	return b.String()
}

// estimate is an upper bound of the stored document's JSON size: 24 bytes
// for any value (the longest a float64 takes), 12 per time.
func (s *Scraper) estimate() int {
	n := 1024 + len(s.t)*12
	for _, sr := range s.series {
		n += sr.bytes + len(sr.v)*24
	}
	return n
}

// thin keeps every other stored scrape (the first, third, ...) and stores
// every other successful scrape from then on.
func (s *Scraper) thin() {
	keep := func(v []float64) []float64 {
		out := v[:0]
		for i := 0; i < len(v); i += 2 {
			out = append(out, v[i])
		}
		return out
	}
	s.t = keep(s.t)
	for _, sr := range s.series {
		sr.v = keep(sr.v)
	}
	s.every *= 2
}

// Telemetry is what was scraped: nil when nothing was tried.
func (s *Scraper) Telemetry() *schemas.Telemetry {
	if s.scrapes == 0 {
		return nil
	}
	t := &schemas.Telemetry{
		Source: s.cfg.Redact(s.cfg.URL), IntervalS: s.cfg.Interval.Seconds(), Match: s.cfg.Match,
		Scrapes: s.scrapes, Failed: s.failed, LastError: s.lastErr, Every: s.every,
		T: append([]float64{}, s.t...), Series: []schemas.TelemetrySeries{},
	}
	if len(s.failures) > 0 {
		t.Failures = s.failures
	}
	for _, sr := range s.series {
		out := schemas.TelemetrySeries{Name: sr.name, Type: sr.typ, V: make([]*float64, len(sr.v))}
		if len(sr.labels) > 0 {
			out.Labels = sr.labels
		}
		for i, v := range sr.v {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				out.V[i] = &v
			}
		}
		t.Series = append(t.Series, out)
	}
	if s.oversize > 0 {
		t.Cut = append(t.Cut, fmt.Sprintf("%d exposition(s) were over %d MiB: only their first %d MiB were read",
			s.oversize, s.cfg.MaxExposition>>20, s.cfg.MaxExposition>>20))
	}
	if n := len(s.dropped); n > 0 {
		t.Cut = append(t.Cut, fmt.Sprintf("%d series over the %d-series bound were not kept", n, s.cfg.MaxSeries))
	}
	if s.every > 1 {
		t.Cut = append(t.Cut, fmt.Sprintf("only every %s scrape was kept, to stay within %d MiB", ordinal(s.every), s.cfg.MaxBytes>>20))
	}
	return t
}

// Warnings are the sentences a user should see about the scrapes: failures
// with counts, what the bounds cut, and a source with nothing that
// matched. None when all went well.
func Warnings(t *schemas.Telemetry) []string {
	if t == nil {
		return nil
	}
	var out []string
	if t.Failed > 0 {
		reasons := make([]string, 0, len(t.Failures))
		for r, n := range t.Failures {
			reasons = append(reasons, fmt.Sprintf("%s %d", r, n))
		}
		sort.Strings(reasons)
		w := fmt.Sprintf("server metrics: %d of %d scrapes of %s failed (%s)", t.Failed, t.Scrapes, t.Source, strings.Join(reasons, ", "))
		if t.LastError != "" {
			w += "; last: " + t.LastError
		}
		out = append(out, w)
	}
	for _, c := range t.Cut {
		out = append(out, "server metrics: "+c)
	}
	if t.Failed < t.Scrapes && len(t.Series) == 0 {
		out = append(out, fmt.Sprintf("server metrics: no gauge or counter of %s matched %s", t.Source, strings.Join(t.Match, ",")))
	}
	return out
}

func ordinal(n int) string {
	switch n % 10 {
	case 2:
		if n%100 != 12 {
			return fmt.Sprintf("%dnd", n)
		}
	case 3:
		if n%100 != 13 {
			return fmt.Sprintf("%drd", n)
		}
	case 1:
		if n%100 != 11 {
			return fmt.Sprintf("%dst", n)
		}
	}
	return fmt.Sprintf("%dth", n)
}

// oneLine makes control characters spaces and runs of spaces one.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && (s[n]&0xC0) == 0x80 {
		n--
	}
	return s[:n] + "…"
}
