package analyze

import (
	"fmt"
	"time"

	"github.com/llmrec/llmrec/analyze/level"
)

// SLO are the service-level objectives a request must meet to be good
// (docs/METHOD.md, "SLOs, goodput and capacity"): the one definition in
// package level, shared with the recorder's capacity search.
type SLO = level.SLO

// DefaultSLOTarget is the share of good requests a level needs to hold.
const DefaultSLOTarget = level.DefaultSLOTarget

// SLOError is an --slo value that cannot be parsed.
type SLOError = level.SLOError

// maxSLO bounds an SLO: no request lasts longer than a day.
const maxSLO = level.MaxSLO

// ParseSLO reads "ttft=500ms,tpot=50ms,itl=200ms,latency=10s" (any
// subset, in any order) and merges it over s; a key given twice is
// refused (level.ParseSLO).
func ParseSLO(s SLO, spec string) (SLO, error) { return level.ParseSLO(s, spec) }

// ParseSLOTarget reads an attainment target: a percentage ("90%") or a
// fraction ("0.9") in (0, 1].
func ParseSLOTarget(v string) (float64, error) { return level.ParseSLOTarget(v) }

// sloBounds are the SLO's bounds by key, in the order they print.
func sloBounds(s SLO) []struct {
	k string
	d time.Duration
} {
	return []struct {
		k string
		d time.Duration
	}{{"ttft", s.TTFT}, {"tpot", s.TPOT}, {"itl", s.ITL}, {"latency", s.Latency}}
}

// validateSLO is Options.Validate's part for the SLO settings.
func validateSLO(s SLO, target float64) []error {
	var errs []error
	for _, b := range sloBounds(s) {
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
func sloArgs(s SLO) []any {
	var out []any
	for _, b := range sloBounds(s) {
		if b.d <= 0 {
			out = append(out, nil)
			continue
		}
		out = append(out, float64(b.d)/float64(time.Millisecond))
	}
	return out
}
