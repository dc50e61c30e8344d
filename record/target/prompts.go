package target

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Message is one chat message.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Prompt is one request's input: either Text (sent as a single user message
// to chat endpoints) or Messages (a whole conversation). Clients treat a
// Prompt as immutable: the rendered request body is cached per prompt.
type Prompt struct {
	Text     string
	Messages []Message
	// MaxTokens is this request's output budget (max_tokens); 0 means the
	// client's Options.MaxTokens. Synthetic and ShareGPT prompts set it.
	MaxTokens int
	// Once: the prompt is sent once (a conversation's turn, a prompt
	// behind a shared prefix), so its body is rendered for the request and
	// not cached: a cache of such bodies would hold every one of them.
	Once bool
}

// text returns the prompt as one string: Text, or the message contents
// joined by newlines (used by the completions and http APIs).
func (p Prompt) text() string {
	if p.Messages == nil {
		return p.Text
	}
	var b strings.Builder
	for i, m := range p.Messages {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(m.Content)
	}
	return b.String()
}

// messages returns the prompt as chat messages.
func (p Prompt) messages() []Message {
	if p.Messages != nil {
		return p.Messages
	}
	return []Message{{Role: "user", Content: p.Text}}
}

// PrefixSeparator is what comes between a shared prefix and the prompt
// after it (WithPrefix).
const PrefixSeparator = "\n\n"

// WithPrefix returns p starting with prefix: before Text, or before the
// first message's content, then PrefixSeparator. The result is sent once
// (Once): a body cache of every prefix and prompt pair would be their
// product. p is not changed.
func (p Prompt) WithPrefix(prefix string) Prompt {
	if p.Messages == nil {
		p.Text = prefix + PrefixSeparator + p.Text
	} else if len(p.Messages) > 0 {
		ms := append([]Message(nil), p.Messages...)
		ms[0].Content = prefix + PrefixSeparator + ms[0].Content
		p.Messages = ms
	}
	p.Once = true
	return p
}

// After returns the prompt of a conversation's next turn: history (the
// turns before, user and assistant messages alternating) followed by p's
// messages (a Text prompt is one user message). It is sent once (Once).
// The chat API sends the messages; the completions API their contents
// joined by newlines.
func (p Prompt) After(history []Message) Prompt {
	ms := make([]Message, 0, len(history)+max(len(p.Messages), 1))
	ms = append(append(ms, history...), p.messages()...)
	return Prompt{Messages: ms, MaxTokens: p.MaxTokens, Once: true}
}

var builtinPrompts = []string{
	"Explain in two sentences why the sky is blue.",
	"Write a haiku about a lighthouse in winter.",
	"What is the capital of Australia, and why is it not Sydney?",
	"Summarize the plot of Romeo and Juliet in three bullet points.",
	"Give me a Python function that checks whether a string is a palindrome.",
	"Translate 'Where is the train station?' into French, Spanish and German.",
	"List five tips for writing clear commit messages.",
	"What is the difference between a process and a thread?",
	"Suggest a name for a bakery that specializes in sourdough bread.",
	"Explain what a hash table is to a ten-year-old.",
	"Write a SQL query that returns the ten most recent orders per customer.",
	"Why do cats purr? Answer briefly.",
	"Compose a short, polite email declining a meeting invitation.",
	"What are the main causes of inflation?",
	"Describe the water cycle in one paragraph.",
	"Give three arguments for and three against remote work.",
	"Convert 72 degrees Fahrenheit to Celsius and show the formula.",
	"Write a limerick about a programmer who forgot a semicolon.",
	"What does HTTP status code 429 mean and how should a client react?",
	"Recommend three classic science fiction novels with one sentence each.",
}

// BuiltinPrompts returns the default prompt set: twenty short, varied
// prompts. The slice is fresh on every call.
func BuiltinPrompts() []Prompt {
	ps := make([]Prompt, len(builtinPrompts))
	for i, t := range builtinPrompts {
		ps[i] = Prompt{Text: t}
	}
	return ps
}

// maxPromptLine bounds one line of a prompt file.
const maxPromptLine = 16 << 20

// jsonlPrompt is one JSONL prompt line. Unknown fields are ignored so that
// data sets with extra columns load as they are.
type jsonlPrompt struct {
	Prompt   *string          `json:"prompt"`
	Messages *[]jsonlMessages `json:"messages"`
}

type jsonlMessages struct {
	Role    *string `json:"role"`
	Content *string `json:"content"`
}

// ReadPrompts reads prompts from r. The format is detected once per input:
// when the input starts with a JSON array of objects it is ShareGPT (see
// readShareGPT and isShareGPT); when the first non-blank line starts with '{' every line is a JSON object,
// either {"prompt": "..."} or {"messages": [{"role": "...", "content": "..."}]};
// otherwise every line is one plain-text prompt. Blank (whitespace-only)
// lines are skipped, a UTF-8 byte order mark and CRLF line ends are accepted.
// Errors name the 1-based line; an input without prompts is an error. The
// prompts kept are bounded (MaxPrompts, MaxPromptBytes of text), so an
// endless input ends in an error, not in memory exhaustion.
func ReadPrompts(r io.Reader) ([]Prompt, error) {
	return readPrompts(r, defaultPromptLimits)
}

// Bounds of a prompt set, whatever its source: at most MaxPrompts prompts
// and MaxPromptBytes bytes of their text kept in memory (the clients cache
// a rendered body per prompt besides), read from a file of at most
// MaxPromptFileBytes (a ShareGPT dump, most of which is answers that are
// not kept, fits). One line, or one ShareGPT conversation, is at most
// maxPromptLine bytes.
const (
	MaxPrompts         = 1 << 20
	MaxPromptBytes     = 256 << 20
	MaxPromptFileBytes = 1 << 30
)

// promptLimits are the bounds readPrompts applies (tests lower them).
type promptLimits struct {
	prompts int
	bytes   int64
	line    int
}

var defaultPromptLimits = promptLimits{prompts: MaxPrompts, bytes: MaxPromptBytes, line: maxPromptLine}

// promptSet collects prompts within the limits.
type promptSet struct {
	ps    []Prompt
	bytes int64
	lim   promptLimits
}

func (s *promptSet) add(p Prompt) error {
	n := int64(len(p.Text))
	for _, m := range p.Messages {
		n += int64(len(m.Role) + len(m.Content))
	}
	if len(s.ps) >= s.lim.prompts {
		return fmt.Errorf("more than %d prompts: use a smaller file", s.lim.prompts)
	}
	if s.bytes+n > s.lim.bytes {
		return fmt.Errorf("the prompts take more than %d MiB: use a smaller file", s.lim.bytes>>20)
	}
	s.bytes += n
	s.ps = append(s.ps, p)
	return nil
}

func readPrompts(r io.Reader, lim promptLimits) ([]Prompt, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	set := &promptSet{lim: lim}
	if isShareGPT(br) {
		if b, _ := br.Peek(3); bytes.Equal(b, []byte("\xef\xbb\xbf")) {
			_, _ = br.Discard(3)
		}
		return readShareGPT(br, set)
	}
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 0, min(64<<10, lim.line)), lim.line)
	var (
		line    int
		decided bool
		jsonl   bool
	)
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if line == 1 {
			b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
		}
		b = bytes.TrimSuffix(b, []byte("\r"))
		trimmed := bytes.TrimSpace(b)
		if len(trimmed) == 0 {
			continue
		}
		if !decided {
			decided = true
			jsonl = trimmed[0] == '{'
		}
		p := Prompt{Text: string(b)}
		if jsonl {
			var err error
			if p, err = parseJSONLPrompt(trimmed); err != nil {
				return nil, fmt.Errorf("line %d: %w", line, err)
			}
		}
		if err := set.add(p); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("line %d: longer than %d bytes: %w", line+1, lim.line, err)
		}
		return nil, fmt.Errorf("read prompts after line %d: %w", line, err)
	}
	if len(set.ps) == 0 {
		return nil, errors.New("no prompts found")
	}
	return set.ps, nil
}

// isShareGPT peeks at the start of br (past a byte order mark and white
// space, within br's buffer) for a JSON array of objects: '[' then '{' or
// ']'. A plain-text line such as "[INST] ..." is not one.
func isShareGPT(br *bufio.Reader) bool {
	b, _ := br.Peek(br.Size())
	b = bytes.TrimLeft(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(b) == 0 || b[0] != '[' {
		return false
	}
	b = bytes.TrimLeft(b[1:], " \t\r\n")
	return len(b) > 0 && (b[0] == '{' || b[0] == ']')
}

func parseJSONLPrompt(b []byte) (Prompt, error) {
	var jp jsonlPrompt
	if err := json.Unmarshal(b, &jp); err != nil {
		return Prompt{}, fmt.Errorf("invalid JSON: %w", err)
	}
	switch {
	case jp.Prompt != nil && jp.Messages != nil:
		return Prompt{}, errors.New(`has both "prompt" and "messages"; give one`)
	case jp.Prompt != nil:
		if strings.TrimSpace(*jp.Prompt) == "" {
			return Prompt{}, errors.New(`"prompt" is empty`)
		}
		return Prompt{Text: *jp.Prompt}, nil
	case jp.Messages != nil:
		if len(*jp.Messages) == 0 {
			return Prompt{}, errors.New(`"messages" is empty`)
		}
		ms := make([]Message, len(*jp.Messages))
		for i, m := range *jp.Messages {
			if m.Role == nil || *m.Role == "" {
				return Prompt{}, fmt.Errorf(`message %d has no "role"`, i+1)
			}
			if m.Content == nil {
				return Prompt{}, fmt.Errorf(`message %d has no "content" string`, i+1)
			}
			ms[i] = Message{Role: *m.Role, Content: *m.Content}
		}
		return Prompt{Messages: ms}, nil
	default:
		return Prompt{}, errors.New(`needs a "prompt" string or a "messages" array`)
	}
}

// LoadPrompts reads the prompt file at path (see ReadPrompts): a regular
// file of at most MaxPromptFileBytes. A FIFO, device, socket or directory
// is refused before it is opened for reading (reading one could block for
// ever, or never end), and the read stops when ctx is done.
func LoadPrompts(ctx context.Context, path string) ([]Prompt, error) {
	f, _, err := openRegular(path, MaxPromptFileBytes)
	if err != nil {
		return nil, fmt.Errorf("prompts %s: %w", path, err)
	}
	defer f.Close()
	ps, err := ReadPrompts(limitedFile(ctx, f, MaxPromptFileBytes))
	if err != nil {
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		return nil, fmt.Errorf("prompts %s: %w", path, err)
	}
	return ps, nil
}
