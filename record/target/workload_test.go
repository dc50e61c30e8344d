package target

import (
	"context"
	"math/rand/v2"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/llmrec/llmrec/record/sim"
)

func TestParseRange(t *testing.T) {
	tests := []struct {
		in      string
		want    Range
		wantErr string
	}{
		{"512", Range{512, 512}, ""},
		{"1", Range{1, 1}, ""},
		{"100-200", Range{100, 200}, ""},
		{" 100 - 200 ", Range{100, 200}, ""},
		{"7-7", Range{7, 7}, ""},
		{"", Range{}, "not a whole number"},
		{"0", Range{}, "not a whole number from 1"},
		{"-5", Range{}, "not a whole number"},
		{"200-100", Range{}, "runs backwards"},
		{"1-2-3", Range{}, "not a whole number"},
		{"1.5", Range{}, "not a whole number"},
		{"2000000", Range{}, "not a whole number from 1 to 1048576"},
		{"10-", Range{}, "not a whole number"},
	}
	for _, tt := range tests {
		got, err := ParseRange(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseRange(%q) = %v, %v; want error %q", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseRange(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
		if back, err := ParseRange(got.String()); err != nil || back != got {
			t.Errorf("ParseRange(%q.String()) = %v, %v", got, back, err)
		}
	}
}

func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"512", "100-200", "0", "-1", "1-", "9-3", " 4 - 5", "1048577"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRange(s)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		if r.Min < 1 || r.Max < r.Min || r.Max > MaxRangeTokens {
			t.Fatalf("ParseRange(%q) = %v: out of bounds", s, r)
		}
		if back, err := ParseRange(r.String()); err != nil || back != r {
			t.Fatalf("round trip of %v: %v, %v", r, back, err)
		}
		rng := rand.New(rand.NewPCG(1, 2))
		for range 10 {
			if n := r.Draw(rng); n < r.Min || n > r.Max {
				t.Fatalf("Draw = %d outside %v", n, r)
			}
		}
	})
}

func TestSyntheticPrompts(t *testing.T) {
	in, out := Range{50, 60}, Range{10, 20}
	ps := SyntheticPrompts(in, out, 200, 7)
	seenIn, seenOut := map[int]bool{}, map[int]bool{}
	for _, p := range ps {
		words := strings.Fields(p.Text)
		if len(words) < in.Min || len(words) > in.Max {
			t.Fatalf("prompt of %d words, want %v", len(words), in)
		}
		if len(p.Text) != 4*len(words)-1 {
			t.Fatalf("prompt of %d words is %d bytes, want 4 a word", len(words), len(p.Text))
		}
		if p.MaxTokens < out.Min || p.MaxTokens > out.Max {
			t.Fatalf("max tokens %d, want %v", p.MaxTokens, out)
		}
		seenIn[len(words)], seenOut[p.MaxTokens] = true, true
	}
	if len(seenIn) != 11 || len(seenOut) != 11 {
		t.Errorf("saw %d prompt lengths and %d budgets, want every one of 11 and 11", len(seenIn), len(seenOut))
	}
	if again := SyntheticPrompts(in, out, 200, 7); !reflect.DeepEqual(ps, again) {
		t.Error("same seed gave different prompts")
	}
	if other := SyntheticPrompts(in, out, 200, 8); reflect.DeepEqual(ps, other) {
		t.Error("another seed gave the same prompts")
	}
	if ps := SyntheticPrompts(Range{3, 3}, Range{}, 1, 1); ps[0].MaxTokens != 0 {
		t.Errorf("no output range: MaxTokens %d, want 0 (the client's)", ps[0].MaxTokens)
	}
	for _, w := range syntheticWords {
		if len(w) != 3 {
			t.Errorf("vocabulary word %q is not 3 letters", w)
		}
	}
}

func TestWithOutput(t *testing.T) {
	ps := []Prompt{{Text: "a"}, {Text: "b"}}
	got := WithOutput(ps, Range{5, 5}, 1)
	if got[0].MaxTokens != 5 || got[1].MaxTokens != 5 || ps[0].MaxTokens != 0 {
		t.Errorf("WithOutput = %+v (input %+v)", got, ps)
	}
}

func TestReadShareGPT(t *testing.T) {
	answer := strings.Repeat("x", 400) // 100 estimated tokens
	in := "\xef\xbb\xbf  \n[" +
		`{"id":"a","conversations":[{"from":"system","value":"be nice"},{"from":"human","value":"first question"},{"from":"gpt","value":"` + answer + `"},{"from":"human","value":"second"}]},` +
		`{"id":"b","conversations":[{"from":"human","value":"no answer"}]},` +
		`{"id":"c","conversations":[{"from":"gpt","value":"answer first"},{"from":"human","value":"q"},{"from":"gpt","value":"abcde"}]},` +
		`{"id":"d","conversations":[]}` + "]\n"
	got, err := ReadPrompts(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Prompt{{Text: "first question", MaxTokens: 100}, {Text: "q", MaxTokens: 2}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	plain, err := ReadPrompts(strings.NewReader("[INST] be brief [/INST]\n[x]\n"))
	if err != nil || len(plain) != 2 || plain[0].Text != "[INST] be brief [/INST]" {
		t.Errorf("plain text starting with '[': %+v, %v", plain, err)
	}
	for _, bad := range []struct{ in, errHas string }{
		{`[]`, "no conversation has a human turn"},
		{`[{"conversations":[{"from":"human","value":"x"}]}]`, "no conversation"},
		{`[{"conversations":3}]`, "conversation 1"},
		{`[{"conversations":[]}`, "ShareGPT"},
	} {
		if _, err := ReadPrompts(strings.NewReader(bad.in)); err == nil || !strings.Contains(err.Error(), bad.errHas) {
			t.Errorf("ReadPrompts(%q) = %v, want %q", bad.in, err, bad.errHas)
		}
	}
}

// TestRequestBudgetAndIgnoreEOS: a prompt's MaxTokens and IgnoreEOS reach
// the request body; without them the body is as before.
func TestRequestBudgetAndIgnoreEOS(t *testing.T) {
	f := &fakeOpenAI{tokens: 2}
	srv := quietServer(t, f)
	for _, api := range []string{APIChat, APICompletions} {
		o := testOptions(api, srv.URL)
		do(t, o, Prompt{Text: "plain"})
		body := f.last().body
		if body["max_tokens"] != float64(16) || body["ignore_eos"] != nil {
			t.Errorf("%s default: max_tokens %v ignore_eos %v, want 16 and absent", api, body["max_tokens"], body["ignore_eos"])
		}
		o.IgnoreEOS = true
		c := newClient(t, o)
		c.Do(context.Background(), Prompt{Text: "same", MaxTokens: 77})
		res := c.Do(context.Background(), Prompt{Text: "same", MaxTokens: 78}) // not the cached body of 77
		if !res.OK || !res.HasUsage || res.OutputEstimated {
			t.Errorf("%s: ok %v usage %v estimated %v, want a server-counted answer", api, res.OK, res.HasUsage, res.OutputEstimated)
		}
		body = f.last().body
		if body["max_tokens"] != float64(78) || body["ignore_eos"] != true {
			t.Errorf("%s: max_tokens %v ignore_eos %v, want 78 and true", api, body["max_tokens"], body["ignore_eos"])
		}
	}
}

// TestSyntheticAgainstSimulator: 512-token prompts with a 128-token budget
// and ignore_eos give exactly 128 output tokens from the simulator, and
// prompt tokens within 10% of 512 by its count.
func TestSyntheticAgainstSimulator(t *testing.T) {
	cfg := sim.DefaultConfig()
	cfg.TokenMS, cfg.PrefillMS, cfg.Jitter = 0.01, 0.1, 0
	s, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	for _, api := range []string{APIChat, APICompletions} {
		for _, stream := range []bool{true, false} {
			o := Options{Target: srv.URL, API: api, Stream: stream, MaxTokens: 16, IgnoreEOS: true}
			c := newClient(t, o)
			for _, p := range SyntheticPrompts(Range{512, 512}, Range{128, 128}, 5, 3) {
				res := c.Do(context.Background(), p)
				if !res.OK || !res.HasUsage {
					t.Fatalf("%s stream=%v: %+v", api, stream, res)
				}
				if res.OutputTokens != 128 {
					t.Errorf("%s stream=%v: %d output tokens, want 128", api, stream, res.OutputTokens)
				}
				if d := float64(res.PromptTokens) - 512; d > 51.2 || d < -51.2 {
					t.Errorf("%s stream=%v: %d prompt tokens, want 512 ± 10%%", api, stream, res.PromptTokens)
				}
			}
		}
	}
}
