package target

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"text/template"
	"time"
)

// API names.
const (
	APIChat        = "openai-chat"
	APICompletions = "openai-completions"
	APIHTTP        = "http"
)

// Defaults applied by New when the field is zero.
const (
	DefaultMaxBodyBytes = 16 << 20
	DefaultMaxConns     = 256
	// DialTimeout bounds TCP connect; a dial that times out is class connect.
	DialTimeout = 10 * time.Second
	// TLSHandshakeTimeout bounds the TLS handshake; class tls.
	TLSHandshakeTimeout = 10 * time.Second
)

// Options configure a Client. The zero value of a field means its default.
type Options struct {
	Target    string // base URL (openai-*) or full URL (http)
	API       string // "openai-chat" | "openai-completions" | "http"
	Method    string // http only [POST]
	Body      string // http only: Go text/template with {{.Prompt}}
	Model     string // omitted from the request when empty
	MaxTokens int    // omitted from the request when 0; a Prompt's own MaxTokens wins
	// IgnoreEOS adds "ignore_eos": true to openai-* request bodies: servers
	// that support it (vLLM, SGLang, the built-in simulator) then generate
	// exactly max_tokens tokens.
	IgnoreEOS bool
	Stream    bool // openai-* only; ignored by http
	// ChunkTimes keeps each content chunk's arrival of a stream
	// (Result.ChunkUS).
	ChunkTimes bool
	// Answers keeps each answer's text (Result.Answer, at most
	// MaxAnswerBytes): a conversation's next turn carries it. OpenAI APIs
	// only.
	Answers      bool
	Headers      http.Header   // extra headers (-H)
	APIKey       string        // sent as Authorization: Bearer unless Headers has Authorization
	Timeout      time.Duration // whole request; 0 = none
	IdleTimeout  time.Duration // max gap between body bytes after the headers; 0 = none
	MaxBodyBytes int64         // response body bound [DefaultMaxBodyBytes]
	MaxConns     int           // expected concurrency [DefaultMaxConns]
	TLSConfig    *tls.Config   // optional, e.g. a custom CA
}

// Validate reports every problem with o at once, joined with errors.Join.
// The target URL is shown only through o's Redactor (Redactor.URL): an API
// key that is a path segment does not reach the message.
func (o Options) Validate() error {
	var errs []error
	shown := func() string { return o.NewRedactor().URL(o.Target) }
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	switch o.API {
	case APIChat, APICompletions, APIHTTP:
	default:
		add("api %q is not one of %s, %s, %s", o.API, APIChat, APICompletions, APIHTTP)
	}
	if o.Target == "" {
		add("target URL is empty")
	} else if u, err := url.Parse(o.Target); err != nil {
		add("target URL %q does not parse", shown())
	} else {
		if u.Scheme != "http" && u.Scheme != "https" {
			add("target URL %q: scheme must be http or https", shown())
		}
		if u.Host == "" {
			add("target URL %q has no host", shown())
		}
	}
	if o.API == APIHTTP {
		if o.Answers {
			add("api %s has no answer text to keep: conversations need api %s or %s", APIHTTP, APIChat, APICompletions)
		}
		if o.Method != "" && !validToken(o.Method) {
			add("method %q is not a valid HTTP method", o.Method)
		}
		if o.Body != "" {
			if t, err := parseBodyTemplate(o.Body); err != nil {
				add("body template: %w", err)
			} else if err := t.Execute(io.Discard, bodyData{Prompt: "test", Messages: []Message{{Role: "user", Content: "test"}}}); err != nil {
				add("body template: %w", err)
			}
		}
	} else if o.API != "" {
		if o.Body != "" {
			add("a body template applies only to api %s", APIHTTP)
		}
		if o.Method != "" && o.Method != http.MethodPost {
			add("method %s: api %s always uses POST", o.Method, o.API)
		}
	}
	if o.MaxTokens < 0 {
		add("max tokens %d is negative", o.MaxTokens)
	}
	if o.Timeout < 0 {
		add("timeout %v is negative", o.Timeout)
	}
	if o.IdleTimeout < 0 {
		add("idle timeout %v is negative", o.IdleTimeout)
	}
	if o.MaxBodyBytes < 0 {
		add("max body bytes %d is negative", o.MaxBodyBytes)
	}
	if o.MaxConns < 0 {
		add("max conns %d is negative", o.MaxConns)
	}
	for k, vs := range o.Headers {
		if !validToken(k) {
			add("header name %q is not valid", k)
		}
		for _, v := range vs {
			if strings.ContainsAny(v, "\r\n\x00") {
				add("header %s: value contains a line break or NUL", k)
			}
		}
	}
	if strings.ContainsAny(o.APIKey, "\r\n\x00") {
		add("api key contains a line break or NUL")
	}
	return errors.Join(errs...)
}

// validToken reports whether s is an RFC 9110 token (header name, method).
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			continue
		}
		if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}

// parseBodyTemplate parses an http body template. Besides {{.Prompt}} (the
// prompt text) and {{.Messages}}, it offers {{json .Prompt}}, which writes
// the value as a JSON literal (quotes and escapes included).
func parseBodyTemplate(body string) (*template.Template, error) {
	return template.New("body").Option("missingkey=error").Funcs(template.FuncMap{
		"json": jsonLiteral,
	}).Parse(body)
}

// NewTransport returns the transport a Client uses: no client-side queueing
// (MaxConnsPerHost 0, MaxIdleConnsPerHost = MaxConns + 16% so every user keeps
// its connection between requests), a DialTimeout-bounded dial, HTTP/1.1
// only (one connection per user: HTTP/2 would multiplex users over a
// server-set stream limit, and net/http retries refused streams inside
// RoundTrip after a hidden 1 s backoff, so a wait for a stream would be
// counted as the server's latency; see docs/RELIABILITY.md), proxies from the environment, and transparent gzip disabled: BytesIn must
// count what crossed the wire, the SSE parser must see each chunk as it
// arrives, and LLM servers do not compress streams anyway.
func NewTransport(o Options) *http.Transport {
	conns := o.MaxConns
	if conns <= 0 {
		conns = DefaultMaxConns
	}
	idle := conns + conns/8 + 16
	dialer := &net.Dialer{Timeout: DialTimeout, KeepAlive: 30 * time.Second}
	t := &http.Transport{
		Proxy:             http.ProxyFromEnvironment,
		DialContext:       dialer.DialContext,
		ForceAttemptHTTP2: false,
		// A non-nil empty map turns HTTP/2 off, also for https targets.
		TLSNextProto:          map[string]func(string, *tls.Conn) http.RoundTripper{},
		MaxIdleConns:          0, // no global cap
		MaxIdleConnsPerHost:   idle,
		MaxConnsPerHost:       0,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   TLSHandshakeTimeout,
		ExpectContinueTimeout: 0,
		DisableCompression:    true,
		// Each connection keeps both buffers for its life: 4 KiB each
		// (net/http's default) rather than 8 saves 8 KiB a user, and
		// larger reads and writes bypass them anyway.
		WriteBufferSize: 4 << 10,
		ReadBufferSize:  4 << 10,
	}
	if o.TLSConfig != nil {
		t.TLSClientConfig = o.TLSConfig.Clone()
	}
	return t
}
