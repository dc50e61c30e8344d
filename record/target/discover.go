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

// DiscoverModel returns the first model id listed by GET {Target}/v1/models,
// sent with the same headers, API key, TLS settings and timeout as the
// requests. Its errors are redacted and say what was tried.
func DiscoverModel(ctx context.Context, o Options) (string, error) {
	red := newOptionsRedactor(o)
	u, err := endpointURL(o.Target, "/v1/models")
	if err != nil {
		return "", fmt.Errorf("discover model: target %s does not parse", RedactURL(o.Target))
	}
	o.API = APIChat
	h, host := buildHeaders(o, u, false)
	h.Del("Content-Type")
	u.User = nil
	shown := RedactURL(u.String())
	fail := func(err error, format string, args ...any) error {
		msg := "discover model: GET " + shown + ": " + fmt.Sprintf(format, args...)
		return &redactedError{msg: red.String(msg), err: err}
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = discoverTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", fail(err, "%v", err)
	}
	req.Header = h
	req.Host = host
	o.MaxConns = 1
	tr := NewTransport(o)
	defer tr.CloseIdleConnections()
	resp, err := tr.RoundTrip(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", fail(err, "unreachable (%s): %v", Classify(err), err)
	}
	defer resp.Body.Close()
	limit := o.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		return "", fail(err, "reading the body: %v", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		ex := strings.TrimSpace(red.cutSecretTail(truncate(string(body), 200)))
		return "", fail(nil, "status %s: %s (pass the model name explicitly)", resp.Status, ex)
	}
	var list struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return "", fail(err, "malformed model list: %v", err)
	}
	for _, m := range list.Data {
		if m.ID != "" {
			return m.ID, nil
		}
	}
	return "", fail(nil, "the server lists no models (pass the model name explicitly)")
}
