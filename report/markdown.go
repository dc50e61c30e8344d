package report

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/report/view"
)

// MaxMarkdown bounds the Markdown report (a GitHub comment holds 65,536).
const MaxMarkdown = 60000

// Markdown writes the GitHub-flavoured report of the run's view. Every
// table is capped (view.MaxStepRows, view.MaxErrorRows, ...), so the
// report stays under MaxMarkdown characters whatever the run holds; a cut
// is said where it is made.
func Markdown(w io.Writer, a *analyze.Analysis) error {
	v := view.NewAnalysis(a)
	var b bytes.Buffer
	fmt.Fprintf(&b, "## llmrep: run %s\n\n", mdCode(view.Clip(v.RunID, 80)))
	// The verdict first (a capacity sentence, for runs with an SLO,
	// leads it).
	b.WriteString("### Verdict\n\n")
	for _, n := range v.Notices {
		fmt.Fprintf(&b, "> **Warning:** %s\n\n", mdEscape(n))
	}
	for _, a := range v.Answers {
		fmt.Fprintf(&b, "- **%s** %s. %s\n", mdEscape(a.Question), mdEscape(a.Answer), mdEscape(a.Detail))
	}
	mdList(&b, v.Verdicts[:1])
	b.WriteString("\n### Run\n\n")
	for _, f := range v.Header {
		fmt.Fprintf(&b, "- **%s** %s\n", f.Name, mdEscape(f.Value))
	}
	fmt.Fprintf(&b, "\n### Totals\n\nAfter the warmup (%d requests excluded); %s in ms over successes.\n\n", v.WarmupRequests, v.Metric)
	mdTable(&b, v.Totals)
	fmt.Fprintf(&b, "\n### Health\n\nJudged %s; the whole run beside it.\n\n", v.SteadyScope)
	mdTable(&b, v.Health)
	fmt.Fprintf(&b, "\n### Steps\n\nRequests sent in each step after the warmup; %s in ms over successes.\n\n", v.Metric)
	mdTableOr(&b, v.Steps, "No step after the warmup.")
	if len(v.Goodput.Rows) > 0 {
		fmt.Fprintf(&b, "\n### SLO\n\n%s.\n\n", upper(mdEscape(v.GoodputTitle)))
		mdTable(&b, v.Goodput)
	}
	if l := v.LLM; l != nil {
		b.WriteString("\n### LLM\n\nOver successes after the warmup.\n\n")
		mdTable(&b, l.Figures)
		fmt.Fprintf(&b, "\n%s.\n", upper(l.Line))
		if l.Stalls != "" {
			fmt.Fprintf(&b, "\nStalls: %s.\n", mdEscape(l.Stalls))
		}
	}
	if len(v.Turns.Rows) > 0 {
		fmt.Fprintf(&b, "\n### Turns\n\nTTFT by conversation turn, over successes after the warmup: %s.\n\n", mdEscape(view.TurnsNote))
		mdTable(&b, v.Turns)
	}
	if len(v.Percentiles.Rows) > 0 {
		b.WriteString("\n### Percentiles\n\nThe --percentiles, over successes after the warmup.\n\n")
		mdTable(&b, v.Percentiles)
	}
	if tl := v.Telemetry; tl != nil {
		fmt.Fprintf(&b, "\n### Server telemetry\n\nThe server's own metrics, from %s.\n\n%s\n\n", mdCode(tl.Source), mdEscape(tl.Summary))
		mdTable(&b, tl.Steps)
	}
	b.WriteString("\n### Errors\n\n")
	mdTableOr(&b, v.Errors, "No failure after the warmup.")
	mdWarnings(&b, v.Warnings, v.MoreWarnings)
	mdDefinitions(&b, v.Definitions)
	return writeMarkdown(w, &b, "report")
}

// writeMarkdown writes b, cut to MaxMarkdown characters at a line end if
// it is longer (only a great many compared runs can make it so).
func writeMarkdown(w io.Writer, b *bytes.Buffer, what string) error {
	if b.Len() >= MaxMarkdown {
		cut := bytes.LastIndexByte(b.Bytes()[:MaxMarkdown-200], '\n')
		b.Truncate(cut + 1)
		b.WriteString("\n… cut to fit one comment; the JSON output (`--format json`) has everything.\n")
	}
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("write markdown %s: %w", what, err)
	}
	return nil
}

// mdCode puts s in a code span (no markup, no mention inside one).
func mdCode(s string) string { return "`" + strings.ReplaceAll(view.Clean(s), "`", "'") + "`" }

func upper(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// mdTable writes a view table, every cell escaped, the cut said.
func mdTable(b *bytes.Buffer, t view.Table) {
	b.WriteString("|")
	for _, h := range t.Head {
		b.WriteString(" " + mdEscape(h) + " |")
	}
	b.WriteString("\n|")
	for i := range t.Head {
		if i < len(t.Right) && t.Right[i] {
			b.WriteString("---:|")
		} else {
			b.WriteString("---|")
		}
	}
	b.WriteString("\n")
	for i, r := range t.Rows {
		if t.Cut > 0 && i == t.CutAt {
			b.WriteString("| …" + strings.Repeat(" |", len(t.Head)-1) + fmt.Sprintf(" %d more |\n", t.Cut))
		}
		b.WriteString("|")
		for j, c := range r {
			switch {
			case isSet(t.Code, j):
				c = mdCode(c)
			case isSet(t.Strong, j):
				c = "**" + mdEscape(c) + "**"
			default:
				c = mdEscape(c)
			}
			b.WriteString(" " + c + " |")
		}
		b.WriteString("\n")
	}
	if t.Cut > 0 {
		fmt.Fprintf(b, "\n%d of %d %s are left out to keep this report short; the JSON output has them all.\n", t.Cut, len(t.Rows)+t.Cut, t.Of)
	}
}

func mdTableOr(b *bytes.Buffer, t view.Table, none string) {
	if len(t.Rows) == 0 {
		b.WriteString(none + "\n")
		return
	}
	mdTable(b, t)
}

func mdList(b *bytes.Buffer, fs []view.Field) {
	for _, f := range fs {
		fmt.Fprintf(b, "- **%s** %s\n", mdEscape(f.Name), mdEscape(f.Value))
	}
}

func mdWarnings(b *bytes.Buffer, ws []string, more int) {
	b.WriteString("\n### Warnings\n\n")
	if len(ws) == 0 {
		b.WriteString("None.\n")
	}
	for _, w := range ws {
		fmt.Fprintf(b, "- %s\n", mdEscape(w))
	}
	if more > 0 {
		fmt.Fprintf(b, "- … and %d more (see the JSON output)\n", more)
	}
}

func mdDefinitions(b *bytes.Buffer, ds []view.Field) {
	b.WriteString("\n<details><summary>Definitions</summary>\n\n")
	for _, d := range ds {
		fmt.Fprintf(b, "- **%s**: %s\n", mdEscape(d.Name), mdEscape(d.Value))
	}
	b.WriteString("\n</details>\n")
}

// mdEscape makes text safe inside a table cell or a line: no markup,
// no HTML, and no @mention or #123 reference that GitHub would link (a
// zero-width space is put after the @ or #, as dependency bots do, so a
// run's label cannot ping anyone in a pull request).
func mdEscape(s string) string {
	s = mdEscaper.Replace(view.Clean(s))
	return mdRef.ReplaceAllStringFunc(s, func(m string) string { return m[:len(m)-1] + "&#8203;" + m[len(m)-1:] })
}

var (
	mdEscaper = strings.NewReplacer(`\`, `\\`, "|", `\|`, "<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`, "`", "\\`",
		"[", `\[`, "]", `\]`, "&", "&amp;")
	// mdRef finds what GitHub turns into a mention or a reference: @name,
	// #123 (also as owner/repo#123 and GH-123).
	mdRef = regexp.MustCompile(`(@|#|(?i:GH)-)(?:[0-9A-Za-z])`)
)

// isSet is column i's flag in fs (false beyond its end).
func isSet(fs []bool, i int) bool { return i < len(fs) && fs[i] }
