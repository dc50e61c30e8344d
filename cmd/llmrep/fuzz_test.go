package main

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/llmrec/llmrec/analyze"
)

// FuzzParseRate: --error-threshold values (a fraction or a percentage)
// never panic the parser; an accepted value is the number given, divided
// by 100 after a '%'; the analysis options refuse anything outside [0, 1),
// NaN included. Seeds: testdata/fuzz/FuzzParseRate. The `llmrep check`
// gates are fuzzed by analyze.FuzzParseGate.
func FuzzParseRate(f *testing.F) {
	f.Add("1%")
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseRate(s)
		if err != nil {
			if !strings.Contains(err.Error(), "is not a rate") {
				t.Fatalf("error %q", err)
			}
			return
		}
		body, div := strings.TrimSpace(s), 1.0
		if b, ok := strings.CutSuffix(body, "%"); ok {
			body, div = b, 100
		}
		want, perr := strconv.ParseFloat(body, 64)
		if perr != nil {
			t.Fatalf("%q accepted but %q is not a number", s, body)
		}
		if want/div != v && !(math.IsNaN(v) && math.IsNaN(want)) {
			t.Fatalf("%q parsed as %v, want %v", s, v, want/div)
		}
		var r rateValue
		r.p = new(float64)
		if err := r.Set(s); err != nil {
			t.Fatalf("Set(%q): %v", s, err)
		}
		o := analyze.DefaultOptions()
		o.ErrorThreshold = v
		if verr := o.Validate(); (verr == nil) != (v >= 0 && v < 1) {
			t.Fatalf("threshold %v (from %q): Validate = %v", v, s, verr)
		}
	})
}
