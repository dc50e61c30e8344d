package target

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/template"
	"time"
	"unicode/utf8"

	"github.com/llmrec/llmrec/schemas"
)

// Result is the measurement of one request. See the package documentation
// for the timing and error-class rules.
type Result struct {
	Start        time.Time     // wall clock taken immediately before the request is sent
	Latency      time.Duration // send → last byte (or failure), monotonic
	TTFT         time.Duration // send → first non-empty content; valid only if HasTTFT
	HasTTFT      bool
	Status       int    // 0 when no response
	OK           bool   // 2xx AND complete body/stream
	ErrorClass   string // "" when OK, else one of the schemas.Err* constants
	Error        string // redacted, ≤ schemas.MaxErrorLen bytes; "" when OK
	PromptTokens int32  // from the server's usage, valid only if HasUsage
	OutputTokens int32  // usage.completion_tokens, valid only if HasUsage
	HasUsage     bool
	// OutputEstimated: the server sent no usage, so OutputTokens is an
	// estimate (EstimateOutput): from the length of the streamed text
	// (OutputFromText), or the number of stream chunks that carried
	// content when they carried no text. Set only on a successful stream
	// without usage; PromptTokens stays unknown.
	OutputEstimated bool
	OutputFromText  bool
	Chunks          int32 // SSE data events received, not counting [DONE] and empty ones
	BytesIn         int64 // response body bytes received
	// ChunkUS is when each content chunk arrived, µs since Start (the
	// monotonic clock), ascending; the first is the TTFT's. Nil unless
	// the request streamed with Options.ChunkTimes; at most
	// schemas.MaxChunkTimes, none later than schemas.MaxChunkUS.
	ChunkUS []int32
	// Answer is the answer's text with Options.Answers: the content of a
	// stream's chunks joined, or a whole response's first choice; cut at
	// MaxAnswerBytes (on a UTF-8 boundary). Empty otherwise, and when the
	// request failed before any content.
	Answer string
}

// MaxAnswerBytes bounds the answer text a Result keeps (Options.Answers):
// a conversation holds each of its answers until it ends, so a user of N
// turns holds at most N of them. 16 KiB is about 4,000 tokens; a longer
// answer is carried cut.
const MaxAnswerBytes = 16 << 10

// Client sends one request per Do call. Implementations are safe for
// concurrent use.
type Client interface {
	// Do sends p and measures the exchange. It never retries and never
	// returns an error: failures are described in the Result.
	Do(ctx context.Context, p Prompt) Result
}

// maxErrorExcerpt bounds the part of a non-2xx body read for the message.
const maxErrorExcerpt = 1024

// maxErrorDrain bounds what is read (and discarded) after the excerpt of a
// non-2xx body so that the connection can be reused.
const maxErrorDrain = 64 << 10

// maxSSELine bounds one SSE line and the data of one SSE event (its data
// lines joined): a longer one fails the request as protocol.
const maxSSELine = 1 << 20

// drainAfterDone bounds the wait for the end of the body after [DONE].
const drainAfterDone = 100 * time.Millisecond

// maxCachedBodies bounds the per-prompt request body cache.
const maxCachedBodies = 1 << 16

type client struct {
	api       string
	stream    bool
	chat      bool
	model     string
	maxTok    int
	ignoreEOS bool
	chunkTms  bool
	answers   bool
	limit     int64
	timeout   time.Duration
	idle      time.Duration
	tr        *http.Transport
	tmpl      *http.Request // method, URL, headers; cloned per request with WithContext
	red       *Redactor
	bodyTmpl  *template.Template

	// cache maps a prompt (its Text, or msgKey for Messages) to its
	// *prepared body; cached counts the entries (bounded by maxCachedBodies).
	cache  sync.Map
	cached atomic.Int64
}

// prepared is the rendered request body of one prompt.
type prepared struct {
	body    []byte
	getBody func() (io.ReadCloser, error)
	err     error
}

type msgKey struct {
	first *Message
	n     int
	max   int
}

type textKey struct {
	text string
	max  int
}

// New validates o and returns a Client for it.
func New(o Options) (Client, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	c := &client{
		api:       o.API,
		chat:      o.API == APIChat,
		stream:    o.Stream && o.API != APIHTTP,
		model:     o.Model,
		maxTok:    o.MaxTokens,
		ignoreEOS: o.IgnoreEOS,
		chunkTms:  o.ChunkTimes,
		answers:   o.Answers,
		limit:     o.MaxBodyBytes,
		timeout:   o.Timeout,
		idle:      o.IdleTimeout,
		red:       o.NewRedactor(),
		tr:        NewTransport(o),
	}
	if c.limit == 0 {
		c.limit = DefaultMaxBodyBytes
	}
	var u *url.URL
	var err error
	method := http.MethodPost
	switch o.API {
	case APIChat:
		u, err = endpointURL(o.Target, "/v1/chat/completions")
	case APICompletions:
		u, err = endpointURL(o.Target, "/v1/completions")
	default:
		u, err = url.Parse(o.Target)
		if o.Method != "" {
			method = o.Method
		}
		if o.Body != "" {
			if c.bodyTmpl, err = parseBodyTemplate(o.Body); err != nil {
				return nil, fmt.Errorf("body template: %w", err)
			}
		}
	}
	if err != nil {
		// url.Parse's error quotes the URL whole: redact all of it.
		return nil, c.red.Error(fmt.Errorf("target %s: %w", c.red.URL(o.Target), err))
	}
	h, host := buildHeaders(o, u, c.stream)
	u.User = nil
	u.Fragment, u.RawFragment = "", ""
	c.tmpl = &http.Request{
		Method:     method,
		URL:        u,
		Header:     h,
		Host:       host,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
	}
	return c, nil
}

// endpointURL joins an OpenAI base URL and an endpoint path. The base may
// end in "/", "/v1", or already name an OpenAI endpoint; the query is kept.
func endpointURL(base, path string) (*url.URL, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	p := strings.TrimRight(u.Path, "/")
	for _, suffix := range []string{"/chat/completions", "/completions", "/models"} {
		if strings.HasSuffix(p, "/v1"+suffix) {
			p = strings.TrimSuffix(p, suffix)
			break
		}
	}
	p = strings.TrimSuffix(p, "/v1")
	u.Path = p + path
	u.RawPath = ""
	return u, nil
}

// buildHeaders returns the fixed request headers and the Host override.
func buildHeaders(o Options, u *url.URL, stream bool) (http.Header, string) {
	h := make(http.Header, len(o.Headers)+5)
	for k, vs := range o.Headers {
		h[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
	}
	host := ""
	if v := h.Get("Host"); v != "" {
		host = v
		h.Del("Host")
	}
	setDefault := func(k, v string) {
		if _, ok := h[k]; !ok {
			h[k] = []string{v}
		}
	}
	if o.APIKey != "" {
		setDefault("Authorization", "Bearer "+o.APIKey)
	}
	if u != nil && u.User != nil {
		setDefault("Authorization", "Basic "+basicAuth(u.User))
	}
	setDefault("User-Agent", "llmrec/"+schemas.ToolVersion)
	switch {
	case o.API == APIHTTP:
		b := strings.TrimSpace(o.Body)
		if strings.HasPrefix(b, "{") || strings.HasPrefix(b, "[") {
			setDefault("Content-Type", "application/json")
		}
	case stream:
		setDefault("Content-Type", "application/json")
		setDefault("Accept", "text/event-stream")
	default:
		setDefault("Content-Type", "application/json")
		setDefault("Accept", "application/json")
	}
	return h, host
}

type streamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

type chatRequest struct {
	Model         string         `json:"model,omitempty"`
	Messages      []Message      `json:"messages"`
	MaxTokens     int            `json:"max_tokens,omitempty"`
	IgnoreEOS     bool           `json:"ignore_eos,omitempty"`
	Stream        bool           `json:"stream"`
	StreamOptions *streamOptions `json:"stream_options,omitempty"`
}

type completionsRequest struct {
	Model         string         `json:"model,omitempty"`
	Prompt        string         `json:"prompt"`
	MaxTokens     int            `json:"max_tokens,omitempty"`
	IgnoreEOS     bool           `json:"ignore_eos,omitempty"`
	Stream        bool           `json:"stream"`
	StreamOptions *streamOptions `json:"stream_options,omitempty"`
}

// bodyData is what an http body template sees.
type bodyData struct {
	Prompt   string
	Messages []Message
}

// prepare returns the cached body of p, rendering it on first use. Text
// prompts are keyed by their text, message prompts by the identity of their
// slice (first element and length): prompts are treated as immutable.
func (c *client) prepare(p Prompt) *prepared {
	var key any
	switch {
	case p.Once:
		return c.render(p)
	case p.Messages == nil:
		key = textKey{p.Text, p.MaxTokens}
	case len(p.Messages) > 0:
		key = msgKey{&p.Messages[0], len(p.Messages), p.MaxTokens}
	default:
		return c.render(p)
	}
	if v, ok := c.cache.Load(key); ok {
		return v.(*prepared)
	}
	pb := c.render(p)
	if c.cached.Load() < maxCachedBodies {
		if v, loaded := c.cache.LoadOrStore(key, pb); loaded {
			return v.(*prepared)
		}
		c.cached.Add(1)
	}
	return pb
}

// render builds the request body of p.
func (c *client) render(p Prompt) *prepared {
	var so *streamOptions
	if c.stream {
		so = &streamOptions{IncludeUsage: true}
	}
	var (
		b   []byte
		err error
	)
	maxTok := c.maxTok
	if p.MaxTokens > 0 {
		maxTok = p.MaxTokens
	}
	switch c.api {
	case APIChat:
		b, err = json.Marshal(chatRequest{Model: c.model, Messages: p.messages(), MaxTokens: maxTok, IgnoreEOS: c.ignoreEOS, Stream: c.stream, StreamOptions: so})
	case APICompletions:
		b, err = json.Marshal(completionsRequest{Model: c.model, Prompt: p.text(), MaxTokens: maxTok, IgnoreEOS: c.ignoreEOS, Stream: c.stream, StreamOptions: so})
	default:
		if c.bodyTmpl != nil {
			var buf bytes.Buffer
			err = c.bodyTmpl.Execute(&buf, bodyData{Prompt: p.text(), Messages: p.messages()})
			b = buf.Bytes()
		}
	}
	if err != nil {
		return &prepared{err: fmt.Errorf("render request body: %w", err)}
	}
	pb := &prepared{body: b}
	if len(b) > 0 {
		pb.getBody = func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(b)), nil
		}
	}
	return pb
}

// jsonLiteral renders v as JSON (for {{json .Prompt}} in body templates).
func jsonLiteral(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("json: %w", err)
	}
	return string(b), nil
}

// call is the per-request state, allocated once per Do (not pooled: the
// transport may still hold the request body or fire the timer after Do).
//
// The request body must stay an io.NopCloser around a *bytes.Reader: for
// that type net/http writes headers and body in one write; for any other
// it flushes the headers first (two packets per request).
type call struct {
	wd   watchdog
	req  bytes.Reader
	body bodyReader
}

// bodyReader counts and bounds the response body and feeds the watchdog.
type bodyReader struct {
	r     io.Reader
	n     int64
	limit int64
	wd    *watchdog
}

func (b *bodyReader) Read(p []byte) (int, error) {
	if rem := b.limit + 1 - b.n; int64(len(p)) > rem {
		p = p[:rem]
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	if n > 0 {
		b.wd.touch()
	}
	if b.n > b.limit {
		return n, fmt.Errorf("%w (%d bytes)", errBodyLimit, b.limit)
	}
	return n, err
}

// streamState is pooled: buffers for reading one SSE stream.
type streamState struct {
	br  *bufio.Reader
	sse sseReader
}

// streamBufSize is the SSE reader's buffer. Every stream in flight holds
// one for its whole length, so it is what thousands of concurrent users pay
// each (BENCHMARKS.md); a chunk line of an LLM stream is a few hundred
// bytes, and longer lines are assembled by sseReader up to maxSSELine.
const streamBufSize = 4 << 10

var streamPool = sync.Pool{New: func() any {
	return &streamState{br: bufio.NewReaderSize(nil, streamBufSize)}
}}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Do implements Client.
func (c *client) Do(ctx context.Context, p Prompt) Result {
	var res Result
	pb := c.prepare(p)
	if pb.err != nil {
		res.Start = time.Now()
		c.setErr(&res, schemas.ErrProtocol, pb.err.Error())
		return res
	}
	cl := &call{}
	cctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	req := c.tmpl.WithContext(cctx)
	if len(pb.body) > 0 {
		cl.req.Reset(pb.body)
		req.Body = io.NopCloser(&cl.req)
		req.GetBody = pb.getBody
		req.ContentLength = int64(len(pb.body))
	} else if req.Method != http.MethodGet && req.Method != http.MethodHead {
		req.Body = http.NoBody
	}
	start := time.Now()
	res.Start = start
	cl.wd.start(start, cancel, c.timeout, c.idle)
	defer cl.wd.stop()

	resp, err := c.tr.RoundTrip(req)
	if err != nil {
		c.fail(&res, ctx, cctx, err, "waiting for response headers")
		return res
	}
	defer resp.Body.Close()
	res.Status = resp.StatusCode
	cl.wd.armIdle()
	cl.body = bodyReader{r: resp.Body, limit: c.limit, wd: &cl.wd}

	switch {
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		c.statusFailure(&res, resp, &cl.body)
	case c.stream:
		c.readStream(&res, ctx, cctx, &cl.wd, &cl.body, resp.Header.Get("Content-Type"))
	case c.api == APIHTTP:
		_, err := io.Copy(io.Discard, &cl.body)
		res.Latency = time.Since(start)
		if err != nil {
			c.fail(&res, ctx, cctx, err, "reading the body")
		} else {
			res.OK = true
		}
	default:
		c.readJSON(&res, ctx, cctx, &cl.body)
	}
	res.BytesIn = cl.body.n
	return res
}

// fail records a transport or read error, classifying our own timers and
// the caller's cancellation before the error itself.
func (c *client) fail(res *Result, parent, cctx context.Context, err error, phase string) {
	if res.Latency == 0 {
		res.Latency = time.Since(res.Start)
	}
	if cctx.Err() != nil {
		cause := context.Cause(cctx)
		switch {
		case errors.Is(cause, errTimeout):
			c.setErr(res, schemas.ErrTimeout, fmt.Sprintf("timeout after %v %s", c.timeout, phase))
			return
		case errors.Is(cause, errIdleTimeout):
			c.setErr(res, schemas.ErrIdleTimeout, fmt.Sprintf("idle timeout: no data for %v %s", c.idle, phase))
			return
		case parent.Err() != nil:
			c.setErr(res, schemas.ErrCanceled, "canceled "+phase)
			return
		}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	class := Classify(err)
	msg := err.Error()
	if err == io.EOF {
		msg = "the server closed the connection (EOF)"
	}
	c.setErr(res, class, phase+": "+msg)
}

// setErr stores a failure with a redacted, bounded message.
func (c *client) setErr(res *Result, class, msg string) {
	res.OK = false
	res.ErrorClass = class
	res.Error = c.red.Untrusted(msg, schemas.MaxErrorLen)
	if res.Latency == 0 && !res.Start.IsZero() {
		res.Latency = time.Since(res.Start)
	}
}

// statusFailure records a non-2xx response with an excerpt of its body.
func (c *client) statusFailure(res *Result, resp *http.Response, body *bodyReader) {
	class := schemas.ErrProtocol
	switch code := resp.StatusCode; {
	case code == http.StatusTooManyRequests:
		class = schemas.ErrRateLimited
	case code >= 400 && code <= 499:
		class = schemas.ErrHTTP4xx
	case code >= 500 && code <= 599:
		class = schemas.ErrHTTP5xx
	}
	buf := make([]byte, maxErrorExcerpt)
	n, _ := io.ReadFull(body, buf)
	_, _ = io.CopyN(io.Discard, body, maxErrorDrain)
	res.Latency = time.Since(res.Start)
	excerpt := c.red.cutSecretTail(string(buf[:n]))

	var b strings.Builder
	b.WriteString("status ")
	b.WriteString(resp.Status)
	if class == schemas.ErrRateLimited || resp.StatusCode == http.StatusServiceUnavailable {
		if ra, ok := describeRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			b.WriteString(", retry-after ")
			b.WriteString(ra)
		}
	}
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		b.WriteString(" (redirects are not followed)")
		if loc := resp.Header.Get("Location"); loc != "" {
			b.WriteString(", location ")
			b.WriteString(loc)
		}
	}
	if ex := strings.TrimSpace(excerpt); ex != "" {
		b.WriteString(": ")
		b.WriteString(ex)
	}
	c.setErr(res, class, b.String())
}

// maxRetryAfter bounds a Retry-After a message quotes: a monthly quota's
// reset is the longest wait a real server asks for.
const maxRetryAfter = 31 * 24 * time.Hour

// describeRetryAfter renders a Retry-After value for an error message:
// delay-seconds (digits only, RFC 9110) as "Ns", an HTTP date as the date
// and the wait ("(in 0s)" for a date already past). ok is false for
// anything else, and for a wait beyond maxRetryAfter or a date more than
// that far in the past: such a value is dropped, not stored.
func describeRetryAfter(v string, now time.Time) (s string, ok bool) {
	v = strings.TrimSpace(v)
	if v != "" && strings.Trim(v, "0123456789") == "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n <= int64(maxRetryAfter/time.Second) {
			return strconv.FormatInt(n, 10) + "s", true
		}
		return "", false
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return "", false
	}
	d := t.Sub(now).Round(time.Second)
	if d > maxRetryAfter || d < -maxRetryAfter {
		return "", false
	}
	return fmt.Sprintf("%s (in %v)", t.UTC().Format(http.TimeFormat), max(d, 0)), true
}

type usageJSON struct {
	PromptTokens     int64 `json:"prompt_tokens"`
	CompletionTokens int64 `json:"completion_tokens"`
}

func (u *usageJSON) set(res *Result) {
	res.PromptTokens = clampInt32(u.PromptTokens)
	res.OutputTokens = clampInt32(u.CompletionTokens)
	res.HasUsage = true
}

func clampInt32(v int64) int32 {
	switch {
	case v < 0:
		return 0
	case v > math.MaxInt32:
		return math.MaxInt32
	}
	return int32(v)
}

// readJSON reads a whole non-streamed OpenAI response.
func (c *client) readJSON(res *Result, parent, cctx context.Context, body *bodyReader) {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 1<<20 {
			bufPool.Put(buf)
		}
	}()
	_, err := buf.ReadFrom(body)
	res.Latency = time.Since(res.Start)
	if err != nil {
		c.fail(res, parent, cctx, err, "reading the body")
		return
	}
	var r struct {
		Usage   *usageJSON      `json:"usage"`
		Error   json.RawMessage `json:"error"`
		Choices []struct {
			Message struct {
				Content   json.RawMessage `json:"content"`
				ToolCalls json.RawMessage `json:"tool_calls"`
				Reasoning json.RawMessage `json:"reasoning_content"`
			} `json:"message"`
			Text json.RawMessage `json:"text"`
		} `json:"choices"`
	}
	if err := json.Unmarshal(buf.Bytes(), &r); err != nil {
		c.setErr(res, schemas.ErrProtocol, "malformed JSON response: "+err.Error()+": "+c.red.quotedExcerpt(buf.Bytes()))
		return
	}
	if isPresent(r.Error) {
		class, msg := streamErrorClass(r.Error)
		c.setErr(res, class, "error object in a 2xx response: "+msg)
		return
	}
	if r.Usage != nil {
		r.Usage.set(res)
	}
	content := false
	for _, ch := range r.Choices {
		m := ch.Message
		content = content || hasText(m.Content) || hasText(ch.Text) || hasText(m.ToolCalls) || hasText(m.Reasoning)
	}
	if c.answers && len(r.Choices) > 0 {
		for _, t := range []json.RawMessage{r.Choices[0].Message.Content, r.Choices[0].Text} {
			if t = bytes.TrimSpace(t); hasText(t) && t[0] == '"' {
				res.Answer = string(appendAnswer(nil, t))
			}
		}
	}
	if !content && (!res.HasUsage || res.OutputTokens == 0) {
		c.setErr(res, schemas.ErrEmpty, fmt.Sprintf("empty answer: %d choices, none with content", len(r.Choices)))
		return
	}
	res.OK = true
}

// hasText reports whether a JSON value carries something: not absent,
// null, an empty string or an empty array.
func hasText(raw json.RawMessage) bool {
	v := string(bytes.TrimSpace(raw))
	return isPresent(raw) && v != `""` && v != "[]"
}

// excerptLen bounds a quoted excerpt of a malformed body or event.
const excerptLen = 64

// quotedExcerpt quotes the start of b for a message: redacted, then cut to
// excerptLen bytes, then quoted. Only a bounded window of b is copied.
func (r *Redactor) quotedExcerpt(b []byte) string {
	if w := excerptLen + r.window(); len(b) > w {
		b = b[:w]
	}
	return strconv.Quote(r.Untrusted(string(b), excerptLen))
}

func isPresent(raw json.RawMessage) bool {
	return len(raw) > 0 && string(raw) != "null"
}

// streamErrorClass classifies an error object sent by the server inside a
// 2xx response: http_5xx when its code or status is 5xx, else protocol.
func streamErrorClass(raw json.RawMessage) (string, string) {
	var e struct {
		Message string          `json:"message"`
		Type    string          `json:"type"`
		Code    json.RawMessage `json:"code"`
		Status  json.RawMessage `json:"status"`
	}
	msg := string(raw)
	if err := json.Unmarshal(raw, &e); err == nil && e.Message != "" {
		msg = e.Message
		if e.Type != "" {
			msg = e.Type + ": " + msg
		}
	}
	for _, rc := range []json.RawMessage{e.Code, e.Status} {
		n, err := strconv.Atoi(strings.Trim(string(rc), `"`))
		if err == nil && n >= 500 && n <= 599 {
			return schemas.ErrHTTP5xx, fmt.Sprintf("%d %s", n, msg)
		}
	}
	return schemas.ErrProtocol, msg
}

var doneData = []byte("[DONE]")

// initialChunkTimes is the capacity a stream's chunk times start with;
// they grow by doubling beyond it.
const initialChunkTimes = 64

// streamRead is what readStream has counted of a stream so far.
type streamRead struct {
	chunks    int32
	content   int32 // chunks with content
	text      int64 // bytes of their text: with content, the estimate without usage
	sawFinish bool
	answer    []byte // with Options.Answers: the content so far
}

// readStream reads an SSE stream to [DONE].
func (c *client) readStream(res *Result, parent, cctx context.Context, wd *watchdog, body *bodyReader, ctype string) {
	st := streamPool.Get().(*streamState)
	st.br.Reset(body)
	st.sse.reset(st.br, maxSSELine)
	defer func() {
		st.br.Reset(nil)
		st.sse.r = nil
		if cap(st.sse.data) <= 64<<10 && cap(st.sse.long) <= 64<<10 {
			streamPool.Put(st)
		}
	}()
	var s streamRead
	defer func() {
		res.Chunks = s.chunks
		if len(s.answer) > 0 {
			res.Answer = string(s.answer)
		}
	}()
	if c.chunkTms {
		res.ChunkUS = make([]int32, 0, initialChunkTimes)
	}
	for {
		data, err := st.sse.next()
		if err != nil {
			c.streamFailed(res, parent, cctx, err, &s, ctype)
			return
		}
		if len(data) == 0 {
			continue
		}
		if bytes.Equal(data, doneData) {
			c.streamDone(res, &s)
			// Read the end of the body, briefly, so the connection can be
			// reused; this is not part of the measurement.
			wd.drain(drainAfterDone)
			_, _ = st.br.Discard(maxErrorDrain)
			return
		}
		s.chunks++
		if !c.streamChunk(res, data, &s) {
			return
		}
	}
}

// streamFailed records a stream that ended before [DONE] with err.
func (c *client) streamFailed(res *Result, parent, cctx context.Context, err error, s *streamRead, ctype string) {
	res.Latency = time.Since(res.Start)
	switch {
	case err == io.EOF:
		msg := "stream ended without [DONE]"
		if s.sawFinish {
			msg += " after finish_reason"
		}
		if s.chunks == 0 {
			msg += " and without any data event (content-type " + strconv.Quote(ctype) + ")"
		}
		c.setErr(res, schemas.ErrProtocol, msg)
	case errors.Is(err, errSSELine), errors.Is(err, errSSEEvent):
		c.setErr(res, schemas.ErrProtocol, "stream: "+err.Error())
	default:
		c.fail(res, parent, cctx, err, fmt.Sprintf("reading the stream after %d chunks", s.chunks))
	}
}

// streamDone records a stream that reached [DONE].
func (c *client) streamDone(res *Result, s *streamRead) {
	res.Latency = time.Since(res.Start)
	if s.content == 0 && (!res.HasUsage || res.OutputTokens == 0) {
		c.setErr(res, schemas.ErrEmpty, fmt.Sprintf("empty answer: the stream ended with [DONE] after %d chunks, none with content", s.chunks))
		return
	}
	res.OK = true
	if !res.HasUsage {
		res.OutputTokens, res.OutputEstimated = EstimateOutput(s.content, s.text), true
		res.OutputFromText = s.text > 0
	}
}

// streamChunk reads one data event other than [DONE]; false ends the
// stream as failed (a malformed event, an error event).
func (c *client) streamChunk(res *Result, data []byte, s *streamRead) bool {
	info, ok := scanChunk(data)
	if !ok {
		res.Latency = time.Since(res.Start)
		err := json.Unmarshal(data, new(any)) // for a precise message
		msg := "malformed JSON in stream data event"
		if err != nil {
			msg += ": " + err.Error()
		}
		c.setErr(res, schemas.ErrProtocol, msg+": "+c.red.quotedExcerpt(data))
		return false
	}
	if info.hasErr {
		res.Latency = time.Since(res.Start)
		class, msg := streamErrorClass(data[info.errStart:info.errEnd])
		c.setErr(res, class, "error event in stream: "+msg)
		return false
	}
	if info.content() {
		s.content++
		s.text += int64(info.contentBytes())
		at := time.Since(res.Start)
		if !res.HasTTFT {
			res.TTFT = at
			res.HasTTFT = true
		}
		if c.chunkTms && len(res.ChunkUS) < schemas.MaxChunkTimes && at.Microseconds() <= schemas.MaxChunkUS {
			res.ChunkUS = append(res.ChunkUS, int32(at.Microseconds()))
		}
		if c.answers && len(s.answer) < MaxAnswerBytes {
			s.answer = appendAnswer(s.answer, data[info.textStart:info.textEnd])
		}
	}
	s.sawFinish = s.sawFinish || info.finish
	if info.usage {
		res.PromptTokens = clampInt32(info.prompt)
		res.OutputTokens = clampInt32(info.output)
		res.HasUsage = true
	}
	return true
}

// appendAnswer appends the text of the JSON string quoted (quotes
// included, valid: scanChunk checked it) to answer, keeping answer within
// MaxAnswerBytes and whole UTF-8 characters.
func appendAnswer(answer, quoted []byte) []byte {
	raw := quoted[1 : len(quoted)-1]
	if bytes.IndexByte(raw, '\\') >= 0 {
		var t string
		if json.Unmarshal(quoted, &t) != nil {
			return answer
		}
		raw = []byte(t)
	}
	if room := MaxAnswerBytes - len(answer); len(raw) > room {
		raw = raw[:room]
		for range utf8.UTFMax - 1 { // a character cut in two
			if r, size := utf8.DecodeLastRune(raw); r != utf8.RuneError || size != 1 {
				break
			}
			raw = raw[:len(raw)-1]
		}
	}
	return append(answer, raw...)
}
