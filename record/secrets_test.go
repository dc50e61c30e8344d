package record

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/llmrec/llmrec/record/target"
	"github.com/llmrec/llmrec/schemas"
)

// Secrets a hostile target echoes back (docs/RELIABILITY.md, round 2,
// items 1 to 3). Each is long enough that a cut copy of it (45 of 51
// characters) would be found by looking for its first 12 bytes.
const (
	leakKey       = "sk-leak-0123456789abcdefghijklmnopqrstuvwxyzABCDEFG" // 51 bytes
	leakProxyPass = "proxy-pw-9f8e7d6c5b4a"
	leakQuery     = "query-code-77aa66bb55cc"
	leakFragment  = "frag-token-11dd22ee33ff"
	leakMatrix    = "matrix-auth-44gg55hh66"
)

// hostileServer echoes the Authorization header into the model id (with
// terminal escapes), and answers the chat endpoint as fault says, echoing
// the key in a way that survives no cut before redaction.
func hostileServer(t *testing.T, fault string) *httptest.Server {
	t.Helper()
	proxyAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte("puser:"+leakProxyPass))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		if strings.HasSuffix(r.URL.Path, "/v1/models") {
			fmt.Fprintf(w, `{"data":[{"id":"m-%s\u001b]0;owned\u0007\u001b[2J\u009b31m %s"}]}`, auth, proxyAuth)
			return
		}
		io.Copy(io.Discard, r.Body)
		switch fault {
		case "sse-line": // a non-JSON data line echoing the key, long enough to be cut
			w.Header().Set("Content-Type", "text/event-stream")
			fmt.Fprintf(w, "data: you sent %s and also %s; proxy %s\n\n", auth, strings.Repeat("x", 200), proxyAuth)
		case "json-200": // --stream=false, a non-JSON 200 body
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, "<html>upstream echoed %s %s</html>", auth, r.URL.RawQuery)
		case "retry-after": // a 429 whose Retry-After holds the key
			w.Header().Set("Retry-After", "soon, key "+auth+" "+leakProxyPass)
			w.WriteHeader(http.StatusTooManyRequests)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestRunNeverStoresSecrets(t *testing.T) {
	t.Setenv("HTTPS_PROXY", "http://puser:"+leakProxyPass+"@127.0.0.1:9")
	t.Setenv("HTTP_PROXY", "http://puser:"+leakProxyPass+"@127.0.0.1:9") // loopback targets bypass it
	for _, tc := range []struct {
		fault  string
		stream bool
		class  string
	}{
		{"sse-line", true, schemas.ErrProtocol},
		{"json-200", false, schemas.ErrProtocol},
		{"retry-after", true, schemas.ErrRateLimited},
	} {
		t.Run(tc.fault, func(t *testing.T) {
			srv := hostileServer(t, tc.fault)
			cfg := quickConfig(t, srv.URL+"/v1;auth="+leakMatrix+"/"+leakKey+"?pass="+leakQuery+"&code="+leakQuery+"#access_token="+leakFragment)
			cfg.Shape = Shape{StepUsers: 1, StepTime: 300 * time.Millisecond, MaxUsers: 1}
			cfg.Model = ""
			cfg.Stream = tc.stream
			cfg.APIKey = leakKey
			cfg.Labels = map[string]string{"apikey": leakKey, "key-" + leakKey: "x"}
			// What llmrec prints of the model is what Connect leaves in
			// cfg.Model; with runE2E that is meta.Model, checked below.
			var notices []string
			_, err := runE2E(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			rows, meta := readRun(t, cfg.Out)
			if len(rows) == 0 || rows[0].OK || deref(rows[0].ErrorClass) != tc.class {
				t.Fatalf("rows %d, first %+v", len(rows), rows)
			}
			raw, err := os.ReadFile(cfg.Out)
			if err != nil {
				t.Fatal(err)
			}
			texts := map[string][]byte{"file bytes": raw, "notices": []byte(strings.Join(notices, "\n"))}
			texts["model"] = []byte(meta.Model)
			texts["target"] = []byte(meta.Target)
			var errs, labels []string
			for _, r := range rows {
				errs = append(errs, deref(r.Error))
			}
			for k, v := range meta.Labels {
				labels = append(labels, k+"="+v)
			}
			texts["errors"] = []byte(strings.Join(errs, "\n"))
			texts["labels"] = []byte(strings.Join(labels, "\n"))
			for _, sec := range []string{leakKey, leakProxyPass, leakQuery, leakFragment, leakMatrix,
				base64.StdEncoding.EncodeToString([]byte("puser:" + leakProxyPass))} {
				for name, b := range texts {
					if bytes.Contains(b, []byte(sec[:target.MinSecretPrefix])) {
						t.Errorf("%s holds the first %d bytes of secret %q", name, target.MinSecretPrefix, sec)
					}
				}
			}
			for name, v := range map[string]string{"model": meta.Model, "notices": strings.Join(notices, " ")} {
				if strings.ContainsAny(v, "\x1b\x07\r\n") || strings.Contains(v, "\u009b") {
					t.Errorf("%s keeps control characters: %q", name, v)
				}
			}
			if !strings.HasPrefix(meta.Model, "m-") {
				t.Errorf("model id = %q, want the redacted id", meta.Model)
			}
			t.Logf("model %q target %q error %q", meta.Model, meta.Target, deref(rows[0].Error))
		})
	}
}

// escapedEchoes spell a value the ways a server may echo it escaped
// (docs/RELIABILITY.md, round 3): each is what some encoder writes.
var escapedEchoes = []struct {
	name   string
	encode func(string) string
}{
	{"php json_encode", func(s string) string { return strings.ReplaceAll(s, "/", `\/`) }},
	{"json \\u upper", func(s string) string { return eachChar(s, func(c rune) string { return fmt.Sprintf(`\u%04X`, c) }) }},
	{"json \\u punctuation", func(s string) string {
		return eachChar(s, func(c rune) string {
			if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
				return string(c)
			}
			return fmt.Sprintf(`\u%04x`, c)
		})
	}},
	{"php json_encode twice", func(s string) string { return strings.ReplaceAll(s, "/", `\\\/`) }},
	{"html decimal", func(s string) string { return eachChar(s, func(c rune) string { return fmt.Sprintf("&#%d;", c) }) }},
	{"html hex", func(s string) string { return eachChar(s, func(c rune) string { return fmt.Sprintf("&#x%x;", c) }) }},
	{"html HEX", func(s string) string { return eachChar(s, func(c rune) string { return fmt.Sprintf("&#X%X;", c) }) }},
	{"html named", strings.NewReplacer("/", "&sol;", "+", "&plus;", "-", "&#45;", " ", "&nbsp;").Replace},
	{"html of html", func(s string) string { return eachChar(s, func(c rune) string { return fmt.Sprintf("&amp;#%d;", c) }) }},
	{"percent", func(s string) string {
		return eachChar(s, func(c rune) string { return fmt.Sprintf("%%%02x", c) })
	}},
}

func eachChar(s string, f func(rune) string) string {
	var b strings.Builder
	for _, c := range s {
		b.WriteString(f(c))
	}
	return b.String()
}

// decodings returns s decoded, by the standard library and a JSON string
// unescaper of its own, in every order up to three levels deep: what a
// reader of a report could make of it.
func decodings(s string) []string {
	jsonEsc := regexp.MustCompile(`\\u([0-9a-fA-F]{4})|\\(.)`)
	decoders := []func(string) string{
		html.UnescapeString,
		func(s string) string {
			return jsonEsc.ReplaceAllStringFunc(s, func(m string) string {
				if v, err := strconv.ParseUint(m[2:], 16, 32); len(m) == 6 && err == nil {
					return string(rune(v))
				}
				return m[1:]
			})
		},
		func(s string) string {
			if d, err := url.PathUnescape(s); err == nil {
				return d
			}
			return s
		},
	}
	out := []string{s}
	for level, from := 0, 0; level < 3; level++ {
		to := len(out)
		for _, t := range out[from:to] {
			for _, d := range decoders {
				out = append(out, d(t))
			}
		}
		from = to
	}
	return out
}

// TestRunRedactsEscapedEchoes: a target that echoes the Authorization
// header escaped (JSON as PHP writes it, \u escapes, HTML character
// references, both nested, percent-encoding) in a 401 body. The run file's
// error column holds REDACTED where the key was, and no decoding of it
// holds the key's first bytes.
func TestRunRedactsEscapedEchoes(t *testing.T) {
	const key = "sk-proj/AbCdEfGh+IjKlMnOp/QrStUvWx"
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		enc := escapedEchoes[int(served.Add(1)-1)%len(escapedEchoes)]
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"error":{"message":"bad key: %s (%s)"}}`, enc.encode(r.Header.Get("Authorization")), enc.name)
	}))
	t.Cleanup(srv.Close)
	cfg := quickConfig(t, srv.URL)
	cfg.Shape = Shape{StepUsers: 1, StepTime: 800 * time.Millisecond, MaxUsers: 1}
	cfg.APIKey = key
	cfg.Model = "m"
	if _, err := runE2E(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	rows, _ := readRun(t, cfg.Out)
	if n := served.Load(); n < int64(len(escapedEchoes)) || len(rows) < len(escapedEchoes) {
		t.Fatalf("the server answered %d requests and the file has %d rows; want every one of the %d encodings", n, len(rows), len(escapedEchoes))
	}
	for _, r := range rows {
		e := deref(r.Error)
		if r.OK || !strings.Contains(e, "bad key: ") || !strings.Contains(e, "REDACTED") {
			t.Errorf("row %d: %q, want a 401 with the echoed key REDACTED", r.Seq, e)
		}
		for _, d := range decodings(e) {
			if strings.Contains(d, key[:target.MinSecretPrefix]) {
				t.Errorf("row %d: %q decodes to %q, which holds the key", r.Seq, e, d)
				break
			}
		}
	}
	t.Logf("first rows: %q, %q", deref(rows[0].Error), deref(rows[1].Error))
}
