package target

import (
	"encoding/base64"
	"strings"
	"testing"
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
		if len(secret) < minSecretLen || strings.ContainsAny(secret, " ,;\t=") {
			return // NewRedactor splits these into words; the words are the secrets
		}
		r := NewRedactor(secret)
		needle := secret
		if len(needle) > MinSecretPrefix {
			needle = needle[:MinSecretPrefix]
		}
		mask := strings.NewReplacer(redacted, "\x00", "***", "\x00")
		check := func(what, out string) {
			// REDACTED and *** are what the redactor writes: they may
			// happen to spell part of a secret, which leaks nothing; and
			// a needle the input never held leaks nothing either (U+FFFD
			// written for invalid UTF-8 may spell one).
			if strings.Contains(mask.Replace(out), needle) && strings.Contains(text, needle) {
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
