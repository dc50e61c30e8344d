package cleantext

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCSVCell(t *testing.T) {
	for _, tc := range CSVCases {
		if got := CSVCell(tc.In); got != tc.Want {
			t.Errorf("CSVCell(%q) = %q, want %q", tc.In, got, tc.Want)
		}
	}
}

// TestLine: every rune of the output of Line is printable and the
// output is valid UTF-8, for every rune from U+0000 to U+2FFF.
func TestLine(t *testing.T) {
	var b strings.Builder
	for r := rune(0); r < 0x3000; r++ {
		b.WriteRune(r)
	}
	b.WriteString("\xff\xfe")
	out := Line(b.String())
	if !utf8.ValidString(out) {
		t.Fatal("Line returned invalid UTF-8")
	}
	for _, r := range out {
		if Unprintable(r) {
			t.Fatalf("Line left %U", r)
		}
	}
	if s := "clean text, ünïcode"; Line(s) != s {
		t.Errorf("Line(%q) = %q", s, Line(s))
	}
}

// TestImportsOnlyTheStandardLibrary: the rule sits under writers on both
// sides of the file format (the recorder's dashboard, the analyzer).
func TestImportsOnlyTheStandardLibrary(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range strings.Fields(string(out)) {
		if p != "github.com/llmrec/llmrec/internal/cleantext" {
			t.Errorf("cleantext depends on %s", p)
		}
	}
}

// TestUnprintableRE2: the RE2 class that the SQL writes out matches
// exactly the runes of Unprintable, over every rune.
func TestUnprintableRE2(t *testing.T) {
	re := regexp.MustCompile(UnprintableRE2)
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if r >= 0xd800 && r <= 0xdfff {
			continue // surrogates are no runes of UTF-8 text
		}
		if got := re.MatchString(string(r)); got != Unprintable(r) {
			t.Fatalf("%U: the class says %v, Unprintable %v", r, got, Unprintable(r))
		}
	}
}
