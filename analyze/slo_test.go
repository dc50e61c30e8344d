package analyze

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseSLO(t *testing.T) {
	cases := []struct {
		in   []string
		want SLO
		bad  string
	}{
		{in: []string{"ttft=500ms,itl=50ms,latency=10s"}, want: SLO{TTFT: 500 * time.Millisecond, ITL: 50 * time.Millisecond, Latency: 10 * time.Second}},
		{in: []string{"ttft=500ms", "itl=50ms"}, want: SLO{TTFT: 500 * time.Millisecond, ITL: 50 * time.Millisecond}},
		// Round 3: a key given twice, in one value or over repeated flags,
		// is refused (it used to keep the last silently).
		{in: []string{"ttft=500ms", "ttft=1s"}, bad: "ttft is given twice (500ms and 1s)"},
		{in: []string{"ttft=500ms,ttft=10ms"}, bad: "ttft is given twice (500ms and 10ms)"},
		{in: []string{"TTFT=5ms,itl=1ms,ttft=6ms"}, bad: "ttft is given twice"},
		{in: []string{"latency=2s", "itl=5ms", "Latency=3s"}, bad: "latency is given twice"},
		{in: []string{" Latency = 2s "}, want: SLO{Latency: 2 * time.Second}},
		{in: []string{""}, bad: "empty"},
		{in: []string{"ttft"}, bad: "want KEY=DURATION"},
		{in: []string{"ttft=500"}, bad: "not a duration"},
		{in: []string{"ttft=-5ms"}, bad: "more than 0"},
		{in: []string{"ttft=0s"}, bad: "more than 0"},
		{in: []string{"ttft=48h"}, bad: "at most 24h"},
		{in: []string{"p95=1s"}, bad: "unknown key"},
		{in: []string{"ttft=1s,,itl=2ms"}, bad: "want KEY=DURATION"},
	}
	for _, c := range cases {
		var s SLO
		var err error
		for _, in := range c.in {
			if s, err = ParseSLO(s, in); err != nil {
				break
			}
		}
		switch {
		case c.bad != "":
			if err == nil || !strings.Contains(err.Error(), c.bad) {
				t.Errorf("%q: error %v, want one saying %q", c.in, err, c.bad)
			}
		case err != nil:
			t.Errorf("%q: %v", c.in, err)
		case s != c.want:
			t.Errorf("%q: %+v, want %+v", c.in, s, c.want)
		}
	}
}

func TestParseSLOTarget(t *testing.T) {
	for in, want := range map[string]float64{"90%": 0.9, "0.95": 0.95, "100%": 1, " 50% ": 0.5} {
		if got, err := ParseSLOTarget(in); err != nil || got != want {
			t.Errorf("%q: %v %v, want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"0", "0%", "120%", "1.5", "-1", "NaN", "abc", ""} {
		if _, err := ParseSLOTarget(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

// FuzzParseSLO: any --slo value is an SLO or an *SLOError, never a panic;
// an SLO has every bound in (0, 24h] or unset, and prints back to a value
// that parses to the same SLO.
func FuzzParseSLO(f *testing.F) {
	for _, s := range []string{"ttft=500ms,itl=50ms,latency=10s", "ttft=1s", "itl=", "=", ",", "latency=1e3s", "ttft=9223372036854775807ns", "TTFT=5ms,ttft=6ms"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		s, err := ParseSLO(SLO{}, spec)
		if err != nil {
			var se *SLOError
			if !errors.As(err, &se) {
				t.Fatalf("%q: error of type %T: %v", spec, err, err)
			}
			if strings.ContainsAny(err.Error(), "\n") && !strings.ContainsAny(spec, "\n") {
				t.Fatalf("%q: error on more than one line: %v", spec, err)
			}
			return
		}
		if !s.Set() {
			t.Fatalf("%q parsed to no bound", spec)
		}
		for _, d := range []time.Duration{s.TTFT, s.ITL, s.Latency} {
			if d < 0 || d > maxSLO {
				t.Fatalf("%q: bound %v out of range", spec, d)
			}
		}
		back, err := ParseSLO(SLO{}, s.String())
		if err != nil || back != s {
			t.Fatalf("%q: printed as %q, parsed back to %+v, %v", spec, s.String(), back, err)
		}
		// Each key appears once in an accepted value, and once more (a
		// repeated flag) is refused.
		seen := map[string]bool{}
		for _, part := range strings.Split(spec, ",") {
			k, _, _ := strings.Cut(part, "=")
			k = strings.ToLower(strings.TrimSpace(k))
			if seen[k] {
				t.Fatalf("%q accepted with %s twice", spec, k)
			}
			seen[k] = true
		}
		if _, err := ParseSLO(s, spec); err == nil {
			t.Fatalf("%q accepted twice over (a repeated --slo)", spec)
		}
	})
}
