package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/gate"
)

// hostile puts terminal escapes and GitHub references in every string of
// a that came from the run file, after analyze: the view's cleaning is
// the second line of defence, so this does not rely on the input checks.
func hostile(a *analyze.Analysis) {
	esc := "\x1b]0;owned\x07\x1b[2J\r\u009b31m\u0085"
	a.Run.Model = "gpt " + esc + " @octocat"
	a.Run.RunID = "id" + esc
	a.Run.Labels = map[string]string{"team": "@acme/oncall fixes #123" + esc, "ref" + esc: "GH-42 owner/repo#7"}
	a.Run.EndReason += esc
	a.Errors = []analyze.ErrorCount{{Class: "timeout" + esc, Count: 3, Share: 1, Example: "ping @admin about #99 " + esc}}
	a.Warnings = append(a.Warnings, analyze.Warning{Text: "warned " + esc + " @someone"})
}

// controls returns the control characters of s other than newline.
func controls(s string) []rune {
	var out []rune
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' {
			out = append(out, r)
		}
	}
	return out
}

// Text and Markdown carry no C0 or C1 control character from a run file
// (a model id cannot set the terminal title or clear the screen).
func TestReportsStripControls(t *testing.T) {
	a := analyzeFile(t, kneeRun(t, t.TempDir()))
	hostile(a)
	for name, render := range map[string]func(*bytes.Buffer, *analyze.Analysis) error{
		"text":     func(b *bytes.Buffer, a *analyze.Analysis) error { return Text(b, a) },
		"markdown": func(b *bytes.Buffer, a *analyze.Analysis) error { return Markdown(b, a) },
	} {
		var b bytes.Buffer
		if err := render(&b, a); err != nil {
			t.Fatal(err)
		}
		if c := controls(b.String()); len(c) > 0 {
			t.Errorf("%s report carries control characters %q", name, c)
		}
		if !strings.Contains(b.String(), "owned") {
			t.Errorf("%s report lost the text around the controls", name)
		}
	}
}

// mention matches what GitHub links in a comment: @user, @org/team,
// #123, owner/repo#123, GH-123.
var mention = regexp.MustCompile(`(^|[^\w&])(@[A-Za-z0-9]|#[0-9]|GH-[0-9])`)

// The Markdown of a run or a check cannot ping anyone or link an issue
// with the run's labels, model, errors or warnings: @ and # are followed
// by a zero-width space, and the text still reads the same.
func TestMarkdownNeutralisesMentions(t *testing.T) {
	a := analyzeFile(t, kneeRun(t, t.TempDir()))
	hostile(a)
	var b bytes.Buffer
	if err := Markdown(&b, a); err != nil {
		t.Fatal(err)
	}
	check := &gate.CheckResult{Run: "@octocat run #5", Baseline: "GH-1", Gates: []gate.GateResult{{Status: gate.StatusInconclusive,
		Gate: gate.Gate{Kind: gate.GateMaxRegression, Metric: "p95"}, Outcome: gate.Outcome{Why: gate.WhyNoCompare, Base: "@boss", Run: "#2"}}}}
	if err := CheckMarkdown(&b, check); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	if m := mention.FindAllString(md, -1); len(m) > 0 {
		t.Errorf("Markdown links %q", m)
	}
	for _, want := range []string{"@&#8203;octocat", "#&#8203;123", "GH-&#8203;42", "@&#8203;acme/oncall", "#&#8203;99"} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q", want)
		}
	}
}

// FuzzMarkdownEscape: whatever a run file holds, an escaped cell has no
// control character, no link GitHub would make of a mention or an issue
// reference, no raw HTML and no unescaped table separator.
func FuzzMarkdownEscape(f *testing.F) {
	for _, s := range []string{"@octocat", "#123", "a|b", "<script>", "GH-1", "\x1b[2J\u009b", "x@y.z", "&#64;a", "\\|"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := mdEscape(s)
		if c := controls(got); len(c) > 0 {
			t.Fatalf("%q -> %q has controls", s, got)
		}
		if m := mention.FindString(got); m != "" {
			t.Fatalf("%q -> %q links %q", s, got, m)
		}
		if strings.ContainsAny(got, "<>") {
			t.Fatalf("%q -> %q has raw HTML", s, got)
		}
		for i := strings.IndexByte(got, '|'); i >= 0; i = strings.IndexByte(got[i+1:], '|') + i + 1 {
			if n := len(got[:i]) - len(strings.TrimRight(got[:i], `\`)); n%2 == 0 {
				t.Fatalf("%q -> %q has an unescaped |", s, got)
			}
			if strings.IndexByte(got[i+1:], '|') < 0 {
				break
			}
		}
	})
}
