package sim

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestIgnoreEOSAndMinTokens: the simulator accepts vLLM's ignore_eos and
// min_tokens, answers exactly max_tokens tokens, lets min_tokens lengthen
// a default-length answer, and refuses a min_tokens it cannot honour.
func TestIgnoreEOSAndMinTokens(t *testing.T) {
	cfg := fastConfig()
	cfg.TokenMS = 0.01
	_, ts := startServer(t, cfg)
	tests := []struct {
		body       string
		status     int
		completion int
		errHas     string
	}{
		{`{"messages":[{"role":"user","content":"hi"}],"max_tokens":128,"ignore_eos":true}`, 200, 128, ""},
		{`{"prompt":"hi","max_tokens":33,"ignore_eos":true,"min_tokens":33}`, 200, 33, ""},
		{`{"messages":[{"role":"user","content":"hi"}],"min_tokens":20}`, 200, 20, ""}, // default 8, raised
		{`{"messages":[{"role":"user","content":"hi"}],"max_tokens":5,"min_tokens":6}`, 400, 0, "min_tokens (6)"},
		{`{"messages":[{"role":"user","content":"hi"}],"min_tokens":-1}`, 400, 0, "min_tokens must not be negative"},
	}
	for _, tt := range tests {
		path := "/v1/chat/completions"
		if strings.Contains(tt.body, `"prompt"`) {
			path = "/v1/completions"
		}
		status, _, b := post(t, context.Background(), ts.URL+path, tt.body)
		if status != tt.status {
			t.Errorf("%s: status %d, want %d (%s)", tt.body, status, tt.status, b)
			continue
		}
		if status != http.StatusOK {
			if got := errorBody(t, b); !strings.Contains(got.Message, tt.errHas) {
				t.Errorf("%s: error %q, want %q", tt.body, got.Message, tt.errHas)
			}
			continue
		}
		var r struct {
			Usage usage `json:"usage"`
		}
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		if r.Usage.CompletionTokens != tt.completion {
			t.Errorf("%s: %d completion tokens, want %d", tt.body, r.Usage.CompletionTokens, tt.completion)
		}
	}
}
