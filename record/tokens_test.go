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

// noUsageServer streams n content chunks (after an empty role chunk) and
// never sends usage, as some OpenAI-compatible servers and mocks do.
func noUsageServer(n int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n")
		for i := range n {
			fmt.Fprintf(w, "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"w%d \"}}]}\n\n", i)
		}
		fmt.Fprint(w, "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}]}\n\n")
		fmt.Fprint(w, "data: [DONE]\n\n")
	})
}

// TestEstimatedOutputTokens: against a server that sends no usage, a
// streamed answer's output tokens are its content chunks, marked as an
// estimate; prompt tokens stay null. With usage, the server's figures are
// kept and nothing is estimated.
func TestEstimatedOutputTokens(t *testing.T) {
	srv := httptest.NewServer(noUsageServer(7))
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
	if est := tokenColumns(&r, res); !est {
		t.Error("no usage: tokenColumns did not report an estimate")
	}
	if r.OutputTokens == nil || *r.OutputTokens != 7 || r.PromptTokens != nil {
		t.Errorf("output %v prompt %v, want 7 and null", r.OutputTokens, r.PromptTokens)
	}

	var u schemas.Record
	if tokenColumns(&u, target.Result{HasUsage: true, PromptTokens: 3, OutputTokens: 5}) {
		t.Error("usage: reported as an estimate")
	}
	if *u.PromptTokens != 3 || *u.OutputTokens != 5 {
		t.Errorf("usage columns %d %d, want 3 5", *u.PromptTokens, *u.OutputTokens)
	}
	var f schemas.Record
	if tokenColumns(&f, target.Result{}) || f.OutputTokens != nil || f.PromptTokens != nil {
		t.Error("a result without usage or estimate gave token columns")
	}
}
