package gate

import (
	"errors"
	"github.com/llmrec/llmrec/analyze/compare"
	"math"
	"strings"
	"testing"
	"time"
)

// FuzzParseGate: any --max/--min/--max-regression value is either a gate
// or a *GateError / *UnknownMetricError, never a panic; a gate names a
// known metric, keeps its spec, has a finite limit in the metric's unit
// (a latency exactly the duration given, a tail ratio at least 1) and a
// non-negative level; a negative level (--at-users) is refused.
// Seeds: testdata/fuzz/FuzzParseGate.
func FuzzParseGate(f *testing.F) {
	f.Add(uint8(0), "p95=800ms", 0)
	kinds := []string{GateMax, GateMin, GateMaxRegression, "bogus"}
	f.Fuzz(func(t *testing.T, k uint8, spec string, atUsers int) {
		kind := kinds[int(k)%len(kinds)]
		g, err := ParseGate(kind, spec, atUsers)
		if atUsers < 0 && err == nil {
			// --at-users -12 with --inconclusive pass passed every gate.
			t.Fatalf("%s %q at %d users accepted", kind, spec, atUsers)
		}
		if err != nil {
			var ge *GateError
			var ue *compare.UnknownMetricError
			if !errors.As(err, &ge) && !errors.As(err, &ue) {
				t.Fatalf("%s %q: error of type %T: %v", kind, spec, err, err)
			}
			if kind == "bogus" && ge == nil {
				t.Fatalf("unknown kind accepted as far as the metric: %v", err)
			}
			return
		}
		if kind == "bogus" {
			t.Fatalf("unknown kind %q accepted", kind)
		}
		d, ok := compare.FindMetric(g.Metric)
		if !ok || g.Kind != kind || g.Spec != spec {
			t.Fatalf("gate %+v from %s %q", g, kind, spec)
		}
		if math.IsNaN(g.Limit) || math.IsInf(g.Limit, 0) || g.Users < 0 || (d.RunLevel && g.Users != 0) {
			t.Fatalf("gate %+v from %q", g, spec)
		}
		if kind != GateMaxRegression && (g.Limit < 0 || d.Unit == compare.UnitRate && g.Limit > 1 || d.Unit == compare.UnitRatio && g.Limit < 1) {
			t.Fatalf("limit %v out of range for %s from %q", g.Limit, d.Name, spec)
		}
		if kind == GateMaxRegression && g.Limit < 0 {
			t.Fatalf("negative allowed change %v from %q", g.Limit, spec)
		}
		_, val, _ := strings.Cut(spec, "=")
		if kind != GateMaxRegression && d.Unit == compare.UnitMS {
			dur, err := time.ParseDuration(strings.TrimSpace(val))
			if err != nil || g.Limit != float64(dur)/float64(time.Millisecond) {
				t.Fatalf("latency gate %q has limit %v ms (duration %v, %v)", spec, g.Limit, dur, err)
			}
		}
	})
}
