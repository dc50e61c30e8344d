package target

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://localhost:8000", "http://localhost:8000"},
		{"https://user:pass@host/v1", "https://***@host/v1"},
		{"https://tokenonly@host", "https://***@host"},
		{"http://h/x?api_key=SECRET", "http://h/x?api_key=REDACTED"},
		// Every query value goes, whatever its name, but api-version and model.
		{"http://h/x?model=a&API_KEY=S1&token=S2&b=2", "http://h/x?model=a&API_KEY=REDACTED&token=REDACTED&b=REDACTED"},
		{"http://h/x?pass=S&code=S&sv=2020&api-version=2024-02-01", "http://h/x?pass=REDACTED&code=REDACTED&sv=REDACTED&api-version=2024-02-01"},
		{"http://h/x?api%5Fkey=S", "http://h/x?api%5Fkey=REDACTED"},
		{"http://h/x?key=S#frag", "http://h/x?key=REDACTED#REDACTED"},
		{"http://h/x#access_token=S", "http://h/x#REDACTED"},
		{"http://h/x#", "http://h/x#"},
		{"http://h/x?flag&key=", "http://h/x?REDACTED&key="},
		{"http://h/v1;auth=S;x/chat;jsessionid=S2", "http://h/v1;auth=REDACTED;REDACTED/chat;jsessionid=REDACTED"},
		{"http://u:p@h/x?key=S", "http://***@h/x?key=REDACTED"},
		{"http://h/a@b", "http://h/a@b"},
		{"not a url ?token=abc", "not a url ?token=REDACTED"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := RedactURL(tt.in); got != tt.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRedactor(t *testing.T) {
	r := NewRedactor("sk-abc123", "Bearer tok-999", "a", "sid=cookie-val; theme=dark", "p@ss w/rd")
	tests := []struct{ in, want string }{
		{"key sk-abc123 leaked", "key REDACTED leaked"},
		{"auth Bearer tok-999", "auth REDACTED"},
		{"just tok-999", "just REDACTED"},
		{"Bearer alone stays", "Bearer alone stays"},
		{"a short value stays", "a short value stays"},
		{"cookie cookie-val", "cookie REDACTED"},
		{"escaped p%40ss+w%2Frd and p@ss w/rd", "escaped REDACTED and REDACTED"},
		{`Post "http://u:pw@h/v1?api_key=zzz": refused`, `Post "http://***@h/v1?api_key=REDACTED": refused`},
		{"two urls https://h?token=1 and http://x?secret=2.", "two urls https://h?token=REDACTED and http://x?secret=REDACTED."},
		{"GET http://h/v1?q=1: refused", "GET http://h/v1?q=REDACTED: refused"},
	}
	for _, tt := range tests {
		if got := r.String(tt.in); got != tt.want {
			t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := r.cutSecretTail("body ends with sk-ab"); got != "body ends with " {
		t.Errorf("cutSecretTail = %q", got)
	}
	var nilR *Redactor
	if got := nilR.String("http://u:p@h"); got != "http://***@h" {
		t.Errorf("nil redactor: %q", got)
	}
}

func TestClean(t *testing.T) {
	long := strings.Repeat("é", 200) // 400 bytes
	got := clean(long)
	if len(got) > 256 || !utf8.ValidString(got) || len(got) != 256 {
		t.Errorf("clean: len %d valid %v", len(got), utf8.ValidString(got))
	}
	got = clean("a\nb\tc\x00\xff")
	if got != "a b c \uFFFD" {
		t.Errorf("clean control chars = %q", got)
	}
	s := "xx" + strings.Repeat("€", 100) // 2 + 300 bytes: byte 256 is inside a rune
	if got := clean(s); len(got) != 254 || !utf8.ValidString(got) {
		t.Errorf("cut inside a rune: len %d", len(got))
	}
}

func TestRedactorLongPrefix(t *testing.T) {
	const key = "sk-proj-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ" // 53 bytes
	r := NewRedactor(key, "short7x", "Bearer "+key)
	tests := []struct{ in, want string }{
		{"whole " + key + " end", "whole REDACTED end"},
		{"cut " + key[:45], "cut REDACTED"},
		{"cut " + key[:MinSecretPrefix] + "!", "cut REDACTED!"},
		{"seven " + key[:MinSecretPrefix-1] + " stays", "seven " + key[:MinSecretPrefix-1] + " stays"},
		{"twice " + key[:20] + key, "twice REDACTED"},
		{"short7x is whole only, short7 stays", "REDACTED is whole only, short7 stays"},
		// A value of several words is matched whole; its words by prefix.
		{"missing Bearer scheme", "missing Bearer scheme"},
		{"Bearer " + key[:30], "Bearer REDACTED"},
	}
	for _, tt := range tests {
		if got := r.String(tt.in); got != tt.want {
			t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestUntrustedRedactsBeforeCut: a key that straddles the bound is removed,
// not cut into a 45-byte part that no longer matches.
func TestUntrustedRedactsBeforeCut(t *testing.T) {
	const key = "sk-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLM" // 51 bytes
	r := NewRedactor(key)
	for pad := 0; pad < 80; pad++ {
		in := strings.Repeat("p", pad) + key + " tail \x1b[2J"
		for _, n := range []int{8, 20, 64} {
			got := r.Untrusted(in, n)
			if len(got) > n || strings.Contains(got, key[:MinSecretPrefix]) || strings.Contains(got, "sk-0") {
				t.Fatalf("Untrusted(pad %d, n %d) = %q", pad, n, got)
			}
		}
		q := r.quotedExcerpt([]byte(in))
		if strings.Contains(q, key[:4]) {
			t.Fatalf("quotedExcerpt(pad %d) = %s", pad, q)
		}
	}
	if got := r.Untrusted("a\x1b]0;t\x07b\u009bc\r\nd\te", 100); got != "a ]0;t b c  d e" {
		t.Errorf("control characters: %q", got)
	}
}

func TestProxySecrets(t *testing.T) {
	env := map[string]string{
		"HTTPS_PROXY": "http://alice:pr0xy-pass@proxy:3128",
		"http_proxy":  "bob:b0b-pass-word@proxy2:8080", // no scheme: read as http://
	}
	o := Options{Target: "http://h:1", API: APIChat}
	r := newOptionsRedactor(o, func(k string) string { return env[k] })
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:pr0xy-pass"))
	for _, leak := range []string{"pr0xy-pass", "b0b-pass-word", basic, "alice:pr0xy-pass"} {
		if got := r.String("echo " + leak); strings.Contains(got, leak) || strings.Contains(got, "pass") {
			t.Errorf("String(%q) = %q", leak, got)
		}
	}
	if got := newOptionsRedactor(o, func(string) string { return "" }).String("pr0xy-pass"); got != "pr0xy-pass" {
		t.Errorf("no proxy: %q", got)
	}
}

func TestRedactorLabels(t *testing.T) {
	o := Options{Target: "http://h:1/x?code=c0de-value", API: APIChat, APIKey: "sk-label-key-123456"}
	r := newOptionsRedactor(o, func(string) string { return "" })
	got := r.Labels(map[string]string{"apikey": "sk-label-key-123456", "sk-label-key-123456": "v", "code": "c0de-value", "commit": "abc"})
	want := map[string]string{"apikey": "REDACTED", "REDACTED": "v", "code": "REDACTED", "commit": "abc"}
	if len(got) != len(want) {
		t.Fatalf("Labels = %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("Labels = %v, want %v", got, want)
		}
	}
}

// FuzzRedactor: whatever the text around it, no run of MinSecretPrefix bytes
// that starts a known secret (the whole of a shorter one) survives String or
// Untrusted, and Untrusted's result is bounded, valid UTF-8 and free of
// control characters.
func FuzzRedactor(f *testing.F) {
	f.Add("sk-0123456789abcdef", "echo Bearer sk-0123456789abcdef end", 64)
	f.Add("sk-0123456789abcdef", "cut sk-0123456", 10)
	f.Add("abc", "xabcx http://u:p@h?k=abc#f", 5)
	f.Add("REDACTEDxyz1", "REDACTEDxyz1REDACTEDxyz1", 30)
	f.Fuzz(func(t *testing.T, secret, text string, n int) {
		if n < 0 || n > 4096 || len(text) > 1<<16 {
			return
		}
		secret = strings.TrimSpace(secret)
		if len(secret) < minSecretLen || strings.ContainsAny(secret, " ,;\t=\x00") {
			return // NewRedactor splits these into words; the words are the secrets (and NUL is the mask below)
		}
		r := NewRedactor(secret)
		needle := secret
		if len(needle) > MinSecretPrefix {
			needle = needle[:MinSecretPrefix]
		}
		check := func(what, out string) {
			// REDACTED and *** are what the redactor writes: they may
			// happen to spell part of a secret, which leaks nothing; and
			// a needle the input never held leaks nothing either (U+FFFD
			// written for invalid UTF-8 may spell one).
			if strings.Contains(maskRedacted(out), needle) && strings.Contains(text, needle) {
				t.Fatalf("%s(%q) with secret %q = %q", what, text, secret, out)
			}
		}
		check("String", r.String(text))
		u := r.Untrusted(text, n)
		check("Untrusted", u)
		if len(u) > n || !utf8.ValidString(u) {
			t.Fatalf("Untrusted(%q, %d) = %q: too long or invalid", text, n, u)
		}
		for _, c := range u {
			if c < 0x20 || c >= 0x7f && c <= 0x9f {
				t.Fatalf("Untrusted(%q) = %q keeps control %U", text, u, c)
			}
		}
	})
}

// escapedSecret spells a secret the ways a server may echo it: each
// encoding writes every character (or only some) escaped in one syntax,
// and some nest two syntaxes.
var escapedSecret = []struct {
	name   string
	encode func(string) string
}{
	{"php-json", func(s string) string { return strings.ReplaceAll(jsonString(s), "/", `\/`) }},
	{"json-u-lower", func(s string) string { return eachRune(s, func(r rune) string { return utf16Escape(r, "\\u%04x") }) }},
	{"json-u-upper", func(s string) string { return eachRune(s, func(r rune) string { return utf16Escape(r, "\\u%04X") }) }},
	{"json-u-punct", func(s string) string {
		return eachRune(s, func(r rune) string {
			if isAlnum(byte(r)) && r < 0x80 {
				return string(r)
			}
			return utf16Escape(r, "\\u%04x")
		})
	}},
	{"php-json-twice", func(s string) string {
		once := strings.ReplaceAll(jsonString(s), "/", `\/`)
		return strings.ReplaceAll(jsonString(once), "/", `\/`)
	}},
	{"json-u-twice", func(s string) string {
		return eachRune(s, func(r rune) string { return strings.ReplaceAll(utf16Escape(r, "\\u%04x"), `\`, `\\`) })
	}},
	{"js-x-and-brace", func(s string) string {
		return eachRune(s, func(r rune) string {
			if r < 0x80 && r%2 == 0 {
				return fmt.Sprintf(`\x%02X`, r)
			}
			return fmt.Sprintf(`\u{%x}`, r)
		})
	}},
	{"html-decimal", func(s string) string { return eachRune(s, func(r rune) string { return fmt.Sprintf("&#%d;", r) }) }},
	{"html-hex", func(s string) string { return eachRune(s, func(r rune) string { return fmt.Sprintf("&#x%x;", r) }) }},
	{"html-HEX-zeros", func(s string) string { return eachRune(s, func(r rune) string { return fmt.Sprintf("&#X%06X;", r) }) }},
	{"html-no-semicolon", func(s string) string { return eachRune(s, func(r rune) string { return fmt.Sprintf("&#%d", r) }) + ";" }},
	{"html-named", func(s string) string {
		named := map[rune]string{'/': "&sol;", '+': "&plus;", '&': "&amp;", '.': "&period;", '_': "&lowbar;", '=': "&equals;", ':': "&colon;", '-': "&#45;"}
		return eachRune(s, func(r rune) string {
			if n, ok := named[r]; ok {
				return n
			}
			return html.EscapeString(string(r))
		})
	}},
	{"html-of-html", func(s string) string {
		return html.EscapeString(eachRune(s, func(r rune) string { return fmt.Sprintf("&#%d;", r) }))
	}},
	{"json-of-html", func(s string) string {
		return eachRune(eachRune(s, func(r rune) string { return fmt.Sprintf("&#x%x;", r) }), func(r rune) string {
			if r == '&' {
				return `\u0026`
			}
			return string(r)
		})
	}},
	{"html-of-php-json", func(s string) string { return html.EscapeString(strings.ReplaceAll(jsonString(s), "/", `\/`)) }},
	{"percent-lower", func(s string) string { return eachByte(s, "%%%02x") }},
	{"percent-u", func(s string) string { return eachRune(s, func(r rune) string { return utf16Escape(r, "%%u%04X") }) }},
	{"percent-twice", func(s string) string { return url.PathEscape(url.QueryEscape(s)) }},
}

func jsonString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b[1 : len(b)-1])
}

func eachByte(s, format string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, format, s[i])
	}
	return b.String()
}

func eachRune(s string, f func(rune) string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteString(f(r))
	}
	return b.String()
}

// utf16Escape writes r with format (one %04x verb) as one UTF-16 unit, or
// two for a character beyond the BMP.
func utf16Escape(r rune, format string) string {
	if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
		return fmt.Sprintf(format, r1) + fmt.Sprintf(format, r2)
	}
	return fmt.Sprintf(format, r)
}

// TestRedactorEscapedEchoes: a known secret echoed in any escaped
// spelling (JSON, JavaScript, HTML, percent-encoding, nested twice) is
// replaced whole, and the text around it is kept.
func TestRedactorEscapedEchoes(t *testing.T) {
	secrets := []string{
		"sk-proj/AbCdEfGh+IjKlMnOp/QrStUvWx", // base64-style key: '/' and '+'
		"sk-live_AbCd.1234-wxyz",
		"abc%3D%3D/cookie-value", // a cookie value that holds escapes itself
		"pässwörd-€-😀-long",      // beyond ASCII and the BMP
		"k/9",                    // short: replaced only whole
	}
	for _, sec := range secrets {
		r := NewRedactor(sec)
		for _, enc := range escapedSecret {
			in := "echo [" + enc.encode(sec) + "] end"
			if got, want := r.String(in), "echo [REDACTED] end"; got != want {
				t.Errorf("%s of %q: String(%q) = %q, want %q", enc.name, sec, in, got, want)
			}
		}
	}
	// A cut body that ends in the escaped first bytes of a secret.
	r := NewRedactor(secrets[0])
	for _, tail := range []string{`sk\u002dpr`, `sk&#45;proj&sol;`, `sk%2Dp`} {
		if got := r.cutSecretTail("body ends with " + tail); got != "body ends with " {
			t.Errorf("cutSecretTail(%q) = %q", tail, got)
		}
	}
}

// TestUnescapeAsTheStandardLibrary: one level of decoding undoes what the
// standard library's encoders write, whatever the text.
func TestUnescapeAsTheStandardLibrary(t *testing.T) {
	texts := []string{
		"plain", `a/b\c"d'e<f>g&h`, "tab\tnl\nnul\x00", "é€😀\u2028", "a+b c%d",
		"sk-proj/AbCdEfGh+IjKlMnOp/QrStUvWx", strings.Repeat("&amp;", 3),
	}
	for _, s := range texts {
		for name, enc := range map[string]struct {
			text string
			set  escapes
		}{
			"json":   {jsonString(s), escBackslash},
			"html":   {html.EscapeString(s), escEntity},
			"url":    {url.PathEscape(s), escPercent},
			"query":  {strings.ReplaceAll(url.QueryEscape(s), "+", "%20"), escPercent},
			"json-u": {eachRune(s, func(r rune) string { return utf16Escape(r, "\\u%04x") }), escBackslash},
		} {
			got := enc.text
			if d, ok := decodeOnce(&decoded{text: enc.text}, enc.set); ok {
				got = d.text
			}
			if got != s {
				t.Errorf("%s: decode(%q) = %q, want %q", name, enc.text, got, s)
			}
		}
	}
}

// FuzzRedactorEscaped: a random secret, spelled in random escapes (each
// character in its own escape or as it is, in one to three nested
// syntaxes), between random texts: no run of MinSecretPrefix bytes that
// starts the secret (the whole of a shorter one) is left in the result of
// String or Untrusted, in any decoding of it, nor in its encoded spelling.
func FuzzRedactorEscaped(f *testing.F) {
	f.Add("sk-proj/AbCdEfGh+IjKlMnOp/QrStUvWx", `{"error":"bad key: `, `"}`, uint64(1), uint16(256))
	f.Add("sk-live_AbCd-1234", "<p>", "</p>", uint64(2), uint16(40))
	f.Add("abc%3D%3D/x", `\`, `&`, uint64(3), uint16(10))
	f.Add("pässwörd😀", "%", "\\u00", uint64(4), uint16(64))
	f.Fuzz(func(t *testing.T, secret, before, after string, seed uint64, n uint16) {
		secret = strings.TrimSpace(secret)
		if len(secret) < minSecretLen || len(secret) > 200 || len(before)+len(after) > 4096 ||
			!utf8.ValidString(secret) || strings.ContainsAny(secret, " ,;\t=\x00\uFFFD") {
			return // NewRedactor splits at these; the words are the secrets
		}
		rng := rand.New(rand.NewPCG(seed, seed>>32))
		enc, levels := secret, 1+rng.IntN(3)
		for range levels {
			enc = escapeRandomly(rng, enc)
		}
		r := NewRedactor(secret)
		needle := secret
		if len(needle) > MinSecretPrefix {
			needle = needle[:MinSecretPrefix]
		}
		text := before + enc + after
		if !slices.ContainsFunc(decodeLevels(enc), func(d decoded) bool { return strings.Contains(d.text, secret) }) {
			t.Fatalf("the decoder does not find %q in %q", secret, enc)
		}
		check := func(what, out string) {
			for _, d := range decodeLevels(maskRedacted(out)) {
				if strings.Contains(d.text, needle) {
					t.Fatalf("%s(%q) with secret %q = %q: %q decodes to %q", what, text, secret, out, out, d.text)
				}
			}
		}
		check("String", r.String(text))
		check("Untrusted", r.Untrusted(text, int(n)))
	})
}

// maskRedacted returns out with what the redactor writes (REDACTED, ***,
// and REDACTED cut short at the end of an excerpt) made NUL bytes: they
// may happen to spell part of a secret, which leaks nothing.
func maskRedacted(out string) string {
	out = strings.NewReplacer(redacted, "\x00", "***", "\x00").Replace(out)
	for k := len(redacted) - 1; k > 0; k-- {
		if strings.HasSuffix(out, redacted[:k]) {
			return out[:len(out)-k] + "\x00"
		}
	}
	return out
}

// escapeRandomly spells s in one syntax chosen by rng, each character
// escaped in a random form or, when it cannot be mistaken for the start of
// an escape, kept as it is.
func escapeRandomly(rng *rand.Rand, s string) string {
	var parts []string
	switch rng.IntN(3) {
	case 0: // JSON and JavaScript
		for _, r := range s {
			switch k := rng.IntN(6); {
			case r == '\\' && k < 2:
				parts = append(parts, `\\`)
			case r == '/' && k == 0:
				parts = append(parts, `\/`)
			case k == 1 || r == '\\' && k == 2:
				parts = append(parts, utf16Escape(r, "\\u%04x"))
			case k == 2:
				parts = append(parts, utf16Escape(r, "\\u%04X"))
			case k == 3 && r < 0x80:
				parts = append(parts, fmt.Sprintf(`\x%02x`, r))
			case k == 4 || r == '\\':
				parts = append(parts, fmt.Sprintf(`\u{%X}`, r))
			default:
				parts = append(parts, string(r))
			}
		}
	case 1: // HTML
		named := map[rune]string{'/': "&sol;", '+': "&plus;", '&': "&amp;", '.': "&period;", '<': "&lt;", '"': "&quot;"}
		for _, r := range s {
			switch k := rng.IntN(5); {
			case named[r] != "" && k < 2:
				parts = append(parts, named[r])
			case k == 1 || r == '&' && k == 2:
				parts = append(parts, fmt.Sprintf("&#%0*d;", 1+rng.IntN(4), r))
			case k == 2 || r == '&':
				parts = append(parts, fmt.Sprintf("&#%c%x;", "xX"[rng.IntN(2)], r))
			default:
				parts = append(parts, string(r))
			}
		}
		// A numeric reference may drop its ';' when an escape follows.
		for i := 0; i+1 < len(parts); i++ {
			if strings.HasPrefix(parts[i], "&#") && strings.HasPrefix(parts[i+1], "&") && rng.IntN(2) == 0 {
				parts[i] = strings.TrimSuffix(parts[i], ";")
			}
		}
	default: // percent-encoding: a character's UTF-8 bytes, or %uXXXX
		for _, r := range s {
			switch k := rng.IntN(4); {
			case k == 0 || r == '%':
				parts = append(parts, eachByte(string(r), "%%%02X"))
			case k == 1:
				parts = append(parts, eachByte(string(r), "%%%02x"))
			case k == 2:
				parts = append(parts, utf16Escape(r, "%%u%04x"))
			default:
				parts = append(parts, string(r))
			}
		}
	}
	return strings.Join(parts, "")
}
