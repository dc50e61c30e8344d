package record

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
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
