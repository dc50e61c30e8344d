package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxBody bounds a request body.
const maxBody = 16 << 20

type api int

const (
	chatAPI api = iota
	completionsAPI
)

// request is the part of a chat or completions request the simulator reads.
type request struct {
	Model               string          `json:"model"`
	Messages            []message       `json:"messages"`
	Prompt              json.RawMessage `json:"prompt"`
	MaxTokens           *int            `json:"max_tokens"`
	MaxCompletionTokens *int            `json:"max_completion_tokens"`
	MinTokens           *int            `json:"min_tokens"`
	IgnoreEOS           bool            `json:"ignore_eos"`
	Stream              bool            `json:"stream"`
	StreamOptions       *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
}

type message struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

type usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

func writeError(w http.ResponseWriter, status int, typ, code, msg string) {
	body := apiError{Error: apiErrorBody{Message: msg, Type: typ}}
	if code != "" {
		body.Error.Code = &code
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only our own types are marshalled; this cannot happen.
		panic(fmt.Sprintf("sim: marshal response: %v", err))
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func (s *Server) models(w http.ResponseWriter) {
	type model struct {
		ID      string `json:"id"`
		Object  string `json:"object"`
		Created int64  `json:"created"`
		OwnedBy string `json:"owned_by"`
	}
	writeJSON(w, http.StatusOK, struct {
		Object string  `json:"object"`
		Data   []model `json:"data"`
	}{
		Object: "list",
		Data:   []model{{ID: s.modelID, Object: "model", Created: 0, OwnedBy: "llmrec"}},
	})
}

// parse reads and checks a request body. The error is meant for the client.
func parse(r *http.Request, kind api) (request, error) {
	var req request
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	if err != nil {
		return req, fmt.Errorf("could not read the request body: %w", err)
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return req, fmt.Errorf("invalid json in the request body: %w", err)
	}
	if kind == chatAPI && len(req.Messages) == 0 {
		return req, errors.New("messages must be a non-empty array")
	}
	for _, p := range []struct {
		name string
		v    *int
	}{{"max_tokens", req.MaxTokens}, {"max_completion_tokens", req.MaxCompletionTokens}} {
		if p.v != nil && *p.v < 1 {
			return req, fmt.Errorf("%s must be at least 1, got %d", p.name, *p.v)
		}
	}
	if m := req.MinTokens; m != nil {
		limit := req.MaxCompletionTokens
		if limit == nil {
			limit = req.MaxTokens
		}
		switch {
		case *m < 0:
			return req, fmt.Errorf("min_tokens must not be negative, got %d", *m)
		case *m > MaxTokensCap:
			return req, fmt.Errorf("min_tokens must be at most %d, got %d", MaxTokensCap, *m)
		case limit != nil && *m > *limit:
			return req, fmt.Errorf("min_tokens (%d) must not exceed max_tokens (%d)", *m, *limit)
		}
	}
	return req, nil
}

// outputTokens is how many tokens to generate and the finish reason: the
// request's limit (capped) ends with "length", the default with "stop".
// The simulator has no end-of-sequence token, so a request with a limit
// always gets exactly that many tokens: what ignore_eos asks of a real
// server (vLLM, SGLang), whether or not the request sets it. min_tokens is
// checked by parse and raises the default answer's length.
func (s *Server) outputTokens(req request) (int, string) {
	limit := req.MaxCompletionTokens
	if limit == nil {
		limit = req.MaxTokens
	}
	if limit == nil {
		if req.MinTokens != nil && *req.MinTokens > s.cfg.MaxTokens {
			return *req.MinTokens, "stop"
		}
		return s.cfg.MaxTokens, "stop"
	}
	return min(*limit, MaxTokensCap), "length"
}

// promptTokens estimates the prompt's tokens as a quarter of its bytes
// (message roles and contents for chat; rounded up, at least 1); a
// completions prompt of token ids counts one per id.
func promptTokens(req request, kind api) int {
	n := 0
	if kind == chatAPI {
		for _, m := range req.Messages {
			n += len(m.Role) + textBytes(m.Content)
		}
	} else {
		n = textBytes(req.Prompt)
		if ids := tokenIDs(req.Prompt); ids > 0 {
			return ids
		}
	}
	return max((n+3)/4, 1)
}

// textBytes is the length of the text in a JSON string, array of strings or
// array of content parts ({"type": "text", "text": ...}).
func textBytes(raw json.RawMessage) int {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return len(s)
	}
	var parts []json.RawMessage
	if json.Unmarshal(raw, &parts) != nil {
		return len(raw)
	}
	n := 0
	for _, p := range parts {
		var part struct {
			Text string `json:"text"`
		}
		switch {
		case json.Unmarshal(p, &s) == nil:
			n += len(s)
		case json.Unmarshal(p, &part) == nil:
			n += len(part.Text)
		default:
			n += len(p)
		}
	}
	return n
}

// tokenIDs counts a completions prompt given as token ids ([1,2,3] or
// [[1,2],[3]]); 0 when it is text.
func tokenIDs(raw json.RawMessage) int {
	var ids []int
	if json.Unmarshal(raw, &ids) == nil {
		return len(ids)
	}
	var batches [][]int
	if json.Unmarshal(raw, &batches) == nil {
		n := 0
		for _, b := range batches {
			n += len(b)
		}
		return n
	}
	return 0
}

// complete serves a chat or completions request from arrival to the end.
func (s *Server) complete(w http.ResponseWriter, r *http.Request, kind api) {
	req, err := parse(r, kind)
	if err != nil {
		s.badRequests.Add(1)
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", err.Error())
		return
	}
	s.requests.Add(1)
	p := s.draw()
	if p.fail {
		s.failed.Add(1)
		writeError(w, http.StatusInternalServerError, "server_error", "",
			"simulated internal error")
		return
	}
	ctx := r.Context()
	switch err := s.acquire(ctx); {
	case errors.Is(err, errShed):
		s.rejected.Add(1)
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, "server_error", "overloaded",
			fmt.Sprintf("server overloaded: all %d slots busy, retry later", s.cfg.Slots))
		return
	case err != nil:
		s.canceled.Add(1)
		return
	}
	defer s.release()

	g := s.newGeneration(req, kind, p.seq)
	s.promptTokens.Add(int64(g.usage.PromptTokens))
	if req.Stream {
		g.includeUsage = req.StreamOptions != nil && req.StreamOptions.IncludeUsage
		err = s.stream(ctx, w, p, g.usage.CompletionTokens, &g)
	} else {
		err = s.whole(ctx, w, p, g.usage.CompletionTokens, &g)
	}
	if err != nil {
		s.canceled.Add(1)
		return
	}
	s.served.Add(1)
	s.success.WithLabelValues(g.finish).Inc()
}

// newGeneration is what the answer to request seq of req will say: its
// id, model, finish reason and usage.
func (s *Server) newGeneration(req request, kind api, seq uint64) generation {
	n, finish := s.outputTokens(req)
	g := generation{
		kind:    kind,
		model:   req.Model,
		created: time.Now().Unix(),
		finish:  finish,
		usage:   usage{PromptTokens: promptTokens(req, kind), CompletionTokens: n},
	}
	if g.model == "" {
		g.model = s.modelID
	}
	g.usage.TotalTokens = g.usage.PromptTokens + g.usage.CompletionTokens
	if kind == chatAPI {
		g.id = "chatcmpl-sim-" + strconv.FormatUint(seq, 10)
	} else {
		g.id = "cmpl-sim-" + strconv.FormatUint(seq, 10)
	}
	return g
}

// generation holds what the response chunks share.
type generation struct {
	kind         api
	id, model    string
	created      int64
	finish       string
	usage        usage
	includeUsage bool
}

type chatChoice struct {
	Index        int          `json:"index"`
	Message      *chatMessage `json:"message,omitempty"`
	Delta        *chatMessage `json:"delta,omitempty"`
	FinishReason *string      `json:"finish_reason"`
}

type chatMessage struct {
	Role    string  `json:"role,omitempty"`
	Content *string `json:"content,omitempty"`
}

type textChoice struct {
	Index        int     `json:"index"`
	Text         string  `json:"text"`
	Logprobs     *string `json:"logprobs"`
	FinishReason *string `json:"finish_reason"`
}

// response is the body of a non-streamed answer and of every streamed chunk.
type response struct {
	ID      string          `json:"id"`
	Object  string          `json:"object"`
	Created int64           `json:"created"`
	Model   string          `json:"model"`
	Choices any             `json:"choices"`
	Usage   json.RawMessage `json:"usage,omitempty"`
}

func (g *generation) object(streamed bool) string {
	switch {
	case g.kind == completionsAPI:
		return "text_completion"
	case streamed:
		return "chat.completion.chunk"
	}
	return "chat.completion"
}

func (g *generation) usageJSON() json.RawMessage {
	b, err := json.Marshal(g.usage)
	if err != nil {
		panic(fmt.Sprintf("sim: marshal usage: %v", err))
	}
	return b
}

// whole answers a non-streamed request once every token is due.
func (s *Server) whole(ctx context.Context, w http.ResponseWriter, p plan, n int, g *generation) error {
	var text strings.Builder
	err := s.generate(ctx, p, n, wholeGranularity, func(words []int) error {
		for _, i := range words {
			text.WriteString(vocabulary[i])
		}
		return nil
	})
	if err != nil {
		return err
	}
	content := text.String()
	resp := response{
		ID: g.id, Object: g.object(false), Created: g.created, Model: g.model,
		Usage: g.usageJSON(),
	}
	if g.kind == chatAPI {
		resp.Choices = []chatChoice{{
			Message:      &chatMessage{Role: "assistant", Content: &content},
			FinishReason: &g.finish,
		}}
	} else {
		resp.Choices = []textChoice{{Text: content, FinishReason: &g.finish}}
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// stream answers with Server-Sent Events, one chunk per token, flushed as
// the tokens fall due.
func (s *Server) stream(ctx context.Context, w http.ResponseWriter, p plan, n int, g *generation) error {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	sw := newSSEWriter(w, g)
	if sw.flusher != nil {
		sw.flusher.Flush()
	}
	per := max(1, s.cfg.TokensPerChunk)
	var pending []int // words of a chunk not yet complete
	first := true
	err := s.generate(ctx, p, n, streamGranularity, func(words []int) error {
		if first && g.kind == chatAPI {
			sw.event(sw.chunk([]chatChoice{{Delta: &chatMessage{Role: "assistant", Content: ptr("")}}}, sw.nullUsage))
		}
		first = false
		if per == 1 {
			for _, i := range words {
				sw.content(vocabJSON[i])
			}
		} else {
			pending = append(pending, words...)
			for len(pending) >= per {
				sw.words(pending[:per])
				pending = pending[per:]
			}
		}
		if len(sw.buf) == 0 {
			return ctx.Err()
		}
		return sw.send(ctx)
	})
	if err != nil {
		return err
	}
	if len(pending) > 0 {
		sw.words(pending) // the last, shorter chunk
	}
	if g.kind == chatAPI {
		sw.event(sw.chunk([]chatChoice{{Delta: &chatMessage{}, FinishReason: &g.finish}}, sw.nullUsage))
	} else {
		sw.event(sw.chunk([]textChoice{{FinishReason: &g.finish}}, sw.nullUsage))
	}
	if g.includeUsage {
		sw.event(sw.chunk([]struct{}{}, g.usageJSON()))
	}
	sw.buf = append(sw.buf, "data: [DONE]\n\n"...)
	return sw.send(ctx)
}

// sseWriter gathers one generation's Server-Sent Events and flushes them.
// Content chunks differ only in their text: it renders one with a
// placeholder once and splices each text's JSON string between before
// and after.
type sseWriter struct {
	w             http.ResponseWriter
	flusher       http.Flusher
	g             *generation
	nullUsage     json.RawMessage
	before, after []byte
	buf           []byte
}

func newSSEWriter(w http.ResponseWriter, g *generation) *sseWriter {
	sw := &sseWriter{w: w, g: g}
	sw.flusher, _ = w.(http.Flusher)
	if g.includeUsage {
		sw.nullUsage = json.RawMessage("null")
	}
	const hole = "\x00"
	var tmpl []byte
	if g.kind == chatAPI {
		tmpl = sw.chunk([]chatChoice{{Delta: &chatMessage{Content: ptr(hole)}}}, sw.nullUsage)
	} else {
		tmpl = sw.chunk([]textChoice{{Text: hole}}, sw.nullUsage)
	}
	var ok bool
	sw.before, sw.after, ok = bytes.Cut(tmpl, []byte(`"\u0000"`))
	if !ok {
		panic("sim: chunk template without a hole")
	}
	return sw
}

// chunk renders one streamed chunk of choices and usage u.
func (sw *sseWriter) chunk(choices any, u json.RawMessage) []byte {
	g := sw.g
	b, err := json.Marshal(response{
		ID: g.id, Object: g.object(true), Created: g.created, Model: g.model,
		Choices: choices, Usage: u,
	})
	if err != nil {
		panic(fmt.Sprintf("sim: marshal chunk: %v", err))
	}
	return b
}

// event adds the event of chunk b.
func (sw *sseWriter) event(b []byte) {
	sw.buf = append(sw.buf, "data: "...)
	sw.buf = append(sw.buf, b...)
	sw.buf = append(sw.buf, "\n\n"...)
}

// content adds one content chunk whose text is the JSON string js.
func (sw *sseWriter) content(js []byte) {
	sw.buf = append(sw.buf, "data: "...)
	sw.buf = append(sw.buf, sw.before...)
	sw.buf = append(sw.buf, js...)
	sw.buf = append(sw.buf, sw.after...)
	sw.buf = append(sw.buf, "\n\n"...)
}

// words adds one content chunk of the vocabulary words ws.
func (sw *sseWriter) words(ws []int) {
	var text strings.Builder
	for _, i := range ws {
		text.WriteString(vocabulary[i])
	}
	js, _ := json.Marshal(text.String())
	sw.content(js)
}

// send writes and flushes what was gathered; then ctx's error, the
// request's end.
func (sw *sseWriter) send(ctx context.Context) error {
	_, err := sw.w.Write(sw.buf)
	sw.buf = sw.buf[:0]
	if err != nil {
		return fmt.Errorf("write chunk: %w", err)
	}
	if sw.flusher != nil {
		sw.flusher.Flush()
	}
	return ctx.Err()
}

func ptr[T any](v T) *T { return &v }
