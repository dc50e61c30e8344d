package level

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// SLO are the service-level objectives a request must meet to be good:
// each bound is optional (0: not set). A request is good when it
// succeeded and meets every bound set (Good). The analyzer counts good
// requests in SQL with the same conditions (analyze/good.sql); a
// capacity search counts them with Good as the requests complete.
type SLO struct {
	// TTFT bounds the time to first token; a request without a TTFT is
	// not good when it is set.
	TTFT time.Duration
	// TPOT bounds the time per output token after the first, (latency −
	// ttft)/(output_tokens − 1); a request without a TTFT or with fewer
	// than two output tokens is not good when it is set.
	TPOT time.Duration
	// ITL bounds every gap between consecutive content chunks of the
	// request, that is its longest gap (chunk times); a request without
	// two chunk times is not good when it is set.
	ITL time.Duration
	// Latency bounds the whole request, send to last byte (E2EL).
	Latency time.Duration
}

// DefaultSLOTarget is the share of good requests a level needs to hold.
const DefaultSLOTarget = 0.9

// Set reports whether any bound is set.
func (s SLO) Set() bool { return s.TTFT > 0 || s.TPOT > 0 || s.ITL > 0 || s.Latency > 0 }

// Request is what Good reads of one request: whether it succeeded, its
// latency and TTFT in ms (TTFT nil when it has none), its output tokens
// (nil when unknown) and its longest gap between content chunks in ms
// (nil without two chunk times).
type Request struct {
	OK           bool
	LatencyMS    float64
	TTFTMS       *float64
	OutputTokens *int64
	MaxGapMS     *float64
}

// Good tells whether request r is good under s: it succeeded and meets
// every bound set.
func (s SLO) Good(r Request) bool {
	if !r.OK {
		return false
	}
	if s.Latency > 0 && !(r.LatencyMS <= ms(s.Latency)) {
		return false
	}
	if s.TTFT > 0 && (r.TTFTMS == nil || !(*r.TTFTMS <= ms(s.TTFT))) {
		return false
	}
	if s.TPOT > 0 {
		if r.TTFTMS == nil || r.OutputTokens == nil || *r.OutputTokens <= 1 {
			return false
		}
		if !((r.LatencyMS-*r.TTFTMS)/float64(*r.OutputTokens-1) <= ms(s.TPOT)) {
			return false
		}
	}
	if s.ITL > 0 && (r.MaxGapMS == nil || !(*r.MaxGapMS <= ms(s.ITL))) {
		return false
	}
	return true
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// SLOError is an --slo value that cannot be parsed.
type SLOError struct{ Spec, Reason string }

func (e *SLOError) Error() string { return "--slo \"" + e.Spec + "\": " + e.Reason }

// MaxSLO bounds an SLO: no request lasts longer than a day.
const MaxSLO = 24 * time.Hour

// ParseSLO reads "ttft=500ms,tpot=50ms,itl=200ms,latency=10s" (any
// subset, in any order; e2el is another name for latency) and merges it
// over s, so repeated --slo flags add up. A key given twice, in spec or
// already set in s, is refused: which of two bounds was meant cannot be
// guessed.
func ParseSLO(s SLO, spec string) (SLO, error) {
	bad := func(format string, args ...any) (SLO, error) {
		return SLO{}, &SLOError{Spec: spec, Reason: fmt.Sprintf(format, args...)}
	}
	if strings.TrimSpace(spec) == "" {
		return bad("empty; want ttft=500ms,tpot=50ms,itl=200ms,latency=10s (any subset)")
	}
	for _, part := range strings.Split(spec, ",") {
		key, val, ok := strings.Cut(part, "=")
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		if !ok || val == "" {
			return bad("%q: want KEY=DURATION with KEY ttft, tpot, itl or latency", part)
		}
		d, err := time.ParseDuration(val)
		if err != nil {
			return bad("%s %q is not a duration (give one such as 500ms or 2s)", key, val)
		}
		if d <= 0 || d > MaxSLO {
			return bad("%s %q must be more than 0 and at most 24h", key, val)
		}
		var bound *time.Duration
		switch strings.ToLower(key) {
		case "ttft":
			bound = &s.TTFT
		case "tpot":
			bound = &s.TPOT
		case "itl":
			bound = &s.ITL
		case "latency", "e2el":
			bound = &s.Latency
		default:
			return bad("unknown key %q; valid keys: ttft, tpot, itl, latency (or e2el)", key)
		}
		if *bound != 0 {
			return bad("%s is given twice (%v and %v); give each bound once", strings.ToLower(key), *bound, d)
		}
		*bound = d
	}
	return s, nil
}

// ParseSLOTarget reads an attainment target: a percentage ("90%") or a
// fraction ("0.9") in (0, 1].
func ParseSLOTarget(v string) (float64, error) {
	s, div := strings.TrimSpace(v), 1.0
	if t, ok := strings.CutSuffix(s, "%"); ok {
		s, div = t, 100
	}
	x, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	x /= div
	if err != nil || math.IsNaN(x) || !(x > 0 && x <= 1) {
		return 0, fmt.Errorf("--slo-target %q must be a share in (0, 1]: a percentage like 90%% or a fraction like 0.9", v)
	}
	return x, nil
}

// bounds are the SLO's bounds in the order they are printed.
func (s SLO) bounds() []struct {
	k, word string
	d       time.Duration
} {
	return []struct {
		k, word string
		d       time.Duration
	}{{"ttft", "TTFT", s.TTFT}, {"tpot", "TPOT", s.TPOT}, {"itl", "ITL", s.ITL}, {"latency", "latency", s.Latency}}
}

// String prints the SLO as it is parsed ("ttft=500ms,itl=50ms").
func (s SLO) String() string {
	var parts []string
	for _, b := range s.bounds() {
		if b.d > 0 {
			parts = append(parts, b.k+"="+b.d.String())
		}
	}
	return strings.Join(parts, ",")
}

// Words prints the SLO for reports: "TTFT ≤ 500 ms, TPOT ≤ 50 ms".
func (s SLO) Words() string {
	var parts []string
	for _, b := range s.bounds() {
		if b.d > 0 {
			parts = append(parts, b.word+" ≤ "+durWords(b.d))
		}
	}
	return strings.Join(parts, ", ")
}

// durWords prints a bound: "500 ms", "1.5 s".
func durWords(d time.Duration) string {
	m := ms(d)
	if m < 1000 {
		return strconv.FormatFloat(m, 'f', -1, 64) + " ms"
	}
	return strconv.FormatFloat(m/1000, 'f', -1, 64) + " s"
}
