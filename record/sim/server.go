package sim

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Server is the simulated inference server. It is an http.Handler and
// starts no goroutine of its own: every request is timed on the goroutine
// net/http gives it. Create it with New.
type Server struct {
	cfg     Config
	modelID string

	// rngMu guards rng and seq: every request draws its plan under it, so
	// the same arrival order gives the same plans.
	rngMu sync.Mutex
	rng   *rand.Rand
	seq   uint64

	// mu guards busy and queue. inflight and queued mirror them for the
	// lock-free reads of the slowdown factor.
	mu    sync.Mutex
	busy  int
	queue list.List // of chan struct{}, FIFO, knee only

	inflight atomic.Int64
	queued   atomic.Int64

	requests    atomic.Int64
	served      atomic.Int64
	rejected    atomic.Int64
	failed      atomic.Int64
	canceled    atomic.Int64
	badRequests atomic.Int64

	// What /metrics publishes beyond Stats (metrics.go).
	preemptions      atomic.Int64
	promptTokens     atomic.Int64
	generationTokens atomic.Int64
	success          *prometheus.CounterVec
	registry         *prometheus.Registry
	metrics          http.Handler

	handlers tracker
}

// Stats is a snapshot of a Server's counters.
type Stats struct {
	Requests    int64 // generation requests with a valid body
	Served      int64 // answered in full
	Rejected    int64 // answered 503 by the shed profile
	Failed      int64 // answered 500 by the injected error rate
	Canceled    int64 // abandoned because the client went away (or the server stopped)
	BadRequests int64 // answered 400
	InFlight    int   // being generated now (holding a slot)
	Queued      int   // waiting for a slot (knee)
}

// New checks cfg and returns a Server for it.
func New(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("sim: invalid config: %w", err)
	}
	s := &Server{
		cfg:     cfg,
		modelID: "sim-" + cfg.Profile,
		rng:     rand.New(rand.NewPCG(uint64(cfg.Seed), 0x6c6c6d726563)), // "llmrec"
	}
	s.registry = s.newRegistry()
	s.metrics = s.metricsHandler()
	return s, nil
}

// Config returns the configuration the Server was built with.
func (s *Server) Config() Config { return s.cfg }

// ModelID is the single model id listed by GET /v1/models: "sim-<profile>".
func (s *Server) ModelID() string { return s.modelID }

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	inflight, queued := s.busy, s.queue.Len()
	s.mu.Unlock()
	return Stats{
		Requests:    s.requests.Load(),
		Served:      s.served.Load(),
		Rejected:    s.rejected.Load(),
		Failed:      s.failed.Load(),
		Canceled:    s.canceled.Load(),
		BadRequests: s.badRequests.Load(),
		InFlight:    inflight,
		Queued:      queued,
	}
}

// ServeHTTP routes the OpenAI-compatible endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handlers.add()
	defer s.handlers.done()
	switch r.URL.Path {
	case "/v1/models":
		if !allow(w, r, http.MethodGet) {
			return
		}
		s.models(w)
	case "/v1/chat/completions":
		if !allow(w, r, http.MethodPost) {
			return
		}
		s.complete(w, r, chatAPI)
	case "/v1/completions":
		if !allow(w, r, http.MethodPost) {
			return
		}
		s.complete(w, r, completionsAPI)
	case "/metrics":
		if !allow(w, r, http.MethodGet) {
			return
		}
		s.metrics.ServeHTTP(w, r)
	case "/health":
		if !allow(w, r, http.MethodGet) {
			return
		}
		w.WriteHeader(http.StatusOK)
	default:
		writeError(w, http.StatusNotFound, "invalid_request_error", "not_found",
			fmt.Sprintf("unknown path %s", r.URL.Path))
	}
}

func allow(w http.ResponseWriter, r *http.Request, method string) bool {
	if r.Method == method || (method == http.MethodGet && r.Method == http.MethodHead) {
		return true
	}
	w.Header().Set("Allow", method)
	writeError(w, http.StatusMethodNotAllowed, "invalid_request_error", "method_not_allowed",
		fmt.Sprintf("method %s not allowed on %s", r.Method, r.URL.Path))
	return false
}

// plan is what a request draws from the simulator's random source (seeded by --seed) when it arrives.
type plan struct {
	seq     uint64
	fail    bool
	prefill float64 // jitter factor of the prefill time
	token   float64 // jitter factor of the token time
	text    uint64  // seed of the token text
}

func (s *Server) draw() plan {
	s.rngMu.Lock()
	defer s.rngMu.Unlock()
	s.seq++
	p := plan{seq: s.seq}
	p.fail = s.cfg.ErrorRate > 0 && s.rng.Float64() < s.cfg.ErrorRate
	p.prefill = 1 + s.cfg.Jitter*(2*s.rng.Float64()-1)
	p.token = 1 + s.cfg.Jitter*(2*s.rng.Float64()-1)
	p.text = s.rng.Uint64()
	return p
}

var errShed = errors.New("all slots busy")

// acquire admits a request: at once (linear, or a free slot), after waiting
// in the FIFO queue (knee), or not at all (shed: errShed). It returns the
// context's error when the client leaves while queued.
func (s *Server) acquire(ctx context.Context) error {
	s.mu.Lock()
	if s.cfg.Profile == ProfileLinear || (s.busy < s.cfg.Slots && s.queue.Len() == 0) {
		s.busy++
		s.inflight.Store(int64(s.busy))
		s.mu.Unlock()
		return nil
	}
	if s.cfg.Profile == ProfileShed {
		s.mu.Unlock()
		return errShed
	}
	ready := make(chan struct{})
	e := s.queue.PushBack(ready)
	s.queued.Store(int64(s.queue.Len()))
	s.mu.Unlock()

	select {
	case <-ready:
		return nil
	case <-ctx.Done():
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-ready:
		// Granted while we were leaving: pass the slot on.
		s.releaseLocked()
	default:
		s.queue.Remove(e)
		s.queued.Store(int64(s.queue.Len()))
	}
	return ctx.Err()
}

// release frees a slot, handing it to the head of the queue if any.
func (s *Server) release() {
	s.mu.Lock()
	s.releaseLocked()
	s.mu.Unlock()
}

func (s *Server) releaseLocked() {
	if front := s.queue.Front(); front != nil {
		s.queue.Remove(front)
		s.queued.Store(int64(s.queue.Len()))
		close(front.Value.(chan struct{}))
		return // the slot changes hands; busy is unchanged
	}
	s.busy--
	s.inflight.Store(int64(s.busy))
}

// slowdown is the factor applied to the base prefill and token times now.
func (s *Server) slowdown() float64 {
	switch s.cfg.Profile {
	case ProfileLinear:
		others := max(s.inflight.Load()-1, 0)
		return 1 + float64(others)/float64(s.cfg.Slots)
	case ProfileKnee:
		depth := min(float64(s.queued.Load())/float64(s.cfg.Slots), SwapCap)
		return 1 + s.cfg.Swap*depth*depth
	}
	return 1
}

func ms(x float64) time.Duration {
	return time.Duration(x * float64(time.Millisecond))
}

// tracker counts running handlers so that Running can wait for them.
type tracker struct {
	mu   sync.Mutex
	n    int
	idle chan struct{} // closed while n == 0; nil means closed
}

func (t *tracker) add() {
	t.mu.Lock()
	if t.n == 0 {
		t.idle = make(chan struct{})
	}
	t.n++
	t.mu.Unlock()
}

func (t *tracker) done() {
	t.mu.Lock()
	t.n--
	if t.n == 0 {
		close(t.idle)
	}
	t.mu.Unlock()
}

// wait returns when no handler runs, or with ctx's error.
func (t *tracker) wait(ctx context.Context) error {
	t.mu.Lock()
	idle := t.idle
	n := t.n
	t.mu.Unlock()
	if n == 0 {
		return nil
	}
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
