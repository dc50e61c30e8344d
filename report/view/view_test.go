package view

import (
	"fmt"
	"testing"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/compare"
	"github.com/llmrec/llmrec/schemas"
)

func TestEnds(t *testing.T) {
	tests := []struct{ n, max, shown, cut, first, last int }{
		{0, 10, 0, 0, -1, -1},
		{10, 10, 10, 0, 0, 9},
		{11, 10, 10, 1, 0, 10},
		{1_000_000, MaxStepRows, MaxStepRows, 1_000_000 - MaxStepRows, 0, 999_999},
	}
	for _, tt := range tests {
		shown, cut := Ends(tt.n, tt.max)
		if len(shown) != tt.shown || cut != tt.cut {
			t.Errorf("Ends(%d, %d): %d shown, %d cut; want %d, %d", tt.n, tt.max, len(shown), cut, tt.shown, tt.cut)
		}
		if len(shown) > 0 && (shown[0] != tt.first || shown[len(shown)-1] != tt.last) {
			t.Errorf("Ends(%d, %d) = %d..%d", tt.n, tt.max, shown[0], shown[len(shown)-1])
		}
	}
}

func TestThinKeepsEndsAndMarks(t *testing.T) {
	for _, n := range []int{5, 200, 201, 1000, 1_000_000} {
		idx := Thin(n, MaxStepRows, 12345, 3)
		if len(idx) > MaxStepRows+3 {
			t.Errorf("Thin(%d) kept %d points", n, len(idx))
		}
		want := map[int]bool{0: true, n - 1: true}
		if n > 12345 {
			want[12345] = true
		}
		if n > 3 {
			want[3] = true
		}
		for i, x := range idx {
			delete(want, x)
			if i > 0 && x <= idx[i-1] {
				t.Fatalf("Thin(%d) not increasing at %d", n, i)
			}
		}
		if len(want) > 0 {
			t.Errorf("Thin(%d) dropped %v", n, want)
		}
	}
}

func TestTopErrorsSumsTheRest(t *testing.T) {
	var errs []analyze.ErrorCount
	for i := range 1000 {
		errs = append(errs, analyze.ErrorCount{Class: fmt.Sprint(i), Count: 2, Share: 0.001})
	}
	top, other := TopErrors(errs, MaxErrorRows)
	if len(top) != MaxErrorRows || other == nil || other.Classes != 1000-MaxErrorRows || other.Count != 2*(1000-MaxErrorRows) {
		t.Fatalf("top %d, other %+v", len(top), other)
	}
	if top, other := TopErrors(errs[:3], MaxErrorRows); len(top) != 3 || other != nil {
		t.Errorf("a short list is cut: %d, %+v", len(top), other)
	}
}

func TestCleanAndTarget(t *testing.T) {
	tests := []struct {
		fn       func(string) string
		in, want string
	}{
		{Clean, "a\x1b[2Jb\u009bc\td\r\ne", "a [2Jb c d e"},
		{Clean, "bad \xff utf8", "bad utf8"},
		{Clean, "plain", "plain"},
		{Target, "https://user:pw@host/v1?key=sk-1&x=2", "https://REDACTED@host/v1?key=REDACTED&x=REDACTED"},
		{Target, "http://127.0.0.1:8000", "http://127.0.0.1:8000"},
	}
	for _, tt := range tests {
		if got := tt.fn(tt.in); got != tt.want {
			t.Errorf("%q -> %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestOneFormatter(t *testing.T) {
	v := func(x float64) *float64 { return &x }
	tests := []struct{ got, want string }{
		{MS(nil), NA}, {MS(v(12.34)), "12.3"}, {MS(v(1234.5)), "1234"},
		{Duration(v(850)), "850ms"}, {Duration(v(12.34)), "12.3ms"}, {Duration(v(0.25)), "0.250ms"}, {Duration(v(1250)), "1.25s"}, {Duration(v(12000)), "12.0s"},
		{Pct(v(0.0123)), "1.23%"}, {Ratio(v(1.5)), "1.50x"}, {Factor(2), "2x"}, {Secs(90), "1m30s"},
		{Settings(analyze.Settings{Metric: "latency", WindowS: 10, BaselineUsers: 5, LatencyThreshold: 2, ErrorThreshold: 0.01}),
			"metric latency, no warmup, window 10s, baseline users 5, latency threshold 2x, error threshold 1.00%"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

// TestLevelNamesUsersOrOfferedRate: the one wording of a level; a rate is
// printed to the level model's resolution (a thousandth of a req/s, the
// keys of analyze.LevelKey) in its shortest digits, never in an exponent
// or with float noise.
func TestLevelNamesUsersOrOfferedRate(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	tenth, fifth := 0.1, 0.2 // added at run time: 0.30000000000000004
	for _, tc := range []struct {
		users int
		rate  *float64
		want  string
	}{
		{20, nil, "20 users"},
		{1, nil, "1 user"},
		{0, f(12.5), "12.5 req/s offered"},
		{0, f(12345), "12345 req/s offered"},       // not 1.234e+04
		{0, f(tenth + fifth), "0.3 req/s offered"}, // not 0.30000000000000004
		{0, f(12.3456), "12.346 req/s offered"},    // the key's resolution, not 4 digits
		{0, f(2.0004), "2 req/s offered"},          // one level with 2
		{0, f(0.25), "0.25 req/s offered"},         // no trailing zeros
		{0, f(1234567.125), "1234567.125 req/s offered"},
	} {
		if got := Level(tc.users, tc.rate); got != tc.want {
			t.Errorf("Level(%d, %v) = %q, want %q", tc.users, tc.rate, got, tc.want)
		}
	}
	// Rates that name one level key name it alike.
	for _, v := range []float64{0.1, 0.3, 1.0005, 7.77749, 99.9999} {
		want := Level(0, f(analyze.KeyRate(analyze.LevelKey(true, &analyze.Step{Level: v}))))
		if got := Level(0, &v); got != want {
			t.Errorf("Level(0, %v) = %q, its key's rate %q", v, got, want)
		}
	}
}

// TestShardsListed: a sharded run's header lists each shard with its host
// and rows, capped at MaxShards and cleaned; a run of one recorder lists
// none.
func TestShardsListed(t *testing.T) {
	mk := func(n, given int, host func(int) string) *analyze.Run {
		r := &analyze.Run{}
		for k := range given {
			r.Shards = append(r.Shards, analyze.Shard{Shard: k, Shards: n, Hostname: host(k), Rows: int64(100 + k)})
		}
		return r
	}
	plain := func(k int) string { return fmt.Sprintf("node-%d", k) }
	tests := []struct {
		run  *analyze.Run
		want string
	}{
		{mk(1, 1, plain), ""},
		{mk(3, 3, plain), "3 of 3: 0 node-0 100 rows, 1 node-1 101 rows, 2 node-2 102 rows"},
		{mk(3, 1, plain), "1 of 3: 0 node-0 100 rows"},
		{mk(40, 40, plain), "40 of 40: 0 node-0 100 rows, " + "1 node-1 101 rows, 2 node-2 102 rows, 3 node-3 103 rows, 4 node-4 104 rows, 5 node-5 105 rows, 6 node-6 106 rows, 7 node-7 107 rows, 8 node-8 108 rows, 9 node-9 109 rows, 10 node-10 110 rows, 11 node-11 111 rows, … 28 more"},
		{mk(2, 2, func(k int) string { return []string{"evil\x1b[2J\nhost", ""}[k] }), "2 of 2: 0 evil [2J host 100 rows, 1 (no host) 101 rows"},
	}
	for _, tt := range tests {
		if got := Shards(tt.run); got != tt.want {
			t.Errorf("Shards = %q\nwant     %q", got, tt.want)
		}
	}
}

// TestUnknownTokensAreNA: output and prompt tokens nobody counted print
// as n/a, never 0; counted ones print their sum.
func TestUnknownTokensAreNA(t *testing.T) {
	for _, tc := range []struct {
		out  *int64
		want string
	}{
		{nil, "output tokens n/a (n/a tokens/s overall), prompt tokens n/a"},
		{new(int64(0)), "output tokens 0 (n/a tokens/s overall), prompt tokens n/a"},
		{new(int64(1280)), "output tokens 1280 (n/a tokens/s overall), prompt tokens n/a"},
	} {
		a := &analyze.Analysis{LLM: &analyze.LLM{OutputTokens: tc.out}}
		if got := llm(a).Line; got != tc.want {
			t.Errorf("line %q, want %q", got, tc.want)
		}
	}
}

// TestChangesLineNamesLevels: the live level changes of the header name
// each level as Level does.
func TestChangesLineNamesLevels(t *testing.T) {
	for _, tc := range []struct {
		kind    string
		changes []schemas.ShapeChange
		want    string
	}{
		{analyze.LevelUsers, nil, ""},
		{analyze.LevelUsers, []schemas.ShapeChange{{AtS: 12.5, Step: 3, Level: 1, By: schemas.ChangedByDashboard}},
			"from step 3 on 1 user (at 12.5s, from the dashboard)"},
		{analyze.LevelRate, []schemas.ShapeChange{{AtS: 30, Step: 2, Level: 7.0001, By: "api"}, {AtS: 60, Step: 4, Level: 12.3456, By: "api"}},
			"from step 2 on 7 req/s offered (at 30s, from the api); from step 4 on 12.346 req/s offered (at 1m0s, from the api)"},
	} {
		r := &analyze.Run{LevelKind: tc.kind}
		r.Shape.Changes = tc.changes
		if got := ChangesLine(r); got != tc.want {
			t.Errorf("ChangesLine(%s %+v) = %q, want %q", tc.kind, tc.changes, got, tc.want)
		}
	}
}

// TestChange: a change in every way it prints.
func TestChange(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	for _, tc := range []struct {
		ch   *compare.Change
		unit string
		want string
	}{
		{nil, compare.UnitMS, "n/a"},
		{&compare.Change{Delta: f(92), Relative: f(0.23), P: f(0.002), Significant: true}, compare.UnitMS, "+23.0% (p=0.002)"},
		{&compare.Change{Delta: f(-5), Relative: f(-0.05), P: f(0.0001), Significant: true}, compare.UnitMS, "-5.0% (p<0.001)"},
		{&compare.Change{Delta: f(92), Relative: f(0.23), P: f(0.41)}, compare.UnitMS, "~ (p=0.410)"},
		{&compare.Change{Delta: f(6), Relative: f(0.031), P: f(0.004), Significant: true, Negligible: true, MinEffect: 0.05}, compare.UnitMS,
			"~ +3.1% (p=0.004, within ±5%)"},
		{&compare.Change{Delta: f(0.012), P: f(0.02), Significant: true}, compare.UnitRate, "+1.20pp (p=0.020)"},
		{&compare.Change{Delta: f(0.001), P: f(0.02), Significant: true, Negligible: true, MinEffect: 0.0125}, compare.UnitRate,
			"~ +0.10pp (p=0.020, within ±1.25pp)"},
		{&compare.Change{Delta: f(12.5)}, compare.UnitPerS, "+12.5 from 0"},
		{&compare.Change{Delta: f(3), Relative: f(0.1)}, compare.UnitPerS, "+10.0%"},
	} {
		if got := Change(tc.ch, tc.unit); got != tc.want {
			t.Errorf("Change(%+v, %s) = %q, want %q", tc.ch, tc.unit, got, tc.want)
		}
	}
}
