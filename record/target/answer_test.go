package target

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestAppendAnswer: chunk texts are decoded (escapes or not) and joined,
// and the answer stops at MaxAnswerBytes without cutting a character.
func TestAppendAnswer(t *testing.T) {
	quote := func(s string) []byte { b, _ := json.Marshal(s); return b }
	var a []byte
	for _, s := range []string{"plain ", "with \"escapes\"\n", "é ✓ \U0001F600"} {
		a = appendAnswer(a, quote(s))
	}
	if got, want := string(a), "plain with \"escapes\"\né ✓ \U0001F600"; got != want {
		t.Fatalf("joined %q, want %q", got, want)
	}
	for _, fill := range []int{MaxAnswerBytes - 1, MaxAnswerBytes - 2, MaxAnswerBytes - 3} {
		a := appendAnswer([]byte(strings.Repeat("x", fill)), quote("\U0001F600\U0001F600"))
		if len(a) > MaxAnswerBytes || !utf8.Valid(a) || len(a) != fill {
			t.Errorf("filled to %d, then a 4-byte character: %d bytes, valid %t; want %d bytes", fill, len(a), utf8.Valid(a), fill)
		}
	}
	a = appendAnswer([]byte(strings.Repeat("x", MaxAnswerBytes-4)), quote("\U0001F600\U0001F600"))
	if len(a) != MaxAnswerBytes || !utf8.Valid(a) {
		t.Errorf("room for one character: %d bytes, valid %t", len(a), utf8.Valid(a))
	}
}

// TestScanChunkTextSpan: the span of the chunk's content string, quotes
// included, for chat deltas and completions text.
func TestScanChunkTextSpan(t *testing.T) {
	for in, want := range map[string]string{
		`{"choices":[{"delta":{"content":"a\"b"}}]}`:              `"a\"b"`,
		`{"choices":[{"text":"xyz","finish_reason":"stop"}]}`:     `"xyz"`,
		`{"choices":[{"delta":{"content":""}}]}`:                  ``,
		`{"choices":[{"delta":{"content":"a"}}],"choices":[]}`:    ``,
		`{"choices":[{"delta":{"role":"assistant"}}],"usage":{}}`: ``,
	} {
		info, ok := scanChunk([]byte(in))
		if got := in[info.textStart:info.textEnd]; !ok || got != want {
			t.Errorf("%s: span %q, want %q", in, got, want)
		}
	}
}

// TestAnswersNeedAnOpenAIAPI: the http API has no answer text to keep.
func TestAnswersNeedAnOpenAIAPI(t *testing.T) {
	o := Options{Target: "http://127.0.0.1:1/x", API: APIHTTP, Answers: true}
	if err := o.Validate(); err == nil || !strings.Contains(err.Error(), "no answer text to keep") {
		t.Errorf("answers over http: %v", err)
	}
}
