package record

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/llmrec/llmrec/record/target"
	"github.com/llmrec/llmrec/schemas"
)

// seenRequest is one request a recording server received, in arrival order.
type seenRequest struct {
	body     []byte
	messages []target.Message // chat
	prompt   string           // completions
}

// answerOf is the answer a recording server gives its i-th request
// (0-based): with a JSON escape and a non-ASCII letter, so that the
// recorder must decode what it carries.
func answerOf(i int) string { return fmt.Sprintf("answer %d: \"quoted\" é", i) }

// recordingServer is an OpenAI-compatible server that keeps every request
// and answers request i with answerOf(i) (streamed in two chunks when
// asked), failing the requests whose index fail holds with a 500.
func recordingServer(t *testing.T, fail map[int]bool) (*httptest.Server, func() []seenRequest) {
	t.Helper()
	var mu sync.Mutex
	var seen []seenRequest
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Messages []target.Message `json:"messages"`
			Prompt   string           `json:"prompt"`
			Stream   bool             `json:"stream"`
		}
		body, err := io.ReadAll(r.Body)
		if err == nil {
			err = json.Unmarshal(body, &req)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		i := len(seen)
		seen = append(seen, seenRequest{body: body, messages: req.Messages, prompt: req.Prompt})
		mu.Unlock()
		if fail[i] {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		writeAnswer(w, answerOf(i), req.Stream, r.URL.Path == "/v1/chat/completions")
	}))
	t.Cleanup(srv.Close)
	return srv, func() []seenRequest { mu.Lock(); defer mu.Unlock(); return slices.Clone(seen) }
}

// writeAnswer writes answer as a chat or completions response, streamed in
// two content chunks or whole.
func writeAnswer(w http.ResponseWriter, answer string, stream, chat bool) {
	part := func(s string) any {
		if chat {
			return map[string]any{"choices": []any{map[string]any{"index": 0, "delta": map[string]string{"content": s}}}}
		}
		return map[string]any{"choices": []any{map[string]any{"index": 0, "text": s}}}
	}
	if !stream {
		w.Header().Set("Content-Type", "application/json")
		c := map[string]any{"index": 0, "text": answer, "finish_reason": "stop"}
		if chat {
			c = map[string]any{"index": 0, "message": map[string]string{"role": "assistant", "content": answer}, "finish_reason": "stop"}
		}
		json.NewEncoder(w).Encode(map[string]any{"choices": []any{c}, "usage": map[string]int{"prompt_tokens": 1, "completion_tokens": 2}})
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	half := strings.Index(answer, "\"") // split inside the text: chunks are joined
	for _, s := range []string{answer[:half], answer[half:]} {
		b, _ := json.Marshal(part(s))
		fmt.Fprintf(w, "data: %s\n\n", b)
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
}

// oneUser is a closed loop of one user (its requests reach the server in
// seq order) for about d.
func oneUser(t *testing.T, tgt string, d time.Duration) e2eConfig {
	cfg := quickConfig(t, tgt)
	cfg.Shape = Shape{StepUsers: 1, StepTime: d, MaxUsers: 1}
	cfg.WaitMin, cfg.WaitMax = 0, 0
	return cfg
}

// TestTurnsCarryAnswers: with --turns 3 each request of a user carries its
// conversation so far, its prompts and the answers the server actually
// sent (decoded, whole), as user and assistant messages alternating; the
// bodies grow turn by turn; a new conversation starts after 3 turns and
// after a failed turn; the rows record the turn. The chat API sends the
// messages, the completions API their contents joined.
func TestTurnsCarryAnswers(t *testing.T) {
	for _, tc := range []struct {
		api    string
		stream bool
	}{{target.APIChat, true}, {target.APIChat, false}, {target.APICompletions, true}, {target.APICompletions, false}} {
		t.Run(fmt.Sprintf("%s stream=%t", tc.api, tc.stream), func(t *testing.T) {
			srv, seen := recordingServer(t, map[int]bool{4: true})
			cfg := oneUser(t, srv.URL, 400*time.Millisecond)
			cfg.API, cfg.Stream, cfg.Model = tc.api, tc.stream, "m1"
			cfg.Workload.Turns = 3
			if _, err := runE2E(context.Background(), cfg); err != nil {
				t.Fatal(err)
			}
			rows, meta := readRun(t, cfg.Out)
			reqs := seen()
			if len(rows) < 8 || len(rows) != len(reqs) || meta.Workload.Turns != 3 {
				t.Fatalf("%d rows, %d requests, workload %+v: want the same count, at least 8, turns 3", len(rows), len(reqs), meta.Workload)
			}
			checkTurns(t, tc.api, rows, reqs)
		})
	}
}

// checkTurns checks rows (in seq order) against the requests the server
// saw in the same order (see TestTurnsCarryAnswers).
func checkTurns(t *testing.T, api string, rows []schemas.Record, reqs []seenRequest) {
	t.Helper()
	slices.SortFunc(rows, func(a, b schemas.Record) int { return int(a.Seq - b.Seq) })
	want := int32(1)
	var history []target.Message
	for i, r := range rows {
		if r.Turn == nil || *r.Turn != want || r.Prefix != nil {
			t.Fatalf("row %d: turn %v prefix %v, want turn %d and no prefix", i, r.Turn, r.Prefix, want)
		}
		got := reqs[i]
		if api == target.APIChat {
			n := len(got.messages)
			if n != 2*int(want)-1 || !slices.Equal(got.messages[:n-1], history) || got.messages[n-1].Role != "user" {
				t.Fatalf("request %d (turn %d): messages %+v, want the history %+v then a user message", i, want, got.messages, history)
			}
			history = append(got.messages, target.Message{Role: "assistant", Content: answerOf(i)})
		} else {
			var parts []string
			for _, m := range history {
				parts = append(parts, m.Content)
			}
			if len(history) > 0 && !strings.HasPrefix(got.prompt, strings.Join(parts, "\n")+"\n") {
				t.Fatalf("request %d (turn %d): prompt %q does not start with the conversation %q", i, want, got.prompt, parts)
			}
			history = append(history, target.Message{Role: "user", Content: "?"}, target.Message{Role: "assistant", Content: answerOf(i)})
			history[len(history)-2].Content = strings.TrimPrefix(got.prompt, strings.Join(parts, "\n")+"\n")
			if len(parts) == 0 {
				history[len(history)-2].Content = got.prompt
			}
		}
		if want > 1 && len(got.body) <= len(reqs[i-1].body) {
			t.Errorf("request %d (turn %d) is %d bytes, not more than the turn before (%d)", i, want, len(got.body), len(reqs[i-1].body))
		}
		want++
		if !r.OK || want > 3 {
			want, history = 1, nil
		}
	}
	if ok := rows[4].OK; ok {
		t.Fatalf("row 4 succeeded; the server failed it")
	}
}

// TestTurnsSimulatorCountsTheConversation: the built-in simulator takes a
// conversation's messages whole and counts every message's tokens as the
// prompt, so a later turn's prompt_tokens is the turn before's plus its
// answer and the new prompt: it grows turn by turn.
func TestTurnsSimulatorCountsTheConversation(t *testing.T) {
	cfg := oneUser(t, "", 600*time.Millisecond)
	cfg.Stream = true
	cfg.Sim.TokenMS, cfg.Sim.PrefillMS, cfg.MaxTokens = 0.2, 5, 64 // 64 tokens are at least 128 bytes (the shortest word is 2)
	cfg.Workload.Turns = 3
	if _, err := runE2E(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	rows, _ := readRun(t, cfg.Out)
	slices.SortFunc(rows, func(a, b schemas.Record) int { return int(a.Seq - b.Seq) })
	conversations := 0
	for i, r := range rows {
		if !r.OK || r.Turn == nil || r.PromptTokens == nil || r.OutputTokens == nil {
			t.Fatalf("row %d: ok %t turn %v prompt %v output %v", i, r.OK, r.Turn, r.PromptTokens, r.OutputTokens)
		}
		if *r.Turn == 1 {
			conversations++
			continue
		}
		prev := rows[i-1]
		// The turn before's prompt and answer, and at least one token
		// of the new prompt: the answer carried is the text received,
		// about 4 bytes a token as the simulator counts: half a token
		// for each word answered is the least it can add, and more than
		// any new prompt without the answer adds (at most 22).
		if least := *prev.PromptTokens + *prev.OutputTokens/2 + 1; *r.PromptTokens < least {
			t.Errorf("row %d (turn %d): %d prompt tokens, want at least %d (turn %d had %d and answered %d)",
				i, *r.Turn, *r.PromptTokens, least, *prev.Turn, *prev.PromptTokens, *prev.OutputTokens)
		}
	}
	if conversations < 2 {
		t.Fatalf("%d conversations in %d rows: want at least 2", conversations, len(rows))
	}
}

// TestPrefixes: with --prefix-tokens 40 --prefixes 3 every prompt the
// server receives starts with one of the run's three prefixes (40 words,
// then a blank line), each is used, and each row's prefix is the one its
// request carried; in a closed and an open loop, and with turns (where a
// conversation keeps the prefix of its first turn).
func TestPrefixes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		open  bool
		turns int
	}{{"closed", false, 0}, {"open", true, 0}, {"turns", false, 2}} {
		t.Run(tc.name, func(t *testing.T) {
			srv, seen := recordingServer(t, nil)
			cfg := oneUser(t, srv.URL, 500*time.Millisecond)
			cfg.Model = "m1"
			cfg.Workload.PrefixTokens, cfg.Workload.Prefixes, cfg.Workload.Turns = 40, 3, tc.turns
			if tc.open { // one in flight: the server sees them in seq order
				cfg.OpenLoop = OpenLoop{Kind: ArrivalConstant, Rate: 60, StepTime: 500 * time.Millisecond, Burstiness: 1, MaxConcurrency: 1}
			}
			if _, err := runE2E(context.Background(), cfg); err != nil {
				t.Fatal(err)
			}
			rows, meta := readRun(t, cfg.Out)
			if w := meta.Workload; w.PrefixTokens != 40 || w.Prefixes != 3 {
				t.Fatalf("footer workload %+v: want prefix_tokens 40, prefixes 3", w)
			}
			checkPrefixes(t, rows, seen(), target.SharedPrefixes(40, 3, meta.Workload.Seed))
		})
	}
}

// checkPrefixes checks that request i starts with prefixes[rows[i].Prefix]
// and that every prefix was used.
func checkPrefixes(t *testing.T, rows []schemas.Record, reqs []seenRequest, prefixes []string) {
	t.Helper()
	slices.SortFunc(rows, func(a, b schemas.Record) int { return int(a.Seq - b.Seq) })
	if len(rows) < 10 || len(rows) != len(reqs) {
		t.Fatalf("%d rows, %d requests: want the same count, at least 10", len(rows), len(reqs))
	}
	used := map[int32]int{}
	for i, r := range rows {
		text := reqs[i].messages[0].Content
		starts := -1
		for k, p := range prefixes {
			if len(strings.Fields(p)) != 40 {
				t.Fatalf("prefix %d has %d words, want 40", k, len(strings.Fields(p)))
			}
			if strings.HasPrefix(text, p+target.PrefixSeparator) {
				starts = k
			}
		}
		if r.Prefix == nil || int(*r.Prefix) != starts {
			t.Fatalf("row %d: prefix column %v, but the request starts with prefix %d: %.60q", i, r.Prefix, starts, text)
		}
		used[*r.Prefix]++
	}
	if len(used) != len(prefixes) {
		t.Errorf("prefixes used %v: want each of %d", used, len(prefixes))
	}
}
