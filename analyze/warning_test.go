package analyze

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// texts are the warnings' own sentences, and for a fact its type and
// numbers ("analyze.LagFact{Late:12 ...}"): report/view words facts, so
// analyze's tests read their numbers.
// hasFact says whether ws state f (a comparable fact, compared with ==).
func hasFact(ws []Warning, f Fact) bool {
	for _, w := range ws {
		if w.Fact == f {
			return true
		}
	}
	return false
}

func texts(ws []Warning) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.Text
		if w.Fact != nil {
			out[i] = fmt.Sprintf("%T%+v", w.Fact, w.Fact)
		}
	}
	return out
}

// plain returns a with every warning a sentence (texts), for a test
// that reads an Analysis as JSON without report/view; a is not changed.
func plain(a *Analysis) *Analysis {
	out := *a
	out.Warnings = TextWarnings(texts(a.Warnings)...)
	return &out
}

// facts are the warnings' facts of type T.
func facts[T Fact](ws []Warning) []T {
	var out []T
	for _, w := range ws {
		if f, ok := w.Fact.(T); ok {
			out = append(out, f)
		}
	}
	return out
}

// TestWarningJSON: a warning is its sentence in the JSON, unescaped (the
// document's encoder decides); a fact not yet worded, or a run's warning
// without its name before it, is refused rather than written empty.
func TestWarningJSON(t *testing.T) {
	tests := []struct {
		w       Warning
		want    string
		refused bool
	}{
		{w: Warning{Text: "step 1 has only 3 samples (< 30)"}, want: `"step 1 has only 3 samples (< 30)"`},
		{w: Warning{Text: "worded", Fact: LagFact{Late: 3}}, want: `"worded"`},
		{w: Warning{Fact: LagFact{Late: 3}}, refused: true},
		{w: Warning{Text: "x", Run: "v1"}, refused: true},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false) // as report.JSON
		err := enc.Encode(tt.w)
		b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
		if tt.refused {
			if err == nil || !strings.Contains(err.Error(), "not worded") {
				t.Errorf("%+v: %s, %v; want refused", tt.w, b, err)
			}
			continue
		}
		if err != nil || string(b) != tt.want {
			t.Errorf("%+v: %s, %v; want %s", tt.w, b, err, tt.want)
		}
		var back Warning
		if err := json.Unmarshal(b, &back); err != nil || back.Text != tt.w.Text {
			t.Errorf("%s read back as %+v, %v", b, back, err)
		}
	}
}
