package record

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/llmrec/llmrec/record/target"
	"github.com/llmrec/llmrec/schemas"
)

// noUsageServer streams n content chunks of text each (after an empty
// role chunk) and never sends usage, as some OpenAI-compatible servers
// and mocks do. text is a JSON string's content (escapes allowed).
func noUsageServer(n int, text string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n")
		for range n {
			fmt.Fprintf(w, "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"%s\"}}]}\n\n", text)
		}
		fmt.Fprint(w, "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}]}\n\n")
		fmt.Fprint(w, "data: [DONE]\n\n")
	})
}

// TestEstimatedOutputTokens: against a server that sends no usage, a
// streamed answer's output tokens are estimated from its text, 4 bytes a
// token (unescaped: \u00e9 is 2 bytes), never fewer than its content
// chunks, and marked as a text estimate; prompt tokens stay null. With
// usage, the server's figures are kept and nothing is estimated.
func TestEstimatedOutputTokens(t *testing.T) {
	for _, tc := range []struct {
		name   string
		chunks int
		text   string
		want   int32
	}{
		{"a token a chunk", 7, "w1 ", 7},                   // 21 bytes: 6 by text, 7 by chunks
		{"two tokens a chunk", 10, " held back", 25},       // 100 bytes; 10 chunks would say 10
		{"escaped text", 4, "caf\\u00e9 \\n\\\"x\\\"", 10}, // "café \n\"x\"": 10 bytes a chunk
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(noUsageServer(tc.chunks, tc.text))
			t.Cleanup(srv.Close)
			c, err := target.New(target.Options{Target: srv.URL, API: target.APIChat, Stream: true, MaxTokens: 7})
			if err != nil {
				t.Fatal(err)
			}
			res := c.Do(context.Background(), target.Prompt{Text: "hi"})
			if !res.OK || res.HasUsage {
				t.Fatalf("result %+v, want ok without usage", res)
			}
			var r schemas.Record
			if est := tokenColumns(&r, res); est != fromText {
				t.Errorf("no usage: tokenColumns said %d, want an estimate from text", est)
			}
			if r.OutputTokens == nil || r.PromptTokens != nil {
				t.Fatalf("output %v prompt %v, want a count and null", r.OutputTokens, r.PromptTokens)
			}
			if *r.OutputTokens != tc.want {
				t.Errorf("output tokens %d, want %d", *r.OutputTokens, tc.want)
			}
		})
	}
	var u schemas.Record
	if tokenColumns(&u, target.Result{HasUsage: true, PromptTokens: 3, OutputTokens: 5}) != fromServer {
		t.Error("usage: reported as an estimate")
	}
	if *u.PromptTokens != 3 || *u.OutputTokens != 5 {
		t.Errorf("usage columns %d %d, want 3 5", *u.PromptTokens, *u.OutputTokens)
	}
	var f schemas.Record
	if tokenColumns(&f, target.Result{}) != fromServer || f.OutputTokens != nil || f.PromptTokens != nil {
		t.Error("a result without usage or estimate gave token columns")
	}
}
