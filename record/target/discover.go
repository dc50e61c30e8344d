package target

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxDiscoverMessage bounds a DiscoverModel error message, in bytes.
const maxDiscoverMessage = 1024

// discoverTimeout bounds DiscoverModel when Options.Timeout is zero.
const discoverTimeout = 30 * time.Second

// redactedError keeps the original error for errors.Is/As while its text
// is redacted: wrapping with %w would put the secret back into Error().
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// MaxModelLen bounds Model.Shown, in bytes.
const MaxModelLen = 256

// Model is a model id listed by the target. The id is untrusted text: a
// server or a proxy may echo the Authorization header into it or put
// terminal escapes in it.
type Model struct {
	// ID is the id verbatim, as the requests must send it back. Never
	// print or store it.
	ID string
	// Shown is the id fit to print and store: known secrets removed, then
	// cut to MaxModelLen bytes, control characters made spaces.
	Shown string
}

// DiscoverModel returns the first model id listed by GET {Target}/v1/models,
// sent with the same headers, API key, TLS settings and timeout as the
// requests. Its errors are redacted and say what was tried.
func DiscoverModel(ctx context.Context, o Options) (Model, error) {
	red := o.NewRedactor()
	u, err := endpointURL(o.Target, "/v1/models")
	if err != nil {
		return Model{}, fmt.Errorf("discover model: target %s does not parse", red.URL(o.Target))
	}
	o.API = APIChat
	h, host := buildHeaders(o, u, false)
	h.Del("Content-Type")
	u.User = nil
	u.Fragment, u.RawFragment = "", ""
	shown := red.URL(u.String())
	var fail discoverFail = func(err error, format string, args ...any) error {
		msg := "discover model: GET " + shown + ": " + fmt.Sprintf(format, args...)
		return &redactedError{msg: red.Untrusted(msg, maxDiscoverMessage), err: err}
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = discoverTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return Model{}, fail(err, "%v", err)
	}
	req.Header = h
	req.Host = host
	resp, body, err := getModels(o, req, fail)
	if err != nil {
		return Model{}, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		if w := 200 + red.window(); len(body) > w {
			body = body[:w]
		}
		ex := strings.TrimSpace(red.Untrusted(string(body), 200))
		return Model{}, fail(nil, "status %s: %s (pass the model name explicitly)", resp.Status, ex)
	}
	return firstModel(body, red, fail)
}

// discoverFail makes DiscoverModel's error: what went wrong, redacted.
type discoverFail func(err error, format string, args ...any) error

// getModels sends req on a transport of one connection and reads the
// answer's body, up to o.MaxBodyBytes.
func getModels(o Options, req *http.Request, fail discoverFail) (*http.Response, []byte, error) {
	o.MaxConns = 1
	tr := NewTransport(o)
	defer tr.CloseIdleConnections()
	resp, err := tr.RoundTrip(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, nil, fail(err, "unreachable (%s): %v", Classify(err), err)
	}
	defer resp.Body.Close()
	limit := o.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		return nil, nil, fail(err, "reading the body: %v", err)
	}
	return resp, body, nil
}

// firstModel is the first model with an id in the model list body.
func firstModel(body []byte, red *Redactor, fail discoverFail) (Model, error) {
	var list struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return Model{}, fail(err, "malformed model list: %v", err)
	}
	for _, m := range list.Data {
		if m.ID != "" {
			return Model{ID: m.ID, Shown: red.Untrusted(m.ID, MaxModelLen)}, nil
		}
	}
	return Model{}, fail(nil, "the server lists no models (pass the model name explicitly)")
}
