package target

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestReadPrompts(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []Prompt
		wantErr string
	}{
		{
			name: "plain text",
			in:   "first prompt\n\n  \nsecond {with braces}\r\nthird",
			want: []Prompt{{Text: "first prompt"}, {Text: "second {with braces}"}, {Text: "third"}},
		},
		{
			name: "plain text with leading blank lines and BOM",
			in:   "\xef\xbb\xbf\n\nhello\n",
			want: []Prompt{{Text: "hello"}},
		},
		{
			name: "jsonl prompt and messages",
			in: `{"prompt": "tell me a joke", "id": 7}` + "\n\n" +
				`{"messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}]}` + "\r\n",
			want: []Prompt{
				{Text: "tell me a joke"},
				{Messages: []Message{{Role: "system", Content: "be brief"}, {Role: "user", Content: "hi"}}},
			},
		},
		{
			name: "jsonl with leading blank line",
			in:   "\n   \n" + `{"prompt": "x"}`,
			want: []Prompt{{Text: "x"}},
		},
		{name: "empty", in: "", wantErr: "no prompts found"},
		{name: "only blank lines", in: "\n  \n\r\n", wantErr: "no prompts found"},
		{name: "bad json", in: `{"prompt": "a"}` + "\n" + `{"prompt": `, wantErr: "line 2: invalid JSON"},
		{name: "plain line in jsonl", in: `{"prompt": "a"}` + "\n\nnot json\n", wantErr: "line 3: invalid JSON"},
		{name: "neither", in: `{"text": "a"}`, wantErr: `line 1: needs a "prompt" string or a "messages" array`},
		{name: "both", in: `{"prompt": "a", "messages": []}`, wantErr: "line 1: has both"},
		{name: "empty prompt", in: `{"prompt": "a"}` + "\n" + `{"prompt": " "}`, wantErr: `line 2: "prompt" is empty`},
		{name: "empty messages", in: `{"messages": []}`, wantErr: `line 1: "messages" is empty`},
		{name: "message without role", in: `{"messages": [{"content": "x"}]}`, wantErr: `line 1: message 1 has no "role"`},
		{name: "message without content", in: `{"messages": [{"role": "user", "content": "x"}, {"role": "user"}]}`, wantErr: `line 1: message 2 has no "content"`},
		{name: "prompt not a string", in: `{"prompt": 3}`, wantErr: "line 1: invalid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadPrompts(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestLoadPrompts(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "p.jsonl")
	if err := os.WriteFile(p, []byte(`{"prompt":"a"}`+"\n"+`{"prompt":"b"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ps, err := LoadPrompts(context.Background(), p)
	if err != nil || len(ps) != 2 {
		t.Fatalf("LoadPrompts = %v, %v", ps, err)
	}
	if _, err := LoadPrompts(context.Background(), filepath.Join(dir, "missing")); err == nil {
		t.Error("missing file: no error")
	}
	bad := filepath.Join(dir, "bad.jsonl")
	_ = os.WriteFile(bad, []byte(`{"prompt":"a"}`+"\n"+`{`), 0o600)
	if _, err := LoadPrompts(context.Background(), bad); err == nil || !strings.Contains(err.Error(), "bad.jsonl: line 2") {
		t.Errorf("bad file: %v", err)
	}
}

func TestBuiltinPrompts(t *testing.T) {
	ps := BuiltinPrompts()
	if len(ps) < 15 {
		t.Fatalf("%d builtin prompts", len(ps))
	}
	seen := map[string]bool{}
	for _, p := range ps {
		if p.Text == "" || seen[p.Text] {
			t.Errorf("empty or duplicate prompt %q", p.Text)
		}
		seen[p.Text] = true
	}
	ps[0].Text = "changed"
	if BuiltinPrompts()[0].Text == "changed" {
		t.Error("BuiltinPrompts shares its slice")
	}
}

// FuzzReadPrompts checks that any input either fails or yields prompts
// that are usable, and that plain text yields one prompt per non-blank line.
func FuzzReadPrompts(f *testing.F) {
	for _, s := range []string{
		"hello\nworld\n",
		`{"prompt": "a"}` + "\n" + `{"messages": [{"role":"user","content":"b"}]}`,
		"\xef\xbb\xbf{\"prompt\":\"x\"}\r\n",
		"\n\n  \n",
		`{"messages": [{"role":"user"}]}`,
		"[\n {\"conversations\": [{\"from\": \"human\", \"value\": \"q\"},\n {\"from\": \"gpt\", \"value\": \"answer\"}]}\n]",
		"[INST] a plain prompt [/INST]\nsecond",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		ps, err := ReadPrompts(bytes.NewReader(in))
		if err != nil {
			if ps != nil {
				t.Fatalf("prompts with an error")
			}
			return
		}
		if len(ps) == 0 {
			t.Fatal("no prompts and no error")
		}
		for _, p := range ps {
			if (p.Text == "") == (len(p.Messages) == 0) {
				t.Fatalf("prompt must have exactly one of text and messages: %#v", p)
			}
			for _, m := range p.Messages {
				if m.Role == "" {
					t.Fatalf("message without role: %#v", p)
				}
			}
		}
		for _, p := range ps {
			if p.MaxTokens < 0 {
				t.Fatalf("negative output budget: %#v", p)
			}
		}
		if isShareGPT(bufio.NewReaderSize(bytes.NewReader(in), 64<<10)) {
			return
		}
		if len(ps[0].Messages) == 0 && !strings.HasPrefix(strings.TrimSpace(strings.TrimPrefix(string(in), "\xef\xbb\xbf")), "{") {
			n := 0
			for _, l := range strings.Split(strings.TrimPrefix(string(in), "\xef\xbb\xbf"), "\n") {
				if strings.TrimSpace(l) != "" {
					n++
				}
			}
			if n != len(ps) {
				t.Fatalf("plain text: %d non-blank lines, %d prompts", n, len(ps))
			}
		}
	})
}
