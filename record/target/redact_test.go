package target

import (
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
		{"http://h/x?model=a&API_KEY=S1&token=S2&b=2", "http://h/x?model=a&API_KEY=REDACTED&token=REDACTED&b=2"},
		{"http://h/x?apikey=S&access_token=S&client_secret=S&password=S&passwd=S", "http://h/x?apikey=REDACTED&access_token=REDACTED&client_secret=REDACTED&password=REDACTED&passwd=REDACTED"},
		{"http://h/x?sig=S&Signature=S&auth=S&X-Amz-Credential=S&sv=2020", "http://h/x?sig=REDACTED&Signature=REDACTED&auth=REDACTED&X-Amz-Credential=REDACTED&sv=2020"},
		{"http://h/x?api%5Fkey=S", "http://h/x?api%5Fkey=REDACTED"},
		{"http://h/x?key=S#frag", "http://h/x?key=REDACTED#frag"},
		{"http://h/x?flag&key", "http://h/x?flag&key"},
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
		{"two urls https://h?token=1 and http://x?secret=2.", "two urls https://h?token=REDACTED and http://x?secret=REDACTED"},
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
