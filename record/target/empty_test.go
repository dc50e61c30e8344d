package target

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/llmrec/llmrec/schemas"
)

// TestEmptyAnswers (round 3): a complete 2xx answer that carries no content
// (a stream of only [DONE], a role chunk and a finish_reason, an empty
// message) while tokens were asked for is a failure of class empty, not a
// fast success; its usage, when sent, is kept. Content, or usage saying
// tokens were generated (a reasoning model's hidden tokens), is a success;
// the http API asks for no tokens and is never judged so.
func TestEmptyAnswers(t *testing.T) {
	stream := func(events ...string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			for _, e := range events {
				sse(w, e)
			}
			sse(w, "[DONE]")
		}
	}
	whole := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, body)
		}
	}
	role := `{"choices":[{"index":0,"delta":{"role":"assistant"},"finish_reason":null}]}`
	for _, tt := range []struct {
		name   string
		api    string
		stream bool
		h      http.HandlerFunc
		empty  bool
		chunks int32
		usage  bool
	}{
		{"stream of only [DONE]", APIChat, true, stream(), true, 0, false},
		{"role and finish, no content", APIChat, true, stream(role, chatFinish()), true, 2, false},
		{"empty content deltas and usage 0", APIChat, true, stream(role, chatDelta(""), usageChunk(12, 0)), true, 3, true},
		{"completions: empty text", APICompletions, true, stream(complText(""), complText("")), true, 2, false},
		{"no content but usage says 5 tokens", APIChat, true, stream(role, usageChunk(12, 5)), false, 2, true},
		{"content, usage 0", APIChat, true, stream(chatDelta("hi"), usageChunk(12, 0)), false, 2, true},
		{"content", APIChat, true, stream(chatDelta("hi"), chatFinish()), false, 2, false},
		{"whole: empty message, usage 0", APIChat, false, whole(`{"choices":[{"index":0,"message":{"role":"assistant","content":""},"finish_reason":"length"}],"usage":{"prompt_tokens":3,"completion_tokens":0}}`), true, 0, true},
		{"whole: no choices, no usage", APIChat, false, whole(`{}`), true, 0, false},
		{"whole: completions empty text", APICompletions, false, whole(`{"choices":[{"index":0,"text":""}]}`), true, 0, false},
		{"whole: content, no usage", APIChat, false, whole(`{"choices":[{"index":0,"message":{"role":"assistant","content":"hi"}}]}`), false, 0, false},
		{"whole: tool call, content null", APIChat, false, whole(`{"choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function"}]}}]}`), false, 0, false},
		{"whole: empty content, usage 4", APIChat, false, whole(`{"choices":[{"index":0,"message":{"content":""}}],"usage":{"prompt_tokens":3,"completion_tokens":4}}`), false, 0, true},
		{"http API, empty body", APIHTTP, false, whole(``), false, 0, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := testOptions(tt.api, quietServer(t, tt.h).URL)
			o.Stream = tt.stream
			if tt.api == APIHTTP {
				o.Method, o.Body = http.MethodPost, `{"q":"x"}`
			}
			res := do(t, o, Prompt{Text: "hello"})
			w := want{status: 200, ok: true}
			if tt.empty {
				w = want{status: 200, class: schemas.ErrEmpty, errHas: "empty answer"}
			}
			checkResult(t, res, w)
			if res.Chunks != tt.chunks || res.HasUsage != tt.usage || tt.empty && res.HasTTFT {
				t.Errorf("chunks %d, usage %v, ttft %v; want %d, %v", res.Chunks, res.HasUsage, res.HasTTFT, tt.chunks, tt.usage)
			}
			if tt.empty && res.OutputEstimated {
				t.Error("an empty answer's tokens are marked estimated")
			}
		})
	}
}
