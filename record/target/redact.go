package target

import (
	"encoding/json"
	"net/url"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/llmrec/llmrec/schemas"
)

// redacted replaces a secret value.
const redacted = "REDACTED"

// secretParamWords mark a query parameter as secret when its lower-cased
// name contains one of them.
var secretParamWords = []string{
	"key", "token", "secret", "password", "passwd", "pwd", "sig", "auth",
	"credential", "session", "jwt", "bearer", "private", "cookie",
}

// isSecretParam reports whether a query parameter name looks secret.
func isSecretParam(name string) bool {
	n := strings.ToLower(name)
	for _, w := range secretParamWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// RedactURL returns raw without secrets: userinfo becomes "***@" and the
// values of secret-looking query parameters (names containing key, token,
// secret, password, passwd, pwd, sig, auth, credential, session, jwt,
// bearer, private or cookie, in any case) become REDACTED. The order of the
// parameters is kept. Text that does not parse as a URL is cleaned on a
// best-effort basis the same way.
func RedactURL(raw string) string {
	s := raw
	// Userinfo: between "//" and the last '@' before the path starts.
	if i := strings.Index(s, "//"); i >= 0 {
		rest := s[i+2:]
		end := strings.IndexAny(rest, "/?#")
		if end < 0 {
			end = len(rest)
		}
		if at := strings.LastIndex(rest[:end], "@"); at >= 0 {
			s = s[:i+2] + "***" + rest[at:]
		}
	}
	q := strings.IndexByte(s, '?')
	if q < 0 {
		return s
	}
	frag := ""
	query := s[q+1:]
	if h := strings.IndexByte(query, '#'); h >= 0 {
		query, frag = query[:h], query[h:]
	}
	parts := strings.Split(query, "&")
	changed := false
	for i, p := range parts {
		name, _, hasValue := strings.Cut(p, "=")
		if un, err := url.QueryUnescape(name); err == nil {
			name = un
		}
		if isSecretParam(name) && hasValue {
			parts[i] = p[:strings.IndexByte(p, '=')+1] + redacted
			changed = true
		}
	}
	if !changed {
		return s
	}
	return s[:q+1] + strings.Join(parts, "&") + frag
}

// urlSecrets returns the secret parts of a URL: userinfo and the values of
// secret query parameters, raw and decoded.
func urlSecrets(raw string) []string {
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	var out []string
	if u.User != nil {
		out = append(out, u.User.Username())
		if p, ok := u.User.Password(); ok {
			out = append(out, p)
		}
		out = append(out, u.User.String())
	}
	for _, p := range strings.Split(u.RawQuery, "&") {
		name, v, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		if un, err := url.QueryUnescape(name); err == nil {
			name = un
		}
		if !isSecretParam(name) {
			continue
		}
		out = append(out, v)
		if dv, err := url.QueryUnescape(v); err == nil {
			out = append(out, dv)
		}
	}
	return out
}

// minSecretLen is the shortest value a Redactor replaces: shorter values
// (a header "X-Debug: 1") would shred every message and are no secret.
const minSecretLen = 3

// Redactor removes known secret values and URL secrets from text. It is
// immutable after NewRedactor and safe for concurrent use.
type Redactor struct {
	secrets []string // longest first, so a secret containing another goes first
}

// NewRedactor returns a Redactor for the given secret values. Each value is
// also known in its URL-escaped and JSON-escaped forms, and for values made
// of several words (a header "Bearer sk-...", a cookie "a=x; b=y") each word
// and each name=value's value is known too. Values shorter than three bytes
// are ignored.
func NewRedactor(secrets ...string) *Redactor {
	seen := map[string]bool{}
	var list []string
	add := func(s string) {
		s = strings.TrimSpace(s)
		if len(s) < minSecretLen || seen[s] {
			return
		}
		seen[s] = true
		list = append(list, s)
	}
	for _, s := range secrets {
		for _, v := range secretForms(s) {
			add(v)
		}
		for _, w := range strings.FieldsFunc(s, func(r rune) bool {
			return r == ' ' || r == ',' || r == ';' || r == '\t'
		}) {
			if authSchemes[strings.ToLower(w)] {
				continue // "Bearer" itself is no secret
			}
			for _, v := range secretForms(w) {
				add(v)
			}
			if _, v, ok := strings.Cut(w, "="); ok {
				for _, f := range secretForms(v) {
					add(f)
				}
			}
		}
	}
	sort.SliceStable(list, func(i, j int) bool { return len(list[i]) > len(list[j]) })
	return &Redactor{secrets: list}
}

// authSchemes are the words of an Authorization value that are not secret.
var authSchemes = map[string]bool{"bearer": true, "basic": true, "token": true, "digest": true}

// secretForms returns s and the escaped spellings a server might echo.
func secretForms(s string) []string {
	out := []string{s, url.QueryEscape(s), url.PathEscape(s)}
	if b, err := json.Marshal(s); err == nil && len(b) >= 2 {
		out = append(out, string(b[1:len(b)-1]))
	}
	return out
}

// String returns s with every URL passed through RedactURL and every known
// secret value replaced by REDACTED.
func (r *Redactor) String(s string) string {
	s = redactURLsIn(s)
	if r == nil {
		return s
	}
	for _, sec := range r.secrets {
		if strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, redacted)
		}
	}
	return s
}

// cutSecretTail drops a trailing prefix of a known secret from s: text cut
// from a longer body may end in the first bytes of a secret.
func (r *Redactor) cutSecretTail(s string) string {
	if r == nil {
		return s
	}
	for _, sec := range r.secrets {
		for k := len(sec) - 1; k >= minSecretLen; k-- {
			if strings.HasSuffix(s, sec[:k]) {
				s = s[:len(s)-k]
				break
			}
		}
	}
	return s
}

// redactURLsIn rewrites every scheme://... token in s with RedactURL.
func redactURLsIn(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	var b strings.Builder
	rest := s
	for {
		i := strings.Index(rest, "://")
		if i < 0 {
			b.WriteString(rest)
			break
		}
		start := i
		for start > 0 && isSchemeByte(rest[start-1]) {
			start--
		}
		end := i + 3
		for end < len(rest) && !isURLEnd(rest[end]) {
			end++
		}
		b.WriteString(rest[:start])
		b.WriteString(RedactURL(rest[start:end]))
		rest = rest[end:]
	}
	return b.String()
}

func isSchemeByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'
}

func isURLEnd(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '"', '\'', '<', '>', '`', ')', ']', '}', '\\':
		return true
	}
	return false
}

// clean makes s printable on one line and at most schemas.MaxErrorLen bytes,
// cut on a UTF-8 boundary. Redaction must have happened before.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	return truncate(s, schemas.MaxErrorLen)
}

// truncate cuts s to at most n bytes on a UTF-8 boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
