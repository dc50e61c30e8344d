package livemetrics

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/net/netutil"

	"github.com/llmrec/llmrec/record"
	"github.com/llmrec/llmrec/record/dashboard"
	"github.com/llmrec/llmrec/schemas"
)

// MaxConns bounds the connections the server holds at once: the file
// descriptors the run's file-limit check counts for it.
const MaxConns = 16

// Path is where the figures are served.
const Path = "/metrics"

// Exporter holds the run's live figures. Observe and Snapshot may be
// called from any goroutine.
type Exporter struct {
	reg      *prometheus.Registry
	requests prometheus.Counter
	failures *prometheus.CounterVec
	users    prometheus.Gauge
	inFlight prometheus.Gauge
	offered  prometheus.Gauge
	step     prometheus.Gauge
	lag      prometheus.Gauge
	latency  prometheus.Histogram
	ttft     prometheus.Histogram
}

// buckets of the latency histograms, in seconds: 5 ms to about 164 s.
var buckets = prometheus.ExponentialBuckets(0.005, 2, 16)

// New returns an Exporter with its own registry.
func New() *Exporter {
	x := &Exporter{
		reg:      prometheus.NewRegistry(),
		requests: prometheus.NewCounter(prometheus.CounterOpts{Name: "llmrec_requests_total", Help: "Requests recorded (rows) so far."}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "llmrec_failures_total", Help: "Failed requests by error class."}, []string{"class"}),
		users:    prometheus.NewGauge(prometheus.GaugeOpts{Name: "llmrec_users", Help: "Closed loop: users running (0 in an open loop)."}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{Name: "llmrec_in_flight", Help: "Requests in flight."}),
		offered:  prometheus.NewGauge(prometheus.GaugeOpts{Name: "llmrec_offered_rps", Help: "Open loop: the current step's offered rate, requests per second (0 in a closed loop)."}),
		step:     prometheus.NewGauge(prometheus.GaugeOpts{Name: "llmrec_step", Help: "The current step of the load (1-based)."}),
		lag:      prometheus.NewGauge(prometheus.GaugeOpts{Name: "llmrec_send_lag_seconds", Help: "The worst send lag (start - scheduled) of the last second."}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "llmrec_request_latency_seconds",
			Help: "Latency (send to last byte) of successful requests.", Buckets: buckets}),
		ttft: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "llmrec_ttft_seconds",
			Help: "Time to first token of successful streamed requests.", Buckets: buckets}),
	}
	x.reg.MustRegister(x.requests, x.failures, x.users, x.inFlight, x.offered, x.step, x.lag, x.latency, x.ttft)
	return x
}

// Observe counts one recorded request (record.Config.Observe).
func (x *Exporter) Observe(r *schemas.Record) {
	x.requests.Inc()
	if !r.OK {
		class := "other"
		if r.ErrorClass != nil {
			class = *r.ErrorClass
		}
		x.failures.WithLabelValues(class).Inc()
		return
	}
	x.latency.Observe(r.LatencyMS / 1000)
	if r.TTFTMS != nil {
		x.ttft.Observe(*r.TTFTMS / 1000)
	}
}

// Snapshot takes the run's state of the second (record.Config.Snapshot).
func (x *Exporter) Snapshot(s record.Snapshot) {
	x.step.Set(float64(s.Step))
	x.lag.Set(s.SendLagMS / 1000)
	x.inFlight.Set(float64(s.Users))
	if s.Open {
		x.users.Set(0)
		x.offered.Set(s.OfferedRPS)
	} else {
		x.users.Set(float64(s.Users))
		x.offered.Set(0)
	}
}

// Handler serves the figures in the Prometheus text format (or what the
// scraper asks for).
func (x *Exporter) Handler() http.Handler {
	return promhttp.HandlerFor(x.reg, promhttp.HandlerOpts{})
}

// Server serves an Exporter on an address until Close.
type Server struct {
	srv       *http.Server
	wg        sync.WaitGroup
	url       string
	token     string
	generated bool
	loopback  bool
	port      string
	name      string
}

// Start listens on addr (host:port; an empty host is 127.0.0.1, port 0 a
// free one) and serves x there. token is required as a bearer token when
// given; off loopback one is generated when none is (Token gives it).
// It returns once the port is open.
func Start(ctx context.Context, addr, token string, x *Exporter) (*Server, error) {
	if err := dashboard.CheckAddr(addr); err != nil {
		return nil, err
	}
	host, port, _ := net.SplitHostPort(addr)
	if host == "" {
		host = "127.0.0.1"
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	tcp, _ := ln.Addr().(*net.TCPAddr)
	s := &Server{token: token, loopback: tcp != nil && tcp.IP.IsLoopback()}
	if tcp != nil {
		s.port = strconv.Itoa(tcp.Port)
	}
	if err := dashboard.CheckToken(ln.Addr().String(), token); err != nil {
		ln.Close()
		return nil, err
	}
	if !s.loopback && token == "" {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			ln.Close()
			return nil, fmt.Errorf("generate a token: %w", err)
		}
		s.token, s.generated = hex.EncodeToString(b[:]), true
	}
	var urlHost string
	urlHost, s.name = dashboard.HostName(host)
	if tcp != nil && tcp.IP.IsUnspecified() {
		urlHost = "127.0.0.1"
	}
	s.url = "http://" + net.JoinHostPort(urlHost, s.port) + Path
	mux := http.NewServeMux()
	mux.Handle("GET "+Path, x.Handler())
	base, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.srv = &http.Server{Handler: s.guard(mux), ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 60 * time.Second,
		MaxHeaderBytes: 16 << 10, BaseContext: func(net.Listener) context.Context { return base },
		ErrorLog: discardLog()}
	s.wg.Go(func() { defer cancel(); _ = s.srv.Serve(netutil.LimitListener(ln, MaxConns)) })
	return s, nil
}

// URL is where the figures are served.
func (s *Server) URL() string { return s.url }

// Token is the bearer token a scraper must send ("" when none is
// required); TokenGenerated says whether Start made it (print it once).
func (s *Server) Token() string        { return s.token }
func (s *Server) TokenGenerated() bool { return s.generated }

// Close shuts the server down (ctx bounds the wait for open scrapes) and
// waits for its goroutine.
func (s *Server) Close(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		err = s.srv.Close()
	}
	s.wg.Wait()
	return err
}

// guard checks the Host header on loopback and the token when one is
// required.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "no-store")
		if s.loopback && !s.loopbackHost(r.Host) {
			w.Header().Set("Connection", "close")
			http.Error(w, "wrong Host header: scrape the address llmrec printed", http.StatusMisdirectedRequest)
			return
		}
		if s.token != "" {
			v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || subtle.ConstantTimeCompare([]byte(v), []byte(s.token)) != 1 {
				w.Header().Set("Connection", "close")
				w.Header().Set("WWW-Authenticate", `Bearer realm="llmrec metrics"`)
				http.Error(w, "a bearer token is required", http.StatusUnauthorized)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// loopbackHost says whether host names the loopback listen address, by
// the dashboard's rule (dashboard.LoopbackHost).
func (s *Server) loopbackHost(host string) bool { return dashboard.LoopbackHost(host, s.port, s.name) }
