package target

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// refChunk computes chunkInfo with encoding/json (map decoding: exact keys,
// the last duplicate wins), the reference scanChunk must agree with.
func refChunk(data []byte) (chunkInfo, bool) {
	if !json.Valid(data) {
		return chunkInfo{}, false
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return chunkInfo{}, false
	}
	var in chunkInfo
	top, _ := v.(map[string]any)
	nonEmpty := func(x any) bool { s, ok := x.(string); return ok && s != "" }
	integer := func(x any) int64 {
		n, ok := x.(json.Number)
		if !ok {
			return 0
		}
		i, err := n.Int64()
		if err != nil || i == math.MinInt64 || strings.ContainsAny(string(n), ".eE") {
			return 0
		}
		return i
	}
	if choices, ok := top["choices"].([]any); ok && len(choices) > 0 {
		if c0, ok := choices[0].(map[string]any); ok {
			if d, ok := c0["delta"].(map[string]any); ok {
				in.deltaContent = nonEmpty(d["content"])
				c, _ := d["content"].(string)
				in.deltaBytes = len(c)
			}
			in.text = nonEmpty(c0["text"])
			t, _ := c0["text"].(string)
			in.textBytes = len(t)
			in.finish = nonEmpty(c0["finish_reason"])
		}
	}
	if u, ok := top["usage"].(map[string]any); ok {
		in.usage = true
		in.prompt = integer(u["prompt_tokens"])
		in.output = integer(u["completion_tokens"])
	}
	if e, ok := top["error"]; ok && e != nil {
		in.hasErr = true
	}
	return in, true
}

func TestScanChunk(t *testing.T) {
	tests := []string{
		benchChunk,
		`{"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}`,
		`{"choices":[{"delta":{"content":"hi"}}]}`,
		`{"choices":[{"text":"hi","finish_reason":"length"}]}`,
		`{"choices":[{"delta":{"content":"a"}},{"delta":{"content":"b"}}]}`,
		`{"choices":[{"delta":{"content":""}},{"delta":{"content":"b"}}]}`,
		`{"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":34,"total_tokens":46}}`,
		`{"usage":null}`,
		`{"usage":{"prompt_tokens":1.5,"completion_tokens":-3}}`,
		`{"usage":{"prompt_tokens":1},"usage":null}`,
		`{"usage":{"prompt_tokens":99999999999999999999}}`,
		`{"error":{"message":"boom","code":500}}`,
		`{"error":null}`,
		`{"x":{"choices":[{"delta":{"content":"nested"}}]}}`,
		` { "choices" : [ { "delta" : { "content" : "\u00e9\n\"" } } ] } `,
		`{"choices":[{"delta":{"content":"\ud83d\ude00 \u4e2d\/x"}}]}`, // an emoji (a surrogate pair), a CJK character: 4+1+3+2 bytes
		`[{"choices":[{"delta":{"content":"x"}}]}]`,
		`"just a string"`, `123`, `-0.5e+3`, `true`, `null`,
		// invalid
		``, ` `, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `{"a":1}}`, `{"a":01}`, `{"a":1.}`, `{"a":.5}`,
		`{"a":"\x"}`, `{"a":"\u12"}`, "{\"a\":\"\x01\"}", `{"a":tru}`, `{"a":nul}`, `{'a':1}`, `{"a":1 "b":2}`,
		`{"a":-}`, `{"a":1e}`, `{"a":"unterminated}`, `nan`,
	}
	for _, in := range tests {
		got, ok := scanChunk([]byte(in))
		want, wantOK := refChunk([]byte(in))
		got.errStart, got.errEnd, got.textStart, got.textEnd = 0, 0, 0, 0
		if ok != wantOK || got != want {
			t.Errorf("scanChunk(%s) = %+v %v, want %+v %v", in, got, ok, want, wantOK)
		}
	}
	deep := strings.Repeat("[", maxScanDepth+1) + strings.Repeat("]", maxScanDepth+1)
	if _, ok := scanChunk([]byte(deep)); ok != json.Valid([]byte(deep)) {
		t.Errorf("deep nesting: scanChunk %v, json.Valid %v", ok, !ok)
	}
	in, ok := scanChunk([]byte(`{"error": {"message":"x"} }`))
	if !ok || string(`{"error": {"message":"x"} }`[in.errStart:in.errEnd]) != `{"message":"x"}` {
		t.Errorf("error span %d:%d", in.errStart, in.errEnd)
	}
}

// FuzzScanChunk checks scanChunk against encoding/json.
func FuzzScanChunk(f *testing.F) {
	f.Add([]byte(benchChunk))
	f.Add([]byte(`{"choices":[{"delta":{"content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":2}}`))
	f.Add([]byte(`{"error":{"code":503},"choices":[{"text":"a"}]}`))
	f.Add([]byte(`[1, -2.5e3, true, false, null, "s\u0041\n"]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, ok := scanChunk(data)
		if ok != json.Valid(data) {
			t.Fatalf("valid = %v, json.Valid = %v", ok, !ok)
		}
		if !ok || bytes.IndexByte(data, '\\') >= 0 {
			return // keys with escapes are not recognised on purpose
		}
		want, _ := refChunk(data)
		got.errStart, got.errEnd, got.textStart, got.textEnd = 0, 0, 0, 0
		if got != want {
			t.Fatalf("got %+v, want %+v", got, want)
		}
	})
}

// streamChunk is the part of an OpenAI stream chunk encoding/json would decode (for comparison).
type streamChunk struct {
	Choices []struct {
		Delta struct {
			Content string `json:"content"`
		} `json:"delta"`
		Text         string  `json:"text"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *usageJSON      `json:"usage"`
	Error json.RawMessage `json:"error"`
}

const benchChunk = `{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":" tok1"},"finish_reason":null}],"usage":null}`

func BenchmarkScanChunk(b *testing.B) {
	data := []byte(benchChunk)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := scanChunk(data); !ok {
			b.Fatal("invalid")
		}
	}
}

func BenchmarkUnmarshalChunk(b *testing.B) {
	data := []byte(benchChunk)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var ch streamChunk
		if err := json.Unmarshal(data, &ch); err != nil {
			b.Fatal(err)
		}
	}
}
