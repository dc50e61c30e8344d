// Package target holds the clients that send one request to the service
// under test and measure it: OpenAI-compatible chat and completions (streamed
// or not) and a plain HTTP endpoint. It also loads prompts, classifies
// failures and redacts secrets.
//
// # Data flow
//
// The caller builds Options from flags, calls DiscoverModel when no model was
// given, then New. New pre-parses the URL, pre-builds the header set, builds
// a Redactor from every secret it was handed and a Transport sized so that
// nothing queues client-side. Do is safe for concurrent use by thousands of
// goroutines: it takes the request body from a per-prompt cache (JSON or
// template rendered once per distinct prompt), sends it, reads the response
// (an SSE stream through a bounded line parser, or a bounded whole body) and
// returns a Result that the engine turns into a schemas.Record.
//
// Each SSE data event goes through scanChunk, a single-pass, allocation-free
// JSON validator that picks out only choices[0].delta.content/text,
// choices[0].finish_reason, usage and error (about ten times cheaper than
// encoding/json per chunk; fuzzed against encoding/json). Non-streamed
// bodies are small and decoded with encoding/json.
//
// After [DONE] the client reads the rest of the body for at most 100 ms so
// the connection can be reused; that wait is not part of the measurement.
//
// Timing: Start is the wall clock taken just before the request is handed to
// the transport; Latency runs from there to the last byte (the [DONE] event,
// the end of the body, or the failure) on the monotonic clock; TTFT runs to
// the first event carrying non-empty content (choices[0].delta.content for
// chat, choices[0].text for completions). BytesIn counts response body bytes
// as received on the wire (transparent gzip is disabled, see NewTransport).
//
// # APIs
//
// openai-chat POSTs {model, messages, max_tokens, stream[, stream_options:
// {include_usage: true}]} to {Target}/v1/chat/completions; a Text prompt
// becomes one user message. openai-completions POSTs {model, prompt, ...} to
// {Target}/v1/completions (a Messages prompt is sent as its contents joined
// by newlines). Target may end in "/", "/v1" or a full endpoint path; its
// query is kept. An empty Model or a zero MaxTokens is left out of the body.
// http sends Method [POST] with the Body template rendered per prompt to
// Target as given: the template sees .Prompt (the text) and .Messages, and
// {{json .Prompt}} writes a JSON string literal. Success there is a 2xx and
// a complete body; there is no TTFT, usage or chunk count.
//
// Headers: the -H set, then defaults that do not override it:
// Authorization: Bearer APIKey (or Basic from URL userinfo),
// Content-Type/Accept for JSON or SSE, User-Agent llmrec/VERSION; a Host
// header sets the request's Host.
//
// # Error classes
//
// A Result is OK only for a 2xx status with a complete body: for a stream,
// a `data: [DONE]` event. Otherwise ErrorClass is exactly one of the
// schemas.Err* constants, chosen by the first rule that matches:
//
//   - timeout: Options.Timeout elapsed (the whole request, headers included).
//   - idle_timeout: after the response headers, no body byte arrived within
//     Options.IdleTimeout (before the first byte or between chunks).
//     Both are enforced by one timer per request that cancels the request's
//     context with a distinct cause; Do reads the cause to tell them apart.
//   - canceled: the caller's context ended (canceled or its own deadline);
//     the engine does this at the end of a run.
//   - rate_limited: status 429 (Retry-After is quoted in Error when it is
//     delay-seconds or an HTTP date within 31 days, dropped otherwise;
//     never retried).
//   - http_4xx: any other 4xx status.
//   - http_5xx: a 5xx status (a 503's Retry-After is quoted too), or an `error` object inside a 2xx stream whose
//     code/status is 5xx (any other in-stream error object is protocol).
//   - body_limit: the response body exceeded Options.MaxBodyBytes.
//   - generator: the recorder's own machine failed, not the target: EMFILE
//     or ENFILE (too many open files), ENOMEM, ENOBUFS, EADDRNOTAVAIL (no
//     local port left), also when only their message is left.
//   - dns: *net.DNSError (the name did not resolve).
//   - tls: x509 certificate errors, tls.RecordHeaderError, TLS alerts and
//     handshake failures or timeouts. There is no InsecureSkipVerify fallback.
//   - connect: ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, or a dial timeout.
//   - reset: ECONNRESET, EPIPE, ECONNABORTED, an unexpected EOF inside the
//     body framing, or the server closing the connection after the request
//     was written (Go reports io.EOF / "server closed connection"), HTTP/2
//     stream resets and GOAWAY.
//   - protocol: everything else that broke the exchange: malformed JSON in a
//     body or SSE data event, an over-long SSE line, a stream that ended
//     cleanly without [DONE] (even after a finish_reason), a 1xx/3xx final
//     status (redirects are never followed: a load test must measure the URL
//     it was given, and re-sending a POST body elsewhere is not safe), and
//     unknown errors.
//   - empty: a complete 2xx answer of the OpenAI APIs (a stream to [DONE],
//     or a whole JSON body) that carried no content, while tokens were
//     asked for: no content chunk (or message content, text, tool call or
//     reasoning), and usage, when sent, saying 0 output tokens. It is no
//     fast success: such a row would put a sub-millisecond "latency" in
//     every percentile. The http API asks for no tokens and is not judged.
//
// Classify applies the non-status rules to a bare error; Do applies the
// context rules first, because after a cancellation the transport reports
// whatever error the torn-down connection produced.
//
// # Retries
//
// Do never retries. The only replays are the ones net/http performs itself
// on a pooled keep-alive connection that turns out to be closed: a request
// of which no byte was written (the server never saw it), and, for a GET or
// HEAD of the http API only, one whose connection was closed by the server
// before the first response byte (a keep-alive race).
//
// # Secrets
//
// Every byte the target sends is untrusted: the model id from GET
// /v1/models, error bodies, headers such as Retry-After and Location, SSE
// lines. Before it is stored or printed it goes through Redactor.Untrusted:
// known secrets removed first, then cut to its bound (so a cut never leaves
// part of a key that no longer matches), then every C0 and C1 control
// character made a space. DiscoverModel returns the id verbatim for the
// requests (Model.ID) and the clean id to print and store (Model.Shown).
//
// The Redactor built by Options.NewRedactor knows the API key, every header
// value, the secret parts of the target URL (userinfo, query values, path
// parameter values, the fragment) and the proxy credentials in
// HTTP_PROXY/HTTPS_PROXY (sent as Proxy-Authorization). It replaces a
// known secret wherever it appears, and any run of at least
// MinSecretPrefix (8) bytes that starts one together with the rest of the
// secret that follows (a key cut by the server); shorter secrets (3 to 7
// bytes) and values of several words only whole. A secret echoed escaped
// is found too: the text is decoded before matching (JSON and JavaScript
// escapes such as "\/" and "\u002d", HTML character references such as
// "&#45;", "&#x2d;" and "&sol;", percent-encoding; nested up to four
// levels, each syntax alone and all at once), and each match is mapped
// back to the escaped bytes it came from, which are replaced; where a text
// is cut, a trailing start of a secret (escaped or not) is dropped. Then
// it rewrites every URL in the text with RedactURL, which keeps scheme,
// host, path and parameter names and drops userinfo, every query value but
// api-version and model, path parameter values and the fragment. The
// recorder stores the target URL and the labels through the same
// Redactor, and prints the target only through it (Redactor.URL: in
// errors, on the dashboard). Messages are cut to schemas.MaxErrorLen bytes
// on a UTF-8 boundary.
//
// Imports (of ours): schemas (the error classes and the row's limits)
// and internal/outfile (the words for a file that is not regular).
package target
