package sim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestModels(t *testing.T) {
	for _, profile := range Profiles() {
		t.Run(profile, func(t *testing.T) {
			cfg := fastConfig()
			cfg.Profile = profile
			_, ts := startServer(t, cfg)
			resp, err := http.Get(ts.URL + "/v1/models")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var got struct {
				Object string `json:"object"`
				Data   []struct {
					ID     string `json:"id"`
					Object string `json:"object"`
				} `json:"data"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusOK || got.Object != "list" || len(got.Data) != 1 ||
				got.Data[0].ID != "sim-"+profile || got.Data[0].Object != "model" {
				t.Errorf("GET /v1/models = %d %+v, want 200 with one model sim-%s", resp.StatusCode, got, profile)
			}
		})
	}
}

func TestRoutingErrors(t *testing.T) {
	_, ts := startServer(t, fastConfig())
	tests := []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/v1/nothing", http.StatusNotFound},
		{http.MethodPost, "/v2/chat/completions", http.StatusNotFound},
		{http.MethodGet, "/v1/chat/completions", http.StatusMethodNotAllowed},
		{http.MethodPost, "/v1/models", http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, ts.URL+tt.path, strings.NewReader("{}"))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.want)
			}
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			errorBody(t, body)
		})
	}
}

func TestBadRequests(t *testing.T) {
	s, ts := startServer(t, fastConfig())
	tests := []struct {
		name, path, body, wantMsg string
	}{
		{"chat bad json", "/v1/chat/completions", `{"messages": [`, "invalid json"},
		{"completions bad json", "/v1/completions", `not json`, "invalid json"},
		{"trailing garbage", "/v1/completions", `{"prompt":"x"} {}`, "invalid json"},
		{"wrong type", "/v1/chat/completions", `{"messages": "hi"}`, "invalid json"},
		{"no messages", "/v1/chat/completions", `{"model":"m"}`, "messages"},
		{"zero max_tokens", "/v1/completions", `{"prompt":"x","max_tokens":0}`, "max_tokens"},
		{"negative max_completion_tokens", "/v1/chat/completions",
			`{"messages":[{"role":"user","content":"x"}],"max_completion_tokens":-3}`, "max_completion_tokens"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := post(t, t.Context(), ts.URL+tt.path, tt.body)
			if status != http.StatusBadRequest {
				t.Fatalf("status = %d, want 400; body %s", status, body)
			}
			e := errorBody(t, body)
			if e.Type != "invalid_request_error" || !strings.Contains(e.Message, tt.wantMsg) {
				t.Errorf("error = %+v, want type invalid_request_error and a message about %q", e, tt.wantMsg)
			}
		})
	}
	if got := s.Stats(); got.BadRequests != int64(len(tests)) || got.Requests != 0 {
		t.Errorf("stats = %+v, want %d bad requests and no requests", got, len(tests))
	}
}

// chunk is the union of the streamed chunk shapes.
type chunk struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Model   string `json:"model"`
	Choices []struct {
		Index int `json:"index"`
		Delta *struct {
			Role    *string `json:"role"`
			Content *string `json:"content"`
		} `json:"delta"`
		Text         *string `json:"text"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *usage `json:"usage"`
}

func TestStreaming(t *testing.T) {
	const chatBody = `{"model":"my-model","stream":true,%s"messages":[{"role":"user","content":"0123456789012345678901234567890123456789"}]}`
	const complBody = `{"model":"my-model","stream":true,%s"prompt":"0123456789012345678901234567890123456789"}`
	tests := []struct {
		name         string
		path, body   string
		chat         bool
		wantTokens   int
		wantFinish   string
		includeUsage bool
		wantPrompt   int
	}{
		{"chat default", "/v1/chat/completions", fmt.Sprintf(chatBody, ""), true, 8, "stop", false, 11},
		{"chat usage max_tokens", "/v1/chat/completions", fmt.Sprintf(chatBody, `"max_tokens":5,"stream_options":{"include_usage":true},`), true, 5, "length", true, 11},
		{"chat max_completion_tokens", "/v1/chat/completions", fmt.Sprintf(chatBody, `"max_tokens":5,"max_completion_tokens":3,"stream_options":{"include_usage":true},`), true, 3, "length", true, 11},
		{"completions default", "/v1/completions", fmt.Sprintf(complBody, ""), false, 8, "stop", false, 10},
		{"completions usage", "/v1/completions", fmt.Sprintf(complBody, `"max_tokens":12,"stream_options":{"include_usage":true},`), false, 12, "length", true, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ts := startServer(t, fastConfig())
			status, header, body := post(t, t.Context(), ts.URL+tt.path, tt.body)
			if status != http.StatusOK {
				t.Fatalf("status = %d, body %s", status, body)
			}
			if ct := header.Get("Content-Type"); ct != "text/event-stream" {
				t.Errorf("Content-Type = %q, want text/event-stream", ct)
			}
			events := sseEvents(t, body)
			if len(events) == 0 || events[len(events)-1] != "[DONE]" {
				t.Fatalf("stream does not end with [DONE]: %q", events)
			}
			events = events[:len(events)-1]
			var chunks []chunk
			for _, e := range events {
				var c chunk
				if err := json.Unmarshal([]byte(e), &c); err != nil {
					t.Fatalf("chunk %q: %v", e, err)
				}
				// Every chunk carries "usage" (null) exactly when usage was asked for.
				if hasUsage := strings.Contains(e, `"usage":`); hasUsage != tt.includeUsage {
					t.Errorf("chunk %s: has usage key = %v, want %v", e, hasUsage, tt.includeUsage)
				}
				chunks = append(chunks, c)
			}
			wantObject := "text_completion"
			if tt.chat {
				wantObject = "chat.completion.chunk"
			}
			for _, c := range chunks {
				if c.ID != chunks[0].ID || c.ID == "" || c.Object != wantObject || c.Model != "my-model" {
					t.Errorf("chunk id/object/model = %q/%q/%q, want one id, %q, my-model", c.ID, c.Object, c.Model, wantObject)
				}
			}

			// Role chunk (chat), content chunks, finish chunk, usage chunk.
			i := 0
			if tt.chat {
				c := chunks[i]
				if len(c.Choices) != 1 || c.Choices[0].Delta == nil || c.Choices[0].Delta.Role == nil || *c.Choices[0].Delta.Role != "assistant" {
					t.Fatalf("first chat chunk %s has no assistant role", events[0])
				}
				i++
			}
			var text strings.Builder
			content := 0
			for ; i < len(chunks); i++ {
				c := chunks[i]
				if len(c.Choices) != 1 || c.Choices[0].FinishReason != nil {
					break
				}
				var piece *string
				if tt.chat {
					if c.Choices[0].Delta == nil || c.Choices[0].Delta.Role != nil {
						t.Fatalf("content chunk %s: want a delta without role", events[i])
					}
					piece = c.Choices[0].Delta.Content
				} else {
					piece = c.Choices[0].Text
				}
				if piece == nil || *piece == "" {
					t.Fatalf("content chunk %s has no text", events[i])
				}
				text.WriteString(*piece)
				content++
			}
			if content != tt.wantTokens || len(strings.Fields(text.String())) != tt.wantTokens {
				t.Errorf("got %d content chunks, text %q; want %d tokens", content, text.String(), tt.wantTokens)
			}
			if i >= len(chunks) || len(chunks[i].Choices) != 1 || chunks[i].Choices[0].FinishReason == nil ||
				*chunks[i].Choices[0].FinishReason != tt.wantFinish {
				t.Fatalf("no finish chunk with finish_reason %q after the content: %q", tt.wantFinish, events[i:])
			}
			i++
			if tt.includeUsage {
				if i >= len(chunks) {
					t.Fatal("no usage chunk")
				}
				u := chunks[i]
				if len(u.Choices) != 0 || u.Usage == nil || !strings.Contains(events[i], `"choices":[]`) {
					t.Fatalf("usage chunk %s: want empty choices and a usage", events[i])
				}
				want := usage{PromptTokens: tt.wantPrompt, CompletionTokens: tt.wantTokens, TotalTokens: tt.wantPrompt + tt.wantTokens}
				if *u.Usage != want {
					t.Errorf("usage = %+v, want %+v", *u.Usage, want)
				}
				i++
			}
			if i != len(chunks) {
				t.Errorf("unexpected chunks before [DONE]: %q", events[i:])
			}
		})
	}
}

func TestNonStreaming(t *testing.T) {
	tests := []struct {
		name, path, body string
		chat             bool
		wantUsage        usage
		wantFinish       string
	}{
		{"chat", "/v1/chat/completions", `{"messages":[{"role":"system","content":"be brief"},{"role":"user","content":[{"type":"text","text":"0123456789"}]}]}`,
			true, usage{7, 8, 15}, "stop"}, // (6+8+4+10)/4 = 7
		{"chat max_tokens", "/v1/chat/completions", `{"model":"x","max_tokens":20,"messages":[{"role":"user","content":"hello"}]}`,
			true, usage{3, 20, 23}, "length"},
		{"completions", "/v1/completions", `{"prompt":"01234567890123456789"}`, false, usage{5, 8, 13}, "stop"},
		{"completions token ids", "/v1/completions", `{"prompt":[1,2,3,4,5,6,7],"max_tokens":2}`, false, usage{7, 2, 9}, "length"},
		{"completions prompt list", "/v1/completions", `{"prompt":["0123","4567"],"max_tokens":1}`, false, usage{2, 1, 3}, "length"},
		{"capped max_tokens", "/v1/completions", `{"prompt":"x","max_tokens":100000}`, false, usage{1, MaxTokensCap, MaxTokensCap + 1}, "length"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := fastConfig()
			cfg.TokenMS = 0.001
			s, ts := startServer(t, cfg)
			status, header, body := post(t, t.Context(), ts.URL+tt.path, tt.body)
			if status != http.StatusOK || header.Get("Content-Type") != "application/json" {
				t.Fatalf("status = %d, Content-Type %q, body %s", status, header.Get("Content-Type"), body)
			}
			var got struct {
				ID      string `json:"id"`
				Object  string `json:"object"`
				Choices []struct {
					Message *struct {
						Role    string `json:"role"`
						Content string `json:"content"`
					} `json:"message"`
					Text         *string `json:"text"`
					FinishReason string  `json:"finish_reason"`
				} `json:"choices"`
				Usage *usage `json:"usage"`
			}
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatal(err)
			}
			if len(got.Choices) != 1 || got.Usage == nil {
				t.Fatalf("body %s: want one choice and a usage", body)
			}
			var text, object string
			if tt.chat {
				object = "chat.completion"
				if got.Choices[0].Message == nil || got.Choices[0].Message.Role != "assistant" {
					t.Fatalf("body %s: want an assistant message", body)
				}
				text = got.Choices[0].Message.Content
			} else {
				object = "text_completion"
				if got.Choices[0].Text == nil {
					t.Fatalf("body %s: want choices[0].text", body)
				}
				text = *got.Choices[0].Text
			}
			if got.Object != object || got.ID == "" {
				t.Errorf("object = %q, id %q; want %q and an id", got.Object, got.ID, object)
			}
			if *got.Usage != tt.wantUsage {
				t.Errorf("usage = %+v, want %+v", *got.Usage, tt.wantUsage)
			}
			if n := len(strings.Fields(text)); n != tt.wantUsage.CompletionTokens {
				t.Errorf("text has %d words, want %d", n, tt.wantUsage.CompletionTokens)
			}
			if got.Choices[0].FinishReason != tt.wantFinish {
				t.Errorf("finish_reason = %q, want %q", got.Choices[0].FinishReason, tt.wantFinish)
			}
			// The handler counts after the response is written.
			waitFor(t, "the request to be counted as served", func() bool {
				st := s.Stats()
				return st.Requests == 1 && st.Served == 1 && st.InFlight == 0
			})
		})
	}
}

// TestDeterministicText checks that the same seed and arrival order give
// the same text, and another seed another text.
func TestDeterministicText(t *testing.T) {
	texts := func(seed int64) []string {
		cfg := fastConfig()
		cfg.Seed = seed
		cfg.MaxTokens = 16
		_, ts := startServer(t, cfg)
		var out []string
		for range 3 {
			_, _, body := post(t, t.Context(), ts.URL+"/v1/completions", `{"prompt":"x"}`)
			var got struct {
				Choices []struct{ Text string } `json:"choices"`
			}
			if err := json.Unmarshal(body, &got); err != nil || len(got.Choices) != 1 {
				t.Fatalf("body %s: %v", body, err)
			}
			out = append(out, got.Choices[0].Text)
		}
		return out
	}
	a, b, c := texts(42), texts(42), texts(43)
	if strings.Join(a, "|") != strings.Join(b, "|") {
		t.Errorf("seed 42 gave different texts:\n%q\n%q", a, b)
	}
	if strings.Join(a, "|") == strings.Join(c, "|") {
		t.Errorf("seeds 42 and 43 gave the same texts %q", a)
	}
	if a[0] == a[1] {
		t.Errorf("two requests got the same text %q", a[0])
	}
}

func TestInjectedErrors(t *testing.T) {
	cfg := fastConfig()
	cfg.ErrorRate = 1
	s, ts := startServer(t, cfg)
	status, _, body := post(t, t.Context(), ts.URL+"/v1/chat/completions", `{"messages":[{"role":"user","content":"x"}],"stream":true}`)
	if status != http.StatusInternalServerError {
		t.Fatalf("status = %d, want 500", status)
	}
	if e := errorBody(t, body); e.Type != "server_error" {
		t.Errorf("error type = %q, want server_error", e.Type)
	}
	if st := s.Stats(); st.Failed != 1 || st.Served != 0 || st.InFlight != 0 {
		t.Errorf("stats = %+v, want 1 failed, 0 served, none in flight", st)
	}
}

// FuzzComplete feeds arbitrary bodies to both endpoints: the answer is a
// 200 or an OpenAI error object, never a panic.
func FuzzComplete(f *testing.F) {
	for _, seed := range []string{
		`{"messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}}`,
		`{"prompt":[[1,2],[3]],"max_tokens":3}`,
		`{"messages":[{"role":"user","content":[{"type":"text","text":"a"}]}]}`,
		`{"prompt":null}`, `[]`, `{`,
	} {
		f.Add(seed)
	}
	cfg := fastConfig()
	cfg.TokenMS, cfg.PrefillMS = 0, 0
	s, err := New(cfg)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body string) {
		for _, path := range []string{"/v1/chat/completions", "/v1/completions"} {
			w := httptest.NewRecorder()
			s.ServeHTTP(w, httptest.NewRequest(http.MethodPost, path, strings.NewReader(body)))
			switch w.Code {
			case http.StatusOK:
			case http.StatusBadRequest:
				errorBody(t, w.Body.Bytes())
			default:
				t.Fatalf("%s %q: status %d", path, body, w.Code)
			}
		}
	})
}
