package target

import (
	"encoding/base64"
	"net/url"
	"os"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/llmrec/llmrec/schemas"
)

// redacted replaces a secret value.
const redacted = "REDACTED"

// publicParams are the query parameters whose values RedactURL keeps: they
// name an API version or a model and are needed to read a report. Known
// secret values are still removed from them by a Redactor.
var publicParams = map[string]bool{"api-version": true, "model": true}

// RedactURL returns raw without the parts of a URL that may hold a secret:
//
//   - the userinfo becomes "***@";
//   - every query value becomes REDACTED, and so does a query component
//     without '=' (a bare token), except the values of api-version and
//     model; names are kept, in their order;
//   - the value of every ;name=value path parameter becomes REDACTED;
//   - a non-empty fragment becomes "#REDACTED".
//
// Scheme, host and path stay. A known secret elsewhere (an API key as a
// path segment) is removed by a Redactor, which calls RedactURL for every
// URL it finds. Text that does not parse as a URL is cleaned on a
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
	frag := ""
	if h := strings.IndexByte(s, '#'); h >= 0 {
		frag = "#"
		if h+1 < len(s) {
			frag += redacted
		}
		s = s[:h]
	}
	path, query, hasQuery := strings.Cut(s, "?")
	path = redactPathParams(path)
	if !hasQuery {
		return path + frag
	}
	parts := strings.Split(query, "&")
	for i, p := range parts {
		if p == "" {
			continue
		}
		name, v, hasValue := strings.Cut(p, "=")
		switch {
		case !hasValue:
			parts[i] = redacted
		case v != "" && !publicParams[queryName(name)]:
			parts[i] = name + "=" + redacted
		}
	}
	return path + "?" + strings.Join(parts, "&") + frag
}

// queryName returns a query parameter name unescaped and lower-cased.
func queryName(name string) string {
	if un, err := url.QueryUnescape(name); err == nil {
		name = un
	}
	return strings.ToLower(name)
}

// redactPathParams replaces the value of every ;name=value parameter of a
// path segment (and every bare ;token) with REDACTED.
func redactPathParams(path string) string {
	if !strings.Contains(path, ";") {
		return path
	}
	segs := strings.Split(path, "/")
	for i, seg := range segs {
		params := strings.Split(seg, ";")
		if len(params) == 1 {
			continue
		}
		for j := 1; j < len(params); j++ {
			name, _, hasValue := strings.Cut(params[j], "=")
			switch {
			case params[j] == "":
			case hasValue:
				params[j] = name + "=" + redacted
			default:
				params[j] = redacted
			}
		}
		segs[i] = strings.Join(params, ";")
	}
	return strings.Join(segs, "/")
}

// urlSecrets returns the parts of a URL that RedactURL removes, decoded,
// so that a Redactor also finds them where they are echoed outside a URL:
// userinfo, query values (but the public ones), path parameter values and
// the fragment. Their escaped spellings are decoded in the text before
// matching.
func urlSecrets(raw string) []string {
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	var out []string
	// add adds v decoded as a query ('+' a space) and as a path ('+'
	// itself) would be; v itself when it does not decode.
	add := func(v string) {
		n := len(out)
		for _, unescape := range []func(string) (string, error){url.QueryUnescape, url.PathUnescape} {
			if dv, err := unescape(v); err == nil {
				out = append(out, dv)
			}
		}
		if len(out) == n {
			out = append(out, v)
		}
	}
	if u.User != nil {
		out = append(out, u.User.Username(), userinfo(u.User), basicAuth(u.User))
		if p, ok := u.User.Password(); ok {
			out = append(out, p)
		}
	}
	for _, p := range strings.Split(u.RawQuery, "&") {
		name, v, ok := strings.Cut(p, "=")
		if !ok {
			v = name
		} else if publicParams[queryName(name)] {
			continue
		}
		add(v)
	}
	for _, seg := range strings.Split(u.EscapedPath(), "/") {
		params := strings.Split(seg, ";")
		for _, p := range params[1:] {
			_, v, ok := strings.Cut(p, "=")
			if !ok {
				v = p
			}
			add(v)
		}
	}
	if u.Fragment != "" {
		out = append(out, u.Fragment)
		for _, p := range strings.Split(u.Fragment, "&") {
			if _, v, ok := strings.Cut(p, "="); ok {
				out = append(out, v)
			}
		}
	}
	return out
}

// userinfo returns "user:password" (or "user"), unescaped.
func userinfo(u *url.Userinfo) string {
	if p, ok := u.Password(); ok {
		return u.Username() + ":" + p
	}
	return u.Username()
}

// proxyEnv are the variables net/http reads its proxy from.
var proxyEnv = []string{"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"}

// proxySecrets returns the credentials of the proxies named in the
// environment: net/http sends them as Proxy-Authorization, so a server or a
// proxy may echo them.
func proxySecrets(getenv func(string) string) []string {
	var out []string
	for _, name := range proxyEnv {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			continue
		}
		u, err := url.Parse(v)
		if err != nil || u.Scheme == "" || u.Host == "" {
			// net/http reads "user:pw@proxy:3128" as http://user:pw@proxy:3128.
			if u2, err2 := url.Parse("http://" + v); err2 == nil {
				u = u2
			}
		}
		if u == nil || u.User == nil {
			continue
		}
		auth := basicAuth(u.User)
		out = append(out, u.User.Username(), userinfo(u.User), auth, "Basic "+auth)
		if p, ok := u.User.Password(); ok {
			out = append(out, p)
		}
	}
	return out
}

// basicAuth returns the base64 credentials of userinfo for Basic auth.
func basicAuth(u *url.Userinfo) string {
	pw, _ := u.Password()
	return base64.StdEncoding.EncodeToString([]byte(u.Username() + ":" + pw))
}

// minSecretLen is the shortest value a Redactor replaces: shorter values
// (a header "X-Debug: 1") would shred every message and are no secret.
const minSecretLen = 3

// MinSecretPrefix is the length from which a Redactor also replaces a
// prefix of a known secret: a run of at least this many bytes that starts a
// known secret is removed with as much of the rest of the secret as
// follows it, so a key cut by a server, a proxy or a length bound is
// removed too. Shorter known secrets (3 to 7 bytes), and values of several
// words ("Bearer sk-...", whose words are known one by one), are replaced
// only whole.
const MinSecretPrefix = 8

// Redactor removes known secret values and URL secrets from text. It is
// immutable after NewRedactor and safe for concurrent use.
type Redactor struct {
	secrets []string // longest first, so a secret containing another goes first
	// whole are the secrets matched only whole: values of several words
	// ("Bearer sk-..."), whose first bytes ("Bearer s") are no secret;
	// each of their words is known and matched by prefix.
	whole  map[string]bool
	maxLen int // of the longest secret
}

// NewRedactor returns a Redactor for the given secret values. For values
// made of several words (a header "Bearer sk-...", a cookie "a=x; b=y")
// each word and each name=value's value is known too. Values shorter than
// three bytes are ignored. The Redactor finds each value in any escaped
// spelling a server may echo (JSON and JavaScript escapes, HTML character
// references, percent-encoding, nested up to four levels): it decodes the
// text before matching (see decodeLevels).
func NewRedactor(secrets ...string) *Redactor {
	whole := map[string]bool{}
	seen := map[string]bool{}
	var list []string
	add := func(s string, wholeOnly bool) {
		s = strings.TrimSpace(s)
		if len(s) < minSecretLen {
			return
		}
		if seen[s] {
			if !wholeOnly {
				delete(whole, s)
			}
			return
		}
		seen[s] = true
		if wholeOnly {
			whole[s] = true
		}
		list = append(list, s)
	}
	isSep := func(r rune) bool { return r == ' ' || r == ',' || r == ';' || r == '\t' }
	for _, s := range secrets {
		words := strings.FieldsFunc(s, isSep)
		for _, v := range secretForms(s) {
			add(v, len(words) > 1)
		}
		for _, w := range words {
			if authSchemes[strings.ToLower(w)] {
				continue // "Bearer" itself is no secret
			}
			for _, v := range secretForms(w) {
				add(v, false)
			}
			if _, v, ok := strings.Cut(w, "="); ok {
				for _, f := range secretForms(v) {
					add(f, false)
				}
			}
		}
	}
	sort.SliceStable(list, func(i, j int) bool { return len(list[i]) > len(list[j]) })
	r := &Redactor{secrets: list, whole: whole}
	if len(list) > 0 {
		r.maxLen = len(list[0])
	}
	return r
}

// NewRedactor returns a Redactor that knows every secret of o: the API key
// (and its Authorization value), every header value, the secret parts of
// the target URL (see RedactURL) and the credentials of the proxies in the
// environment.
func (o Options) NewRedactor() *Redactor {
	return newOptionsRedactor(o, os.Getenv)
}

// newOptionsRedactor knows every secret in o and in the proxy environment.
func newOptionsRedactor(o Options, getenv func(string) string) *Redactor {
	var secrets []string
	if o.APIKey != "" {
		secrets = append(secrets, o.APIKey, "Bearer "+o.APIKey)
	}
	for _, vs := range o.Headers {
		secrets = append(secrets, vs...)
	}
	secrets = append(secrets, urlSecrets(o.Target)...)
	secrets = append(secrets, proxySecrets(getenv)...)
	return NewRedactor(secrets...)
}

// authSchemes are the words of an Authorization value that are not secret.
var authSchemes = map[string]bool{"bearer": true, "basic": true, "token": true, "digest": true}

// secretForms returns s and, when it holds spaces, s with its spaces
// written '+' (a query string's spelling). Every other escaped spelling
// (percent-encoding, JSON and HTML escapes) is decoded in the text before
// matching, not listed here.
func secretForms(s string) []string {
	if strings.Contains(s, " ") {
		return []string{s, strings.ReplaceAll(s, " ", "+")}
	}
	return []string{s}
}

// String returns s with every known secret (and every run of at least
// MinSecretPrefix bytes that starts one), as it is or escaped, replaced by
// REDACTED, then every URL passed through RedactURL.
func (r *Redactor) String(s string) string {
	return redactURLsIn(r.known(s))
}

// URL returns a target URL fit to print: known secrets removed (a key
// that is a path segment), then RedactURL, which also cleans text that
// does not parse as a URL or has no scheme.
func (r *Redactor) URL(raw string) string {
	return RedactURL(r.known(raw))
}

// Error returns err with its message passed through String, still
// wrapping err for errors.Is and errors.As (wrapping with %w would put the
// secret back into Error()). A nil err stays nil.
func (r *Redactor) Error(err error) error {
	if err == nil {
		return nil
	}
	msg := r.String(err.Error())
	if msg == err.Error() {
		return err
	}
	return &redactedError{msg: msg, err: err}
}

// Labels returns a copy of m with known secrets removed from its keys and
// values (a label "apikey=$OPENAI_API_KEY").
func (r *Redactor) Labels(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[r.String(k)] = r.String(v)
	}
	return out
}

// Untrusted returns text that came from the target (a model id, a header,
// a body excerpt) fit to store or print: known secrets removed first, then
// control characters made spaces, then cut to at most n bytes on a UTF-8
// boundary (a secret cut by the bound is removed, not left half). Only a
// window of n bytes plus the longest secret is looked at, so the cost is
// bounded whatever the size of s. Where the text is cut (the window's end,
// then n), a trailing start of a secret is dropped: a cut may leave the
// first bytes of a secret whose escaped spelling went on, or break an
// escape sequence in two.
func (r *Redactor) Untrusted(s string, n int) string {
	maxLen := 0
	if r != nil {
		maxLen = r.maxLen
	}
	cut := false
	if lim := n + maxLen + 1; len(s) > lim {
		s, cut = s[:lim], true
	}
	s = r.String(s)
	if cut {
		s = r.cutSecretTail(s)
	}
	if s = cleanLine(s); len(s) > n {
		s = r.cutSecretTail(truncate(s, n))
	}
	return s
}

// window is how many bytes past a bound excerpt looks at: enough to see a
// secret that starts before the bound whole, and to know that s was cut.
func (r *Redactor) window() int {
	if r == nil {
		return 2
	}
	return r.maxLen + 2
}

// maxRedactPasses bounds how many times known looks at its own result:
// replacing a secret changes the text next to it, and so may change how
// the escape sequences around it decode.
const maxRedactPasses = 3

// known replaces known secrets and long prefixes of them, in s as it is
// and in every escape level decoded from it (see decodeLevels), until a
// pass finds nothing more.
func (r *Redactor) known(s string) string {
	if r == nil || len(r.secrets) == 0 {
		return s
	}
	for range maxRedactPasses {
		t := r.knownOnce(s)
		if t == s {
			break
		}
		s = t
	}
	return s
}

// knownOnce replaces known secrets and long prefixes of them in one pass
// over s and its decoded levels: the spans found for every secret, mapped
// back to the bytes of s they came from, are merged, so overlapping
// secrets leave no part of either.
func (r *Redactor) knownOnce(s string) string {
	if s == "" {
		return s
	}
	var spans [][2]int
	for _, d := range decodeLevels(s) {
		spans = r.appendMatches(spans, &d)
	}
	if len(spans) == 0 {
		return s
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i][0] < spans[j][0] })
	var b strings.Builder
	b.Grow(len(s))
	pos := 0
	for i := 0; i < len(spans); {
		start, end := spans[i][0], spans[i][1]
		for i++; i < len(spans) && spans[i][0] <= end; i++ {
			end = max(end, spans[i][1])
		}
		b.WriteString(s[pos:start])
		b.WriteString(redacted)
		pos = end
	}
	b.WriteString(s[pos:])
	return b.String()
}

// appendMatches appends to spans the bytes of the original text that each
// match of a known secret (or of a run of at least MinSecretPrefix bytes
// that starts one) in d.text came from.
func (r *Redactor) appendMatches(spans [][2]int, d *decoded) [][2]int {
	s := d.text
	for _, sec := range r.secrets {
		anchor := sec
		if len(anchor) > MinSecretPrefix && !r.whole[sec] {
			anchor = sec[:MinSecretPrefix]
		}
		for off := 0; off < len(s); {
			i := strings.Index(s[off:], anchor)
			if i < 0 {
				break
			}
			start := off + i
			end := start + len(anchor)
			for end < len(s) && end-start < len(sec) && s[end] == sec[end-start] {
				end++
			}
			from, to := d.span(start, end)
			spans = append(spans, [2]int{from, to})
			off = start + 1
		}
	}
	return spans
}

// cutSecretTail drops a trailing prefix of a known secret from s, as it
// is or escaped (see decodeLevels): text cut from a longer body may end in
// the first bytes of a secret.
func (r *Redactor) cutSecretTail(s string) string {
	if r == nil {
		return s
	}
	for range maxRedactPasses {
		cut := len(s)
		for _, d := range decodeLevels(s) {
			if p := r.secretTail(d.text); p < len(d.text) {
				from, _ := d.span(p, len(d.text))
				cut = min(cut, from)
			}
		}
		if cut == len(s) {
			break
		}
		s = s[:cut]
	}
	return s
}

// maxEscapeLen is the length of the longest escape sequence unescapeAt
// decodes (a named HTML reference of 31 letters, with '&' and ';').
const maxEscapeLen = 33

// secretTail returns where the longest trailing run of t that is a
// prefix of a known secret, at least minSecretLen bytes long, starts;
// len(t) when there is none (a whole secret at the end is there only when
// a cut made it, from escapes cut in two). The run may also be followed by
// what can be the start of a cut escape sequence (from a backslash, '&' or
// '%' in the last maxEscapeLen bytes on), which may stand for the
// secret's next byte.
func (r *Redactor) secretTail(t string) int {
	cut := len(t)
	ends := []int{len(t)}
	for i := max(0, len(t)-maxEscapeLen); i < len(t); i++ {
		if strings.IndexByte(escAll.starts(), t[i]) >= 0 {
			ends = append(ends, i, i+1) // the start of a cut escape, or itself
		}
	}
	for _, sec := range r.secrets {
		for _, e := range ends {
			for p := max(0, e-len(sec)); p <= e-minSecretLen && p < cut; p++ {
				if t[p] == sec[0] && strings.HasPrefix(sec, t[p:e]) {
					cut = p
					break
				}
			}
		}
	}
	return cut
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
		// Punctuation that ends a sentence is not part of the URL.
		for end > i+3 && strings.IndexByte(".,:;!?", rest[end-1]) >= 0 {
			end--
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
	return truncate(cleanLine(s), schemas.MaxErrorLen)
}

// cleanLine makes s valid UTF-8 and replaces every C0 control (tab and
// newline included), DEL and C1 control (U+0080 to U+009F) with a space:
// nothing that moves the cursor or starts a terminal escape sequence
// remains. Invalid UTF-8 becomes U+FFFD, so the text may grow.
func cleanLine(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r >= 0x7f && r <= 0x9f {
			return ' '
		}
		return r
	}, s)
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
