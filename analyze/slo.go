package analyze

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SLO are the service-level objectives a request must meet to be good
// (docs/METHOD.md, "SLOs, goodput and capacity"): each bound is optional
// (0: not set). A request is good when it succeeded and meets every bound
// set.
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

// sloBound is one bound of an SLO by its key.
type sloBound struct {
	k string
	d time.Duration
}

// bounds are the SLO's bounds in the order they print.
func (s SLO) bounds() []sloBound {
	return []sloBound{{"ttft", s.TTFT}, {"tpot", s.TPOT}, {"itl", s.ITL}, {"latency", s.Latency}}
}

// SLOError is an --slo value that cannot be parsed.
type SLOError struct{ Spec, Reason string }

func (e *SLOError) Error() string { return "--slo " + quote(e.Spec) + ": " + e.Reason }

// maxSLO bounds an SLO: no request lasts longer than a day.
const maxSLO = 24 * time.Hour

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
		if d <= 0 || d > maxSLO {
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

// ParseSLOTarget reads an attainment target: a percentage ("90%") or a
// fraction ("0.9") in (0, 1].
func ParseSLOTarget(v string) (float64, error) {
	x, err := parseRate(strings.TrimSpace(v))
	if err != nil || !(x > 0 && x <= 1) {
		return 0, fmt.Errorf("--slo-target %q must be a share in (0, 1]: a percentage like 90%% or a fraction like 0.9", v)
	}
	return x, nil
}

// validateSLO is Options.Validate's part for the SLO settings.
func validateSLO(s SLO, target float64) []error {
	var errs []error
	for _, b := range s.bounds() {
		if b.d < 0 || b.d > maxSLO {
			errs = append(errs, fmt.Errorf("slo %s %v must be at most 24h and not negative", b.k, b.d))
		}
	}
	if target != 0 && !(target > 0 && target <= 1) {
		errs = append(errs, fmt.Errorf("slo target %v must be a share in (0, 1]", target))
	}
	return errs
}

// sloArgs are the bound parameters of the good-request condition
// (good.sql): each bound in ms, NULL when not set.
func (s SLO) sloArgs() []any {
	ms := func(d time.Duration) any {
		if d <= 0 {
			return nil
		}
		return float64(d) / float64(time.Millisecond)
	}
	return []any{ms(s.TTFT), ms(s.TPOT), ms(s.ITL), ms(s.Latency)}
}

// Words prints the SLO for reports: "TTFT ≤ 500 ms, TPOT ≤ 50 ms".
func (s SLO) Words() string {
	var parts []string
	for _, b := range s.bounds() {
		if b.d > 0 {
			k := strings.ToUpper(b.k)
			if b.k == "latency" {
				k = "latency"
			}
			parts = append(parts, k+" ≤ "+durWords(b.d))
		}
	}
	return strings.Join(parts, ", ")
}

// durWords prints a bound: "500 ms", "1.5 s".
func durWords(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	if ms < 1000 {
		return strconv.FormatFloat(ms, 'f', -1, 64) + " ms"
	}
	return strconv.FormatFloat(ms/1000, 'f', -1, 64) + " s"
}
