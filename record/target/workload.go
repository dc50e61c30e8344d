package target

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Range is a token count: N (Min = Max = N) or MIN-MAX, drawn uniformly.
// The zero Range means "not set".
type Range struct{ Min, Max int }

// MaxRangeTokens bounds a token count: larger prompts or answers are beyond
// any model's context and would make request bodies of many megabytes.
const MaxRangeTokens = 1 << 20

// ParseRange parses "N" or "MIN-MAX" (both positive integers, MIN ≤ MAX,
// at most MaxRangeTokens). Spaces around the numbers are allowed.
func ParseRange(s string) (Range, error) {
	lo, hi, isRange := strings.Cut(s, "-")
	num := func(v string) (int, error) {
		v = strings.TrimSpace(v)
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxRangeTokens {
			return 0, fmt.Errorf("token count %q is not a whole number from 1 to %d", v, MaxRangeTokens)
		}
		return n, nil
	}
	a, err := num(lo)
	if err != nil {
		return Range{}, err
	}
	if !isRange {
		return Range{a, a}, nil
	}
	b, err := num(hi)
	if err != nil {
		return Range{}, err
	}
	if b < a {
		return Range{}, fmt.Errorf("token range %q runs backwards: give MIN-MAX with MIN ≤ MAX", s)
	}
	return Range{a, b}, nil
}

// IsZero reports whether r is unset.
func (r Range) IsZero() bool { return r == Range{} }

// String formats r as ParseRange reads it ("" when unset).
func (r Range) String() string {
	switch {
	case r.IsZero():
		return ""
	case r.Min == r.Max:
		return strconv.Itoa(r.Min)
	default:
		return strconv.Itoa(r.Min) + "-" + strconv.Itoa(r.Max)
	}
}

// Draw returns a count uniform in [Min, Max].
func (r Range) Draw(rng *rand.Rand) int {
	if r.Max <= r.Min {
		return r.Min
	}
	return r.Min + rng.IntN(r.Max-r.Min+1)
}

// syntheticWords is the vocabulary of synthetic prompts. A synthetic token
// is one of these words with its separating space: every word has three
// letters, so each is 4 bytes of text, and each is a single token (with its
// leading space) in the common BPE tokenizers (GPT-2, cl100k, Llama's).
// A prompt of N words is therefore about N tokens for real servers and
// exactly N by the 4-bytes-a-token rule the built-in simulator counts with.
var syntheticWords = []string{
	"the", "and", "for", "are", "but", "not", "you", "all", "any", "can",
	"had", "her", "was", "one", "our", "out", "day", "get", "has", "him",
	"his", "how", "man", "new", "now", "old", "see", "two", "way", "who",
	"boy", "did", "its", "let", "put", "say", "she", "too", "use", "big",
	"end", "far", "few", "got", "own", "run", "set", "top", "try", "why",
	"yes", "yet", "car", "cut", "eye", "job", "law", "low", "map", "off",
	"red", "sea", "sun", "war",
}

// workloadStream is the PCG stream of synthetic prompts; the arrivals use
// another stream of the same seed.
const workloadStream = 0x776f726b6c6f6164 // "workload"

// SyntheticPrompts returns n prompts of random words, each of a length
// drawn from input (in synthetic tokens, see syntheticWords) and with
// MaxTokens drawn from output (0 when output is unset: the client's
// default). The same seed gives the same prompts. Prompts differ from their
// first words on, so a server's prefix cache does not make them cheaper.
func SyntheticPrompts(input, output Range, n int, seed int64) []Prompt {
	rng := rand.New(rand.NewPCG(uint64(seed), workloadStream))
	ps := make([]Prompt, n)
	var b strings.Builder
	for i := range ps {
		ps[i] = Prompt{Text: syntheticText(&b, rng, input.Draw(rng))}
		if !output.IsZero() {
			ps[i].MaxTokens = output.Draw(rng)
		}
	}
	return ps
}

// WithOutput returns ps with each prompt's MaxTokens drawn from output
// (seeded): the output range applied to prompts from a file. Prompts are
// copied, not changed.
func WithOutput(ps []Prompt, output Range, seed int64) []Prompt {
	rng := rand.New(rand.NewPCG(uint64(seed), workloadStream+1))
	out := make([]Prompt, len(ps))
	for i, p := range ps {
		p.MaxTokens = output.Draw(rng)
		out[i] = p
	}
	return out
}

// BytesPerToken is the bytes of UTF-8 text a token stands for where no
// tokenizer is at hand: about 4 for English with the BPE tokenizers of
// today's models (OpenAI's rule of thumb; vLLM's benchmark counts with
// the model's own tokenizer instead, which a load generator does not
// have). Other scripts differ: a CJK character is 3 bytes and often a
// token of its own, so there the estimate runs low, down to the floor of
// one token a content chunk.
const BytesPerToken = 4

// EstimateOutput is the output tokens of a streamed answer whose server
// sent no usage: its text's bytes over BytesPerToken, rounded up, but
// never fewer than its content chunks (a chunk carries at least one
// token); without text, the chunks. A server that holds back an
// incomplete UTF-8 character sends two tokens in one chunk, so counting
// chunks alone runs low (by 9.8% against one such server).
func EstimateOutput(chunks int32, textBytes int64) int32 {
	est := (textBytes + BytesPerToken - 1) / BytesPerToken
	return int32(min(max(est, int64(chunks)), math.MaxInt32))
}

// EstimateTokens is the token estimate of a text used where no tokenizer is
// at hand (ShareGPT answer lengths): a quarter of its bytes, rounded up, at
// least 1.
func EstimateTokens(s string) int { return max((len(s)+3)/4, 1) }

// shareGPTItem is one conversation of a ShareGPT file. Unknown fields are
// ignored.
type shareGPTItem struct {
	Conversations []struct {
		From  string `json:"from"`
		Value string `json:"value"`
	} `json:"conversations"`
}

// readShareGPT reads a ShareGPT JSON array, one conversation at a time (the
// files run to hundreds of megabytes), into set. Each conversation gives one prompt:
// its first human turn, with MaxTokens the estimated length of the first
// model turn after it (EstimateTokens). Conversations without both turns
// are skipped, as benchmark tools do; a file with none is an error. One
// conversation is at most set's line limit: the decoder holds a whole one.
func readShareGPT(r io.Reader, set *promptSet) ([]Prompt, error) {
	items := &itemReader{r: r, max: int64(set.lim.line)}
	dec := json.NewDecoder(items)
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return nil, errors.New("ShareGPT: not a JSON array")
	}
	for n := 1; dec.More(); n++ {
		items.start = dec.InputOffset()
		var it shareGPTItem
		if err := dec.Decode(&it); err != nil {
			if errors.Is(err, errItemTooLong) {
				return nil, fmt.Errorf("ShareGPT conversation %d: longer than %d bytes", n, set.lim.line)
			}
			return nil, fmt.Errorf("ShareGPT conversation %d: %w", n, err)
		}
		prompt, answer := "", ""
		for _, turn := range it.Conversations {
			switch turn.From {
			case "human", "user":
				if prompt == "" {
					prompt = turn.Value
				}
			case "gpt", "assistant", "model":
				if prompt != "" && answer == "" {
					answer = turn.Value
				}
			}
		}
		if strings.TrimSpace(prompt) == "" || answer == "" {
			continue
		}
		if err := set.add(Prompt{Text: prompt, MaxTokens: EstimateTokens(answer)}); err != nil {
			return nil, fmt.Errorf("ShareGPT conversation %d: %w", n, err)
		}
	}
	items.start = dec.InputOffset()
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("ShareGPT: after %d prompts: %w", len(set.ps), err)
	}
	if len(set.ps) == 0 {
		return nil, errors.New("ShareGPT: no conversation has a human turn followed by a model turn")
	}
	return set.ps, nil
}

// errItemTooLong is itemReader's error for a value over its bound.
var errItemTooLong = errors.New("item too long")

// itemReader bounds what a json.Decoder reads for one value: it fails once
// more than max bytes (plus the decoder's read-ahead) were read since the
// value started at offset start.
type itemReader struct {
	r     io.Reader
	read  int64
	start int64
	max   int64
}

func (ir *itemReader) Read(p []byte) (int, error) {
	if ir.read-ir.start > ir.max+64<<10 {
		return 0, errItemTooLong
	}
	n, err := ir.r.Read(p)
	ir.read += int64(n)
	return n, err
}

// SharedPrefixes returns k texts of tokens synthetic tokens each (see
// syntheticWords): the shared prefixes (a system prompt, a document) that
// prompts start with (Prompt.WithPrefix). The same seed gives the same
// prefixes; they differ from each other from their first words on, as
// far as k random draws do.
func SharedPrefixes(tokens, k int, seed int64) []string {
	rng := rand.New(rand.NewPCG(uint64(seed), workloadStream+2))
	out := make([]string, k)
	var b strings.Builder
	for i := range out {
		out[i] = syntheticText(&b, rng, tokens)
	}
	return out
}

// syntheticText is a text of words synthetic tokens drawn with rng (see
// syntheticWords), built in b.
func syntheticText(b *strings.Builder, rng *rand.Rand, words int) string {
	b.Reset()
	b.Grow(4 * words)
	for w := range words {
		if w > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(syntheticWords[rng.IntN(len(syntheticWords))])
	}
	return b.String()
}
