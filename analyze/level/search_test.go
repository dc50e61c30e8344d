package level

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestCapacityLevelsOutOfOrder: a capacity search's steps come in probe
// order (levels up and down, a level probed twice); the capacity rule
// reads levels in ascending order, so the answer is the same as for the
// steps sorted by level, and a level holds only when each of its steps met.
func TestCapacityLevelsOutOfOrder(t *testing.T) {
	r := Rules{Kind: Rate, SLO: true, SLOTarget: 0.9, ErrorThreshold: 0.01, SentRatio: 0.9, WaitFraction: 0.5}
	step := func(k int, lvl float64, good int64) Step {
		p := 100.0
		return Step{Step: k, Level: lvl, Sent: 100, Good: good, P95: &p}
	}
	for _, c := range []struct {
		name  string
		steps []Step
		want  float64 // -1: none
	}{
		{"doubling then bisection", []Step{step(1, 8, 100), step(2, 16, 99), step(3, 32, 40), step(4, 24, 95), step(5, 28, 60), step(6, 26, 92)}, 26},
		{"sorted, the same", []Step{step(1, 8, 100), step(2, 16, 99), step(4, 24, 95), step(6, 26, 92), step(5, 28, 60), step(3, 32, 40)}, 26},
		{"a level probed twice, one step missed", []Step{step(1, 8, 100), step(2, 16, 99), step(3, 16, 80), step(4, 12, 99)}, 12},
		{"the lowest level missed last", []Step{step(1, 16, 99), step(2, 32, 10), step(3, 8, 50)}, -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := Judge(c.steps, r)
			got := -1.0
			if v.Capacity >= 0 {
				got = c.steps[v.Capacity].Level
			}
			if got != c.want {
				t.Errorf("capacity %g, want %g", got, c.want)
			}
		})
	}
}

// TestSLOGood is the good-request rule of one request, as the analyzer's
// good.sql states it: succeeded, and each bound set met; a TTFT bound
// needs a TTFT, a TPOT bound a TTFT and at least two output tokens, an ITL
// bound (every gap between content chunks) two chunk times.
func TestSLOGood(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	n := func(v int64) *int64 { return &v }
	s := SLO{TTFT: 500 * time.Millisecond, TPOT: 50 * time.Millisecond, Latency: 10 * time.Second}
	for _, c := range []struct {
		name string
		slo  SLO
		r    Request
		want bool
	}{
		{"all met", s, Request{OK: true, LatencyMS: 2000, TTFTMS: f(400), OutputTokens: n(41)}, true},
		{"failed", s, Request{OK: false, LatencyMS: 2000, TTFTMS: f(400), OutputTokens: n(41)}, false},
		{"ttft on the bound", SLO{TTFT: 500 * time.Millisecond}, Request{OK: true, LatencyMS: 900, TTFTMS: f(500)}, true},
		{"ttft over", SLO{TTFT: 500 * time.Millisecond}, Request{OK: true, LatencyMS: 900, TTFTMS: f(500.5)}, false},
		{"no ttft", SLO{TTFT: 500 * time.Millisecond}, Request{OK: true, LatencyMS: 90}, false},
		{"tpot over: (2000-400)/20 = 80", s, Request{OK: true, LatencyMS: 2000, TTFTMS: f(400), OutputTokens: n(21)}, false},
		{"tpot with one token", SLO{TPOT: time.Second}, Request{OK: true, LatencyMS: 20, TTFTMS: f(10), OutputTokens: n(1)}, false},
		{"tpot without tokens", SLO{TPOT: time.Second}, Request{OK: true, LatencyMS: 20, TTFTMS: f(10)}, false},
		{"itl: longest gap on the bound", SLO{ITL: 200 * time.Millisecond}, Request{OK: true, LatencyMS: 900, MaxGapMS: f(200)}, true},
		{"itl: longest gap over", SLO{ITL: 200 * time.Millisecond}, Request{OK: true, LatencyMS: 900, MaxGapMS: f(200.5)}, false},
		{"itl without chunk times", SLO{ITL: time.Second}, Request{OK: true, LatencyMS: 20, TTFTMS: f(10), OutputTokens: n(5)}, false},
		{"latency over", SLO{Latency: time.Second}, Request{OK: true, LatencyMS: 1000.1}, false},
		{"no bound: every success", SLO{}, Request{OK: true, LatencyMS: 1e9}, true},
	} {
		if got := c.slo.Good(c.r); got != c.want {
			t.Errorf("%s: good %v, want %v", c.name, got, c.want)
		}
	}
}

// TestImportsNothingOfOurs states the package's wall: the recorder
// imports it (a capacity search decides with the analyzer's rule), so it
// imports nothing of this module and nothing that needs cgo.
func TestImportsNothingOfOurs(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", "-test", "-f", "{{.ImportPath}} {{len .CgoFiles}}", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg, cgo := f[0], f[len(f)-1]
		if strings.HasPrefix(pkg, "github.com/llmrec/llmrec") && !strings.HasPrefix(pkg, "github.com/llmrec/llmrec/analyze/level") {
			t.Errorf("lists %s: this package imports nothing of ours", pkg)
		}
		if cgo != "0" || pkg == "runtime/cgo" {
			t.Errorf("lists %s, which needs cgo", pkg)
		}
	}
	build := exec.Command("go", "build", ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Errorf("CGO_ENABLED=0 go build: %v\n%s", err, out)
	}
}
