package dashboard

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/netutil"

	"github.com/llmrec/llmrec/record"
	"github.com/llmrec/llmrec/report/assets"
)

//go:embed page.html.tmpl
var pageTemplate string

// pageScript draws the charts and follows the event stream.
//
//go:embed page.js
var pageScript string

// Bounds of the dashboard's work.
const (
	maxPoints    = 1200             // history kept; beyond it, thinned by halves
	maxClients   = 16               // event streams at once; more are refused (503)
	clientQueue  = 8                // updates queued for one stream; more are dropped
	publishQueue = 16               // snapshots waiting for the server; more are dropped
	writeTimeout = 5 * time.Second  // a stream whose write stalls this long is ended
	headerWait   = 5 * time.Second  // to read a request's headers, before anyone is known
	idleWait     = 30 * time.Second // a kept-alive connection between requests
	maxConns     = 64               // connections served at once; more wait in the kernel's queue
	maxErrorText = 200              // bytes kept of the last http.Server error
)

// Files is the most file descriptors a dashboard holds: its listener and
// at most maxConns connections (the event streams among them). A caller
// that checks the process's file limit adds it to what the run needs.
const Files = maxConns + 1

// Names of the token's carriers and of the Stop request's anti-CSRF
// header. The cookie's name ends with the dashboard's port, and its path
// is the dashboard's own random prefix (see Server.prefix).
const (
	tokenParam   = "token"
	cookiePrefix = "llmrec_dashboard_"
	csrfHeader   = "X-Llmrec-Stop"
)

// MinTokenBits is the least estimated strength of a token given for an
// address other than loopback (see tokenBits); a generated one has 128.
const MinTokenBits = 128

// maxTokenLen bounds a token's length.
const maxTokenLen = 1024

// Options configure a dashboard.
type Options struct {
	// Addr is the listen address, host:port; port 0 picks a free one. An
	// empty host means 127.0.0.1 (loopback).
	Addr string
	// Token, when set, is required on every request. On an address that
	// is not loopback one is required: Start generates one when empty,
	// and refuses one weaker than MinTokenBits (CheckToken).
	Token string
	// RunFile is the run file being written, named in the page's
	// "llmrep analyze FILE". Target and Model describe the run.
	RunFile, Target, Model string
	// Shape is a closed loop's schedule (steps, users, length); OpenLoop
	// an open loop's, when Open is set. Grace is how long in-flight
	// requests get after the schedule (the page's time axis covers it).
	Shape    record.Shape
	Open     bool
	OpenLoop record.OpenLoop
	Grace    time.Duration
	// Stop stops the run gracefully, as the first Ctrl-C does; the page's
	// Stop button calls it, once at most.
	Stop func()
	// SetLevel, when set, changes the run's level from the next step on
	// (record.Control.SetLevel): users in a closed loop, req/s in an open
	// one. It returns the step the change applies from, or why it was
	// refused in one line. The page's level control calls it; nil: the
	// page has none (a sharded run, a capacity search).
	SetLevel func(level float64) (step int, err error)
}

// Server is a running dashboard. Its methods are safe for concurrent use.
type Server struct {
	opts      Options
	url       string // the page, with the token when one is required
	pageURL   string // the page, without the token
	loopback  bool
	generated bool   // the token was generated here
	name      string // the host name given in Addr, lowercase ("" for an IP)
	port      string
	// prefix is the path every page of the dashboard is under: "/" and
	// 16 random hex digits and "/". The token's cookie is scoped to it,
	// so that a browser sends it to this dashboard only, never to another
	// service on the same host (cookies ignore ports) or to the next
	// dashboard on this port.
	prefix string
	cookie string // the cookie's name
	csrf   string
	page   []byte
	csp    string

	in   chan update
	done chan struct{} // closed by Close
	once sync.Once
	stop sync.Once
	srv  *http.Server
	wg   sync.WaitGroup // serve and hub goroutines
	errs serverErrors   // what net/http would have logged

	mu      sync.Mutex
	history []json.RawMessage
	clients map[chan []byte]struct{}
	end     []byte // the end event, once the run has ended
	dropped int64  // updates not delivered to a slow stream
	tables  tables
}

// CheckAddr reports whether addr can be a dashboard's listen address
// (host:port, a port number), without listening.
func CheckAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err == nil {
		if n, perr := strconv.ParseUint(port, 10, 16); perr != nil || (n == 0 && port != "0") {
			err = errors.New("bad port")
		}
	}
	if err != nil {
		return fmt.Errorf("address %q: want host:port, e.g. 127.0.0.1:8089, or 127.0.0.1:0 for a free port", addr)
	}
	return nil
}

// CheckToken reports whether token can guard a dashboard at addr, without
// listening: it must hold only characters that travel unchanged in a URL,
// a cookie and an Authorization header (letters, digits and - . _ ~ + /
// =), at most 1024 of them; and unless addr's host is loopback as
// written (empty, localhost or a loopback IP), it must be at least
// MinTokenBits strong (see tokenBits). An empty token passes. The error
// never quotes the token.
func CheckToken(addr, token string) error {
	host, _, _ := net.SplitHostPort(addr)
	ip := net.ParseIP(host)
	return checkToken(token, host == "" || host == "localhost" || (ip != nil && ip.IsLoopback()))
}

func checkToken(token string, loopback bool) error {
	if token == "" {
		return nil
	}
	if len(token) > maxTokenLen {
		return fmt.Errorf("the dashboard token is %d characters long; at most %d", len(token), maxTokenLen)
	}
	for _, c := range token {
		if !tokenChar(c) {
			return errors.New("the dashboard token may hold only letters, digits and - . _ ~ + / = (it travels in a URL, a cookie and an Authorization header)")
		}
	}
	if b := tokenBits(token); !loopback && b < MinTokenBits {
		return fmt.Errorf("the dashboard token is too weak for an address other than loopback: about %d bits, at least %d wanted (32 random hex digits or 22 random base64 characters, e.g. from `openssl rand -hex 16`), or give none and one is generated", b, MinTokenBits)
	}
	return nil
}

func tokenChar(c rune) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-._~+/=", c)
}

// tokenBits estimates the strength of a token of random characters: the
// characters that count times log2 of the smallest of three alphabets
// that holds them all: decimal digits (3.3 bits each), hex digits of
// either case (4 bits; '-' separators, as in a UUID, count nothing), or
// any other (6 bits, as base64). '=' (base64 padding) never counts. So
// 128 bits are 39 decimal digits, 32 hex digits (a UUID's 32 pass) or 22
// base64 characters. It cannot see a token that is not random (a word,
// one character repeated): it is a floor against short tokens, not a
// judge of how they were made.
func tokenBits(token string) int {
	digits, hex, n, hexN := true, true, 0, 0
	for _, c := range token {
		switch {
		case c == '=':
			continue
		case c >= '0' && c <= '9':
			hexN++
		case c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
			digits = false
			hexN++
		case c == '-':
			digits = false
		default:
			digits, hex = false, false
		}
		n++
	}
	switch {
	case digits:
		return int(float64(n) * math.Log2(10))
	case hex:
		return 4 * hexN
	}
	return 6 * n
}

// Start listens on o.Addr and serves the dashboard until Close. It
// returns once the port is open.
func Start(ctx context.Context, o Options) (*Server, error) {
	if err := CheckAddr(o.Addr); err != nil {
		return nil, err
	}
	host, port, _ := net.SplitHostPort(o.Addr)
	if host == "" {
		host = "127.0.0.1"
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", o.Addr, err)
	}
	tcp, _ := ln.Addr().(*net.TCPAddr)
	s := &Server{
		opts: o, in: make(chan update, publishQueue), done: make(chan struct{}),
		clients: map[chan []byte]struct{}{}, loopback: tcp != nil && tcp.IP.IsLoopback(),
	}
	if err := checkToken(o.Token, s.loopback); err != nil {
		ln.Close()
		return nil, err
	}
	if tcp != nil {
		s.port = strconv.Itoa(tcp.Port)
	}
	if !s.loopback && s.opts.Token == "" {
		s.opts.Token, s.generated = randomHex(16), true
	}
	s.csrf = randomHex(16)
	s.prefix = "/" + randomHex(8) + "/"
	s.cookie = cookiePrefix + s.port
	s.csp = csp(assets.ECharts(), pageScript)
	if s.page, err = s.render(); err != nil {
		ln.Close()
		return nil, err
	}
	s.setURL(host, tcp)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, s.prefix, http.StatusSeeOther) })
	mux.HandleFunc("GET "+s.prefix+"{$}", s.servePage)
	mux.HandleFunc("GET "+s.prefix+"events", s.serveEvents)
	mux.HandleFunc("POST "+s.prefix+"stop", s.serveStop)
	mux.HandleFunc("POST "+s.prefix+"level", s.serveLevel)
	mux.HandleFunc("GET "+s.prefix+"statistics.csv", s.serveStatsCSV)
	mux.HandleFunc("GET "+s.prefix+"failures.csv", s.serveFailuresCSV)
	base, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.srv = &http.Server{
		Handler: s.guard(mux), ReadHeaderTimeout: headerWait, IdleTimeout: idleWait, MaxHeaderBytes: 16 << 10,
		BaseContext: func(net.Listener) context.Context { return base },
		ErrorLog:    log.New(&s.errs, "", 0),
	}
	// Connections beyond the cap wait in the kernel's accept queue, where
	// they hold none of the recorder's file descriptors.
	s.wg.Go(func() { defer cancel(); _ = s.srv.Serve(netutil.LimitListener(ln, maxConns)) })
	s.wg.Go(s.hub)
	return s, nil
}

// setURL sets the page's URL and the one printed (with the token). The
// URL names the host as given, so that the page is where the user said; a
// loopback name is then also accepted in the Host header.
func (s *Server) setURL(host string, tcp *net.TCPAddr) {
	var urlHost string
	urlHost, s.name = HostName(host)
	if tcp != nil && tcp.IP.IsUnspecified() {
		urlHost = "127.0.0.1"
		if h, err := os.Hostname(); err == nil && h != "" {
			urlHost = h
		}
	}
	u := url.URL{Scheme: "http", Host: net.JoinHostPort(urlHost, s.port), Path: s.prefix}
	s.pageURL = u.String()
	if s.opts.Token != "" {
		u.RawQuery = url.Values{tokenParam: {s.opts.Token}}.Encode()
	}
	s.url = u.String()
}

// HostName is how a URL names the listen host as given, and the name
// the Host header may use besides loopback's (LoopbackHost): an IP as
// it is (no name), a name in lower case. The live-metrics server names
// its host by the same rule.
func HostName(host string) (urlHost, name string) {
	if net.ParseIP(host) != nil {
		return host, ""
	}
	name = strings.ToLower(host)
	return name, name
}

// Errors is the number of errors the HTTP server met (a failed accept, a
// broken connection) and the last one, bounded; they are kept here
// rather than written to the terminal, where they would break the status
// line.
func (s *Server) Errors() (n int64, last string) {
	s.errs.mu.Lock()
	defer s.errs.mu.Unlock()
	return s.errs.n, s.errs.last
}

// serverErrors is the http.Server's error log: a count and the last line.
type serverErrors struct {
	mu   sync.Mutex
	n    int64
	last string
}

func (e *serverErrors) Write(p []byte) (int, error) {
	line := strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, strings.TrimSpace(strings.ToValidUTF8(string(p[:min(len(p), maxErrorText)]), "?")))
	e.mu.Lock()
	e.n++
	e.last = line
	e.mu.Unlock()
	return len(p), nil
}

// URL is the page's address, with the token when one is required. It is
// the only place the token is given: print it once.
func (s *Server) URL() string { return s.url }

// PageURL is the page's address without the token: to print when the
// user gave the token (and has it), so that it stays out of logs.
func (s *Server) PageURL() string { return s.pageURL }

// TokenGenerated says whether the token in URL was generated by Start
// (there was none given and the address is not loopback).
func (s *Server) TokenGenerated() bool { return s.generated }

// Publish hands the snapshot of the second over to the server. It never
// waits: when the server is behind, the snapshot is dropped.
func (s *Server) Publish(snap record.Snapshot) {
	select {
	case <-s.done:
	case s.in <- update{snap: snap}:
	default:
	}
}

// update is what the hub takes: a snapshot, or the end event.
type update struct {
	snap record.Snapshot
	end  []byte
}

// End tells the page that the run has ended, with its end reason and
// detail and the rows written; the page then shows the final state.
func (s *Server) End(reason, detail string, rows int64) {
	msg, _ := json.Marshal(struct {
		Reason string `json:"reason"`
		Detail string `json:"detail"`
		Rows   int64  `json:"rows"`
	}{reason, detail, rows})
	// After what was published before, and unlike it never dropped.
	select {
	case <-s.done:
	case s.in <- update{end: event("end", msg)}:
	}
}

// Close ends the event streams and shuts the server down; every goroutine
// it started has ended when it returns.
func (s *Server) Close(ctx context.Context) error {
	s.once.Do(func() { close(s.done) })
	err := s.srv.Shutdown(ctx)
	if err != nil {
		_ = s.srv.Close()
	}
	s.wg.Wait()
	return err
}

// hub turns snapshots into events: it keeps the history and hands each
// stream the update without waiting (a full queue drops it).
func (s *Server) hub() {
	for {
		select {
		case <-s.done:
			return
		case u := <-s.in:
			if u.end != nil {
				s.mu.Lock()
				s.end = u.end
				s.fanOut(u.end, true)
				s.mu.Unlock()
				continue
			}
			raw, err := json.Marshal(newPoint(&u.snap))
			if err != nil {
				continue
			}
			ev := event("snap", raw)
			s.mu.Lock()
			if len(s.history) >= maxPoints {
				s.history = thin(s.history)
			}
			s.history = append(s.history, raw)
			tab := tableEventBytes(s.tables.update(&u.snap))
			s.fanOut(ev, false)
			if tab != nil {
				s.fanOut(tab, false)
			}
			s.mu.Unlock()
		}
	}
}

// fanOut queues ev for every stream without waiting; s.mu is held. A
// full queue drops ev, or when last is set (the end of the run, which
// every page should get) the oldest update to make room.
func (s *Server) fanOut(ev []byte, last bool) {
	for ch := range s.clients {
		select {
		case ch <- ev:
			continue
		default:
		}
		s.dropped++
		if !last {
			continue
		}
		select {
		case <-ch:
		default:
		}
		select {
		case ch <- ev:
		default:
		}
	}
}

// thin keeps every other point, the first and the last included.
func thin(h []json.RawMessage) []json.RawMessage {
	out := h[:0]
	for i := 0; i < len(h); i += 2 {
		out = append(out, h[i])
	}
	if len(h)%2 == 0 {
		out = append(out, h[len(h)-1])
	}
	return out
}

func event(name string, data []byte) []byte {
	var b bytes.Buffer
	b.Grow(len(data) + len(name) + 16)
	b.WriteString("event: " + name + "\ndata: ")
	b.Write(data) // JSON has no raw newline
	b.WriteString("\n\n")
	return b.Bytes()
}

// guard checks every request: the Host header on loopback (DNS
// rebinding), the token when one is required, and sets the headers every
// answer carries.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", s.csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-store")
		if s.loopback && !s.loopbackHost(r.Host) {
			h.Set("Connection", "close") // a refused client keeps no connection
			http.Error(w, "wrong Host header: open the dashboard at the address llmrec printed", http.StatusMisdirectedRequest)
			return
		}
		if s.opts.Token != "" {
			if q := r.URL.Query().Get(tokenParam); q != "" && s.tokenOK(q) && r.Method == http.MethodGet && (r.URL.Path == s.prefix || r.URL.Path == "/") {
				// Trade the token in the URL for a cookie sent to this
				// dashboard only, and take it out of the address bar.
				http.SetCookie(w, &http.Cookie{Name: s.cookie, Value: s.opts.Token, Path: s.prefix, HttpOnly: true,
					SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
				http.Redirect(w, r, s.prefix, http.StatusSeeOther)
				return
			}
			if !s.authorized(r) {
				h.Set("Connection", "close")
				h.Set("WWW-Authenticate", `Bearer realm="llmrec dashboard"`)
				http.Error(w, "a token is required: open the URL llmrec printed", http.StatusUnauthorized)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// loopbackHost says whether host names the loopback listen address
// (LoopbackHost).
func (s *Server) loopbackHost(host string) bool { return LoopbackHost(host, s.port, s.name) }

// LoopbackHost says whether the Host header host names a loopback listen
// address on port: localhost, a loopback IP, or given, the name the
// address was given as (which resolved to loopback), as a URL spells it.
// The live-metrics server checks its Host by the same rule.
func LoopbackHost(host, port, given string) bool {
	name, p, err := net.SplitHostPort(host)
	if err != nil || p != port {
		return false
	}
	if name == "localhost" || (given != "" && name == given) {
		return true
	}
	ip := net.ParseIP(name)
	return ip != nil && ip.IsLoopback()
}

func (s *Server) authorized(r *http.Request) bool {
	if c, err := r.Cookie(s.cookie); err == nil && s.tokenOK(c.Value) {
		return true
	}
	if v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && s.tokenOK(v) {
		return true
	}
	return s.tokenOK(r.URL.Query().Get(tokenParam))
}

func (s *Server) tokenOK(v string) bool {
	return v != "" && subtle.ConstantTimeCompare([]byte(v), []byte(s.opts.Token)) == 1
}

func (s *Server) servePage(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(s.page)
}

// fromPage checks that an action (what: "stop", "level change") comes
// from the dashboard's own page: from its origin, carrying the page's
// anti-CSRF token in a header. It answers 403 and reports false when not.
// The token, when one is required, was checked before (guard).
func (s *Server) fromPage(w http.ResponseWriter, r *http.Request, what string) bool {
	if o := r.Header.Get("Origin"); o != "" && o != "http://"+r.Host {
		http.Error(w, "cross-origin "+what+" refused", http.StatusForbidden)
		return false
	}
	if f := r.Header.Get("Sec-Fetch-Site"); f != "" && f != "same-origin" {
		http.Error(w, "cross-site "+what+" refused", http.StatusForbidden)
		return false
	}
	if subtle.ConstantTimeCompare([]byte(r.Header.Get(csrfHeader)), []byte(s.csrf)) != 1 {
		http.Error(w, what+" refused: send it from the dashboard page", http.StatusForbidden)
		return false
	}
	return true
}

// serveStop is the Stop button: a POST from the page (fromPage).
func (s *Server) serveStop(w http.ResponseWriter, r *http.Request) {
	if !s.fromPage(w, r, "stop") {
		return
	}
	if s.opts.Stop != nil {
		s.stop.Do(s.opts.Stop)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_, _ = w.Write([]byte(`{"stopping":true}` + "\n"))
}

// maxLevelBody bounds a level change's request body.
const maxLevelBody = 1 << 10

// serveLevel is the level control: a POST from the page (fromPage) whose
// form value "level" is the new level. A level the run refuses (not a
// number, beyond its limits, the run not sending) is a 400 whose body is
// the reason, in one line; a change made answers the step it applies
// from, as JSON.
func (s *Server) serveLevel(w http.ResponseWriter, r *http.Request) {
	if !s.fromPage(w, r, "level change") {
		return
	}
	if s.opts.SetLevel == nil {
		http.Error(w, "this run's level cannot be changed from the dashboard", http.StatusNotFound)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxLevelBody)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "the level change could not be read: send the form value level", http.StatusBadRequest)
		return
	}
	raw := strings.TrimSpace(r.PostForm.Get("level"))
	v, err := strconv.ParseFloat(raw, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		http.Error(w, "the level must be a number, such as 30", http.StatusBadRequest)
		return
	}
	step, err := s.opts.SetLevel(v)
	if err != nil {
		msg := strings.ReplaceAll(err.Error(), "\n", " ")
		http.Error(w, msg, http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(struct {
		Step  int     `json:"step"`
		Level float64 `json:"level"`
	}{step, v})
}

// serveEvents is the event stream: the history so far, then one update a
// second, then the end of the run.
func (s *Server) serveEvents(w http.ResponseWriter, r *http.Request) {
	ch := make(chan []byte, clientQueue)
	s.mu.Lock()
	if len(s.clients) >= maxClients {
		s.mu.Unlock()
		http.Error(w, "too many dashboard pages open", http.StatusServiceUnavailable)
		return
	}
	s.clients[ch] = struct{}{}
	hist := append([]json.RawMessage(nil), s.history...)
	end := s.end
	tab := tableEventBytes(s.tables.all())
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.clients, ch)
		s.mu.Unlock()
	}()

	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("X-Accel-Buffering", "no")
	rc := http.NewResponseController(w)
	send := func(ev []byte) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(writeTimeout))
		if _, err := w.Write(ev); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	list := []byte{'['}
	for i, p := range hist {
		if i > 0 {
			list = append(list, ',')
		}
		list = append(list, p...)
	}
	if !send(event("history", append(list, ']'))) || !send(tab) {
		return
	}
	if end != nil && !send(end) {
		return
	}
	for {
		select {
		case <-s.done:
			return
		case <-r.Context().Done():
			return
		case ev := <-ch:
			if !send(ev) {
				return
			}
		}
	}
}

// render makes the page: labels through html/template, settings as JSON.
func (s *Server) render() ([]byte, error) {
	tpl, err := template.New("page").Parse(pageTemplate)
	if err != nil {
		return nil, fmt.Errorf("parse the page template: %w", err)
	}
	echarts := assets.ECharts()
	if err := assets.Inlineable(echarts); err != nil {
		return nil, fmt.Errorf("echarts script: %w", err)
	}
	cfg := s.settings()
	data := struct {
		RunFile, Target, Model string
		Settings               any
		ECharts, Script        template.JS
	}{s.opts.RunFile, s.opts.Target, s.opts.Model, cfg, template.JS(echarts), template.JS(pageScript)}
	var b bytes.Buffer
	if err := tpl.Execute(&b, data); err != nil {
		return nil, fmt.Errorf("render the page: %w", err)
	}
	return b.Bytes(), nil
}

// settings are what the page knows of the run before its first update:
// its kind (users or rate), schedule and the end of its time axis (the
// schedule and the grace period).
type settings struct {
	CSRF   string  `json:"csrf"`
	Kind   string  `json:"kind"` // "users" or "rate"
	TotalS float64 `json:"totalS"`
	GraceS float64 `json:"graceS"`
	StepS  float64 `json:"stepS"`
	Steps  int     `json:"steps"`
	// A closed loop's users; an open loop's rates, req/s.
	StepUsers int     `json:"stepUsers"`
	MaxUsers  int     `json:"maxUsers"`
	Rate      float64 `json:"rate"`
	StepRate  float64 `json:"stepRate"`
	MaxRate   float64 `json:"maxRate"`
	Arrival   string  `json:"arrival"`
	// Change: the page shows the level control (Options.SetLevel).
	Change bool `json:"change"`
}

func (s *Server) settings() settings {
	o := s.opts
	if o.Open {
		ol := o.OpenLoop
		return settings{CSRF: s.csrf, Kind: "rate", TotalS: ol.Total().Seconds(), GraceS: o.Grace.Seconds(), StepS: ol.StepTime.Seconds(),
			Steps: ol.Steps(), Rate: ol.Rate, StepRate: ol.StepRate, MaxRate: ol.RateOf(ol.Steps()), Arrival: ol.Kind, Change: o.SetLevel != nil}
	}
	sh := o.Shape
	return settings{CSRF: s.csrf, Kind: "users", TotalS: sh.Total().Seconds(), GraceS: o.Grace.Seconds(), StepS: sh.StepTime.Seconds(),
		Steps: sh.Steps(), StepUsers: sh.StepUsers, MaxUsers: sh.MaxUsers, Change: o.SetLevel != nil}
}

// csp is the page's Content-Security-Policy: that of the HTML report
// (nothing fetched, only the listed inline scripts run) plus connections
// to the page's own origin, for the event stream and Stop.
func csp(scripts ...string) string {
	return assets.CSP([]string{"connect-src 'self'", "frame-ancestors 'none'"}, scripts...)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// num is a figure that encodes NaN and infinities as null.
type num float64

func (n num) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, math.Round(f*1000)/1000, 'f', -1, 64), nil
}

// point is one second of the page's history; short keys keep it small.
type point struct {
	T        num              `json:"t"` // elapsed, s
	Total    num              `json:"total"`
	Step     int              `json:"step"`
	Users    int              `json:"users"`
	Phase    string           `json:"phase"`
	RPS      num              `json:"rps"`
	P50      num              `json:"p50"`
	P95      num              `json:"p95"`
	P99      num              `json:"p99"`
	T50      num              `json:"t50"`
	T95      num              `json:"t95"`
	T99      num              `json:"t99"`
	Tokens   num              `json:"tok"`
	Fail     map[string]int64 `json:"fail,omitempty"`
	Rows     int64            `json:"rows"`
	Failures int64            `json:"failures"`
	StepP95  num              `json:"sp95"`
	StepP95S int              `json:"sp95s"` // the step sp95 is of
	Sent     num              `json:"sent"`  // requests sent per second (window)
	Offered  num              `json:"off"`   // an open loop's offered rate, req/s
	Fired    int              `json:"fstep"` // where the live rule first fired
	BaseStep int              `json:"bstep"`
	BaseP95  num              `json:"bp95"`
	Limit    num              `json:"limit"`
	Lag      num              `json:"lag"`
	CPU      num              `json:"cpu"`
	// Changes counts the level changes so far; Change is the last.
	Changes int     `json:"nchg,omitempty"`
	Change  *change `json:"chg,omitempty"`
}

// change is a level change as the page shows it.
type change struct {
	Step  int `json:"step"`
	Level num `json:"level"`
	AtS   num `json:"at"`
}

func newPoint(s *record.Snapshot) point {
	p := point{
		T: num(s.Elapsed.Seconds()), Total: num(s.Total.Seconds()), Step: s.Step, Users: s.Users, Phase: s.Phase,
		RPS: num(s.RPS), P50: num(s.P50), P95: num(s.P95), P99: num(s.P99),
		T50: num(s.TTFTP50), T95: num(s.TTFTP95), T99: num(s.TTFTP99), Tokens: num(s.TokensPerSec),
		Fail: s.FailuresByClass, Rows: s.Requests, Failures: s.Failures,
		StepP95: num(s.StepP95), StepP95S: s.StepP95Step, Sent: num(s.SentRPS), Offered: num(math.NaN()), Fired: s.FiredStep, BaseStep: s.BaselineStep, BaseP95: num(math.NaN()), Limit: num(math.NaN()),
		Lag: num(s.SendLagMS), CPU: num(s.CPU),
	}
	if s.BaselineStep != 0 {
		p.BaseP95, p.Limit = num(s.BaselineP95), num(s.Limit)
	}
	if s.Open {
		p.Offered = num(s.OfferedRPS)
	}
	if n := len(s.Changes); n > 0 {
		c := s.Changes[n-1]
		p.Changes, p.Change = n, &change{Step: c.Step, Level: num(c.Level), AtS: num(c.AtS)}
	}
	return p
}
