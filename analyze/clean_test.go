package analyze

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPrintable(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"plain", 10, "plain"},
		{"a\x1b]0;title\x07b\x1b[2Jc", 100, "a ]0;title b [2Jc"},
		{"csi\u009b31m, del\x7f, nl\n, cr\r, tab\t", 100, "csi 31m, del , nl , cr , tab "},
		{"bidi\u202e!\u2066x\u2069 sep\u2028", 100, "bidi ! x  sep "},
		{"bad\xffutf8", 100, "bad\uFFFDutf8"},
		{"0123456789", 8, "01234…"},
		{"ééééé", 6, "é…"},
	}
	for _, tt := range tests {
		if got := printable(tt.in, tt.n); got != tt.want {
			t.Errorf("printable(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

// TestLoadStripsControlCharacters: a crafted file with terminal escapes in
// every text field of its metadata, its error classes and its messages
// gives an Analysis without one, whatever renders it.
func TestLoadStripsControlCharacters(t *testing.T) {
	const esc = "\x1b]0;pwned\x07\x1b[2J\r\u009b31m\u202e"
	meta := testMeta("run-"+esc, 10, 20)
	meta.Model, meta.Target, meta.Hostname = "m"+esc, "http://h/"+esc, "host"+esc
	meta.EndReason, meta.EndDetail = "interrupted", "detail"+esc
	meta.Labels = map[string]string{"k" + esc: "v" + esc}
	for i := range 70 {
		meta.Labels[fmt.Sprintf("l%02d", i)] = strings.Repeat("x", 5000)
	}
	reqs := stepReqs(10, []stepSpec{{users: 10, lats: lats(40, 100, 50), fails: 5}})
	for i := range reqs {
		if !reqs[i].ok {
			reqs[i].class = "bad" + esc
		}
	}
	path := writeRun(t, filepath.Join(t.TempDir(), "run.parquet"), meta, reqs)
	a, err := Analyze(context.Background(), testOptions(0, 5*time.Second), path)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(plain(a)); err != nil {
		t.Fatal(err)
	}
	out := strings.TrimSuffix(b.String(), "\n")
	for _, bad := range []string{`\u00`, `\n`, `\r`, `\t`, "\u009b", "\u202e", "\x7f"} {
		if strings.Contains(out, bad) {
			i := strings.Index(out, bad)
			t.Errorf("analysis JSON holds %q: ...%s...", bad, out[max(i-60, 0):min(i+20, len(out))])
		}
	}
	if len(a.Run.Labels) != maxLabels || len(a.Run.Labels["l00"]) > maxValueLen {
		t.Errorf("labels: %d kept, l00 is %d bytes", len(a.Run.Labels), len(a.Run.Labels["l00"]))
	}
	if !slices.ContainsFunc(a.Warnings, func(w Warning) bool {
		f, ok := w.Fact.(FileFact)
		return ok && f.Kind == FileLabelsCut && f.N > 0 && f.Shown == maxLabels
	}) {
		t.Errorf("no warning for the dropped labels: %q", texts(a.Warnings))
	}
	if len(a.Errors) != 1 || !strings.HasPrefix(a.Errors[0].Class, "bad ]0;pwned") {
		t.Errorf("errors = %+v", a.Errors)
	}
}
