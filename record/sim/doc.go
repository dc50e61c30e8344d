// Package sim is llmrec's built-in OpenAI-compatible simulator: an
// http.Handler that models a GPU inference server, so that the load engine,
// the demo and the tests have a target whose behaviour under load is known.
// `llmrec sim` serves it on an address; `llmrec run` without --target starts
// it in-process with Listen on a free loopback port.
//
// # Endpoints
//
//	GET  /v1/models            one model, "sim-<profile>"
//	POST /v1/chat/completions  streamed (SSE) or not
//	POST /v1/completions       streamed (SSE) or not
//	GET  /health               200
//	GET  /metrics              vLLM's metric names in the Prometheus format
//
// /metrics publishes, from the simulator's own state, the figures a vLLM
// server publishes under the same names (metrics.go lists them and how
// each is read): requests running and waiting, KV-cache usage,
// preemptions, successful requests by finish reason, and prompt and
// generation token counters. It is served by the Prometheus client
// library from a registry of the simulator's own.
//
// Responses have the OpenAI shapes. A streamed chat answer is a chunk with
// the assistant role, one chunk per token (choices[0].delta.content), a
// chunk with finish_reason, a usage chunk (empty choices) when
// stream_options.include_usage is true, then "data: [DONE]"; streamed
// completions carry the text in choices[0].text and have no role chunk. A
// non-streamed answer is one object with choices and
// usage{prompt_tokens, completion_tokens, total_tokens}. A request gets
// max_completion_tokens or max_tokens tokens (capped at MaxTokensCap,
// finish_reason "length"), or Config.MaxTokens when it gives neither
// (finish_reason "stop"); n, temperature and the other sampling fields are
// ignored, and answers name the model the request gave (the simulator's id
// when it gave none). Prompt tokens are estimated as a quarter of the
// prompt's bytes (roles and contents of chat messages), or counted when a
// completions prompt is given as token ids. Tokens are words of a small
// built-in vocabulary. Bad JSON is answered 400 and an unknown path 404,
// with an OpenAI-style error object
// {"error": {"message", "type", "param", "code"}}.
//
// # The timing model
//
// A request that arrives draws its plan from the simulator's random source (seeded by --seed): whether it
// fails (probability ErrorRate, answered 500 at once), a jitter factor for
// its prefill and one for its token time (each uniform in 1 ± Jitter), and
// its text's random seed. It is then admitted according to the profile,
// waits the prefill, and emits token i (1-based) at about
//
//	prefill + (i−1)·token,  prefill = PrefillMS·jitter·f,  token = TokenMS·jitter·f
//
// so it takes about PrefillMS + (n−1)·TokenMS alone (370 ms for the
// defaults' 64 tokens). The slowdown factor f is read again before the
// prefill and before every token, so a request speeds up or slows down as
// the load around it changes. The profiles differ in admission and f:
//
//   - linear serves every request at once; f = 1 + (inflight−1)/Slots,
//     where inflight counts the requests being generated, this one
//     included. Service time grows linearly with concurrency, so p95 grows
//     roughly linearly with users.
//   - knee serves Slots requests at once and queues the rest FIFO. Served
//     requests run with f = 1 + Swap·min(queued/Slots, SwapCap)², the
//     swap/eviction cost of a deep queue. Latency is flat while the slots
//     keep up, then queueing and the slowdown feed each other and p95
//     explodes.
//   - shed serves Slots requests at once, f = 1, and answers the rest 503
//     at once (OpenAI-style error, code "overloaded", Retry-After: 1):
//     flat latency, rising failures.
//
// A client that goes away (its request context ends) stops the generation
// and frees its slot or its place in the queue at once.
//
// # Defaults and what they give
//
// DefaultConfig is a knee server with 16 slots, 50 ms prefill, 5 ms per
// token, 64 tokens, ±10% jitter and Swap 1. Under a step load of 10 users
// per step up to 60, each user streaming a chat request and thinking
// 0.1–0.5 s between answers (TestDemoStepLoad, LLMREC_SIM_DEMO=1; 30 s
// steps, 60 s for the 128-token row), the p95 per step was about:
//
//	users            10     20     30     40     50     60
//	knee           0.40   0.40   0.52    2.2    7.7     11  s
//	knee, 128 tok  0.87   0.89    1.6    5.6     16     22  s
//	linear         0.56   0.73   0.93   1.15   1.37   1.60  s
//	shed           0.40   0.40   0.39   0.40   0.40   0.40  s, failures 0, 0.6, 25, 50, 64, 71 %
//
// The knee profile saturates (p95 > 2× the 10-user baseline) between 30
// and 40 users with the server's 64 tokens, and near 30 users when the
// client asks for 128 (llmrec run's default --max-tokens); linear passes 2×
// near 50 users; shed keeps its latency and its failures pass 1% at 30
// users. These figures are indicative only: they vary with the machine's
// load.
//
// # Cost
//
// The simulator starts no goroutine per request or per token: each request
// is timed on its net/http handler goroutine with one reusable timer, and
// deadlines accumulate from the start so timer lateness does not add up.
// Tokens due less than 1 ms ahead are sent together with those already due
// (20 ms for non-streamed answers, which only need the total right), so very
// small token times batch tokens instead of sleeping per token. Streamed
// chunks are flushed as they are written. Thousands of concurrent streams
// cost a goroutine and a timer each (TestManyStreams, LLMREC_SIM_STREAMS=N,
// measures it: 8000 streams held in one process with their clients).
//
// # Determinism
//
// For a given Seed and the same order of arrivals, each request's plan —
// injected failure, jitter factors, token text — is the same: plans are
// drawn from one mutex-guarded seeded source in arrival order, and a
// request's text comes from its own source seeded from its plan. What is not
// deterministic: the arrival order itself under concurrency, the slowdown
// (it depends on what else is in flight at each moment), the actual
// timings (timer and scheduler latency), queue order between requests that
// arrive at the same instant, and the "created" timestamps.
//
// Listen wraps the Server in an http.Server; every goroutine it starts has
// ended when Close, Shutdown or Wait return.
//
// Imports (of ours): nothing: the simulator stands alone, so that any test
// or user can run it against any client.
package sim
