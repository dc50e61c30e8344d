package assets

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
)

// CSP is the Content-Security-Policy of a page that inlines its scripts:
// nothing may be fetched (default-src 'none', no form or base URL), and the
// only scripts allowed to run are the inline ones whose SHA-256 is listed.
// Inline styles are allowed because ECharts styles its tooltip with style
// attributes; data: images because ECharts may paint patterns from them.
// extra directives are appended: the HTML report has none; the live
// dashboard adds connect-src 'self' for its event stream.
func CSP(extra []string, scripts ...string) string {
	var b strings.Builder
	b.WriteString("default-src 'none'; script-src")
	for _, s := range scripts {
		sum := sha256.Sum256([]byte(s))
		b.WriteString(" 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'")
	}
	b.WriteString("; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'")
	for _, d := range extra {
		b.WriteString("; " + d)
	}
	return b.String()
}

// Inlineable checks that js can be the text of an HTML <script> element
// unchanged: nothing in it may end the element or open a comment that
// changes how the parser finds its end.
func Inlineable(js string) error {
	lower := strings.ToLower(js)
	for _, bad := range []string{"</script", "<!--", "<script"} {
		if strings.Contains(lower, bad) {
			return fmt.Errorf("contains %q", bad)
		}
	}
	return nil
}
