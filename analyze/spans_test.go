package analyze

import (
	"database/sql"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/llmrec/llmrec/analyze/analyzetest"
	"github.com/llmrec/llmrec/schemas"
)

// spanFigures are the figures of one step that depend on its span.
type spanFigures struct {
	Step             int
	Requests, Good   int64
	DurationS, RPS   float64
	Attainment       float64
	Completed        float64 // completed req/s
	Achieved         float64 // open loop: sent req/s
	Little           float64 // closed loop: the Little's-law ratio
	StartS, EndS     float64
	WarmupRequests   int64 // of the whole run
	CapacityLevel    float64
	LittleOffWarning bool
}

func (f spanFigures) String() string {
	return fmt.Sprintf("step %d: %d requests, %d good (%.4f), %.3f s [%.3f, %.3f), %.4f req/s, completed %.4f, achieved %.4f, little %.6f",
		f.Step, f.Requests, f.Good, f.Attainment, f.DurationS, f.StartS, f.EndS, f.RPS, f.Completed, f.Achieved, f.Little)
}

// spanWant computes, from the rows alone and the spans given by ends
// (µs; step k spans [ends[k-2], ends[k-1]), step 1 from 0), what the
// analyzer must give for each step of a run whose warmup and step warmup
// are warmUS and pwUS and whose sending ended at endUS: worked out here,
// without the analyzer's SQL or its span rule.
func spanWant(recs []schemas.Record, ends []int64, warmUS, pwUS, endUS int64, closed bool) []spanFigures {
	start := func(k int) int64 {
		if k == 1 {
			return 0
		}
		return ends[k-2]
	}
	send := func(r schemas.Record) int64 { return r.Start.Sub(analyzetest.T0).Microseconds() }
	warm := func(r schemas.Record) bool { return send(r) < warmUS || send(r)-start(int(r.Step)) < pwUS }
	var out []spanFigures
	for k := 1; k <= len(ends); k++ {
		s, e := start(k), ends[k-1]
		from, to := max(s+pwUS, warmUS), min(e, endUS)
		f := spanFigures{Step: k, DurationS: float64(to-from) / 1e6, StartS: float64(from) / 1e6, EndS: float64(to) / 1e6}
		var done, sent int64
		for _, r := range recs {
			c := send(r) + int64(math.Round(r.LatencyMS*1000))
			if r.OK && c >= from && c < to {
				done++
			}
			if warm(r) {
				continue
			}
			if send(r) >= s && send(r) < e && send(r) < endUS {
				sent++
			}
			if int(r.Step) == k {
				f.Requests++
				if r.OK && r.LatencyMS <= 400 {
					f.Good++
				}
			}
		}
		f.RPS, f.Completed = float64(f.Requests)/f.DurationS, float64(done)/f.DurationS
		f.Attainment = float64(f.Good) / float64(f.Requests)
		if !closed {
			f.Achieved = float64(sent) / f.DurationS
		} else {
			f.Little = littleWant(recs, k, max(s+pwUS, warmUS), to, send, warm)
		}
		out = append(out, f)
	}
	return out
}

// littleWant is step k's Little's-law ratio over its steady part: from
// one mean cycle (no think time here) after its first send at its full
// users, and not before from, to the step's end to; 0 when too short.
func littleWant(recs []schemas.Record, k int, from, to int64, send func(schemas.Record) int64, warm func(schemas.Record) bool) float64 {
	var users int32
	var latSum float64
	var n int64
	for _, r := range recs {
		if int(r.Step) == k && !warm(r) {
			users, latSum, n = max(users, r.Users), latSum+r.LatencyMS, n+1
		}
	}
	lat := latSum / float64(n)
	full := int64(math.MaxInt64)
	for _, r := range recs {
		if int(r.Step) == k && !warm(r) && r.Users == users {
			full = min(full, send(r))
		}
	}
	ws := max(from, full+int64(math.Round(lat*1000)))
	var in int64
	for _, r := range recs {
		if int(r.Step) == k && !warm(r) && send(r) >= ws && send(r) < to {
			in++
		}
	}
	span, cycle := float64(to-ws)/1e6, lat/1000
	if in < MinStepSamples || span < littleMinCycles*cycle {
		return 0
	}
	return math.Round(float64(in)/span*cycle/float64(users)*1e6) / 1e6
}

// capacityWant is the highest level at which it and every lower level
// held the SLO target (0.9 of requests good, no failures here).
func capacityWant(levels []float64, figs []spanFigures) float64 {
	order := make([]int, len(levels))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return int(levels[a] - levels[b]) })
	capLevel := 0.0
	for _, i := range order {
		if figs[i].Attainment < 0.9 {
			break
		}
		capLevel = levels[i]
	}
	return capLevel
}

// spanGot is the same figures from the analysis.
func spanGot(a *Analysis) []spanFigures {
	var out []spanFigures
	for _, s := range a.Steps {
		f := spanFigures{Step: s.Step, Requests: s.Requests, Good: s.Good, DurationS: s.DurationS, StartS: s.StartS, EndS: s.EndS}
		for _, p := range []struct {
			v   *float64
			dst *float64
		}{{s.RPS, &f.RPS}, {s.SLOAttainment, &f.Attainment}, {s.CompletedRPS, &f.Completed}, {s.AchievedRPS, &f.Achieved}, {s.LittleRatio, &f.Little}} {
			if p.v != nil {
				*p.dst = *p.v
			}
		}
		out = append(out, f)
	}
	return out
}

// sameFigures says whether got and want agree to 1e-9 (relative).
func sameFigures(got, want []spanFigures) bool {
	if len(got) != len(want) {
		return false
	}
	near := func(x, y float64) bool { return math.Abs(x-y) <= 1e-9*math.Max(1, math.Abs(y)) }
	for i := range got {
		g, w := got[i], want[i]
		if g.Step != w.Step || g.Requests != w.Requests || g.Good != w.Good {
			return false
		}
		for _, p := range [][2]float64{{g.DurationS, w.DurationS}, {g.RPS, w.RPS}, {g.Attainment, w.Attainment},
			{g.Completed, w.Completed}, {g.Achieved, w.Achieved}, {g.Little, w.Little}, {g.StartS, w.StartS}, {g.EndS, w.EndS}} {
			if !near(p[0], p[1]) {
				return false
			}
		}
	}
	return true
}

// TestStepsOfTheirOwnLengths: a search whose steps are of their own
// lengths (analyzetest.SpanSearch: 6, 13 and 7 s, a 2 s own warmup each)
// is analyzed by its true spans: each step's requests after its own
// warmup, its rates over its span (sent, completed), its SLO attainment,
// its Little's-law ratio and the capacity equal what the rows give with
// those spans, worked out here. The same rows read by the equal-step
// rule (the footer without its step ends) give other figures, so the
// test cannot pass without the spans.
func TestStepsOfTheirOwnLengths(t *testing.T) {
	for _, closed := range []bool{false, true} {
		t.Run(map[bool]string{false: "open", true: "closed"}[closed], func(t *testing.T) {
			dir := t.TempDir()
			meta, recs := analyzetest.SpanSearch("run-spans", closed)
			path := writeRecords(t, filepath.Join(dir, "spans.parquet"), meta, recs)
			o := DefaultOptions()
			o.Threads, o.SLO = 2, SLO{Latency: 400 * time.Millisecond}
			a, err := Analyze(t.Context(), o, path)
			if err != nil {
				t.Fatal(err)
			}
			ends := stepEndsUS(Shape(meta.Shape))
			want := spanWant(recs, ends, 2e6, 2e6, 26e6, closed)
			got := spanGot(a)
			if !sameFigures(got, want) {
				t.Errorf("steps of their own lengths:\n got %v\nwant %v", got, want)
			}
			if w := strings.Join(texts(a.Warnings), "\n"); strings.Contains(w, "step_ends_s") {
				t.Errorf("a warning about good step ends:\n%s", w)
			}
			if len(a.Run.Shape.StepEndsS) != 3 || a.Settings.WarmupS != 2 {
				t.Errorf("shape step ends %v, warmup %g s: want the footer's three ends and the steps' own 2 s warmup",
					a.Run.Shape.StepEndsS, a.Settings.WarmupS)
			}
			levels := analyzetest.SpanLevels[closed]
			wantCap := capacityWant(levels, want)
			if a.Capacity.Level == nil || *a.Capacity.Level != wantCap {
				t.Errorf("capacity %v, want %g", a.Capacity.Level, wantCap)
			}

			// The equal-step rule on the same rows: other figures.
			meta.Shape.StepEndsS = nil
			eq, err := Analyze(t.Context(), o, writeRecords(t, filepath.Join(dir, "equal.parquet"), meta, recs))
			if err != nil {
				t.Fatal(err)
			}
			if sameFigures(spanGot(eq), want) {
				t.Errorf("the equal-step rule gives the same figures: the test cannot tell the spans apart\n%v", spanGot(eq))
			}
			if !closed && eq.Capacity.Level != nil && *eq.Capacity.Level == wantCap {
				t.Errorf("the equal-step rule gives the capacity %g too", wantCap)
			}
		})
	}
}

// TestStepSpan: the spans of steps with and without listed ends, as data.
func TestStepSpan(t *testing.T) {
	eq := Shape{StepTimeS: 10}
	own := Shape{StepTimeS: 10, StepEndsS: []float64{3, 16, 21}}
	for _, tt := range []struct {
		sh         Shape
		k          int
		start, end float64
		ok         bool
	}{
		{eq, 1, 0, 10, true}, {eq, 3, 20, 30, true}, {eq, 0, 0, 0, false},
		{own, 1, 0, 3, true}, {own, 2, 3, 16, true}, {own, 3, 16, 21, true},
		{own, 4, 21, 31, true}, {own, 5, 31, 41, true}, // past the list: step time long
		{Shape{StepEndsS: []float64{3}}, 2, 0, 0, false}, {Shape{}, 1, 0, 0, false},
	} {
		s, e, ok := tt.sh.StepSpan(tt.k)
		if s != tt.start || e != tt.end || ok != tt.ok {
			t.Errorf("%v step %d: [%g, %g) %t, want [%g, %g) %t", tt.sh.StepEndsS, tt.k, s, e, ok, tt.start, tt.end, tt.ok)
		}
	}
	for _, tt := range []struct {
		sh          Shape
		t           float64
		done, stepT int
	}{
		{eq, 0, 0, 1}, {eq, 9.99, 0, 1}, {eq, 10, 1, 2}, {eq, 25, 2, 3},
		{own, 0, 0, 1}, {own, 2.5, 0, 1}, {own, 3, 1, 2}, {own, 15.9, 1, 2}, {own, 16, 2, 3},
		{own, 21, 3, 4}, {own, 30.9, 3, 4}, {own, 31, 4, 5}, {own, -1, 0, 0},
	} {
		if d, k := tt.sh.stepsDone(tt.t), tt.sh.stepOf(tt.t); d != tt.done || k != tt.stepT {
			t.Errorf("%v at %g s: %d steps done, in step %d; want %d, %d", tt.sh.StepEndsS, tt.t, d, k, tt.done, tt.stepT)
		}
	}
	if got := own.stepLength(2); got != 13 {
		t.Errorf("step 2 lasts %g s, want 13", got)
	}
	if got := own.stepLength(7); got != 10 {
		t.Errorf("step 7 lasts %g s, want the step time, 10", got)
	}
}

// TestCleanStepEnds: step ends no recorder writes are dropped whole (the
// steps are then read as StepTimeS long each): not a number, infinite,
// not increasing, not above 0, beyond a year, more than the levels or
// than maxStepEnds, or without a step time.
func TestCleanStepEnds(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	many := make([]float64, maxStepEnds+1)
	for i := range many {
		many[i] = float64(i + 1)
	}
	for _, tt := range []struct {
		name string
		sh   schemas.Shape
		keep bool
	}{
		{"good", schemas.Shape{StepTimeS: 13, StepEndsS: []float64{6, 19, 26}}, true},
		{"as many as the levels", schemas.Shape{StepTimeS: 13, Levels: []float64{1, 2}, StepEndsS: []float64{6, 19}}, true},
		{"the most", schemas.Shape{StepTimeS: 1, StepEndsS: many[:maxStepEnds]}, true},
		{"NaN", schemas.Shape{StepTimeS: 13, StepEndsS: []float64{6, nan, 26}}, false},
		{"infinite", schemas.Shape{StepTimeS: 13, StepEndsS: []float64{6, inf}}, false},
		{"decreasing", schemas.Shape{StepTimeS: 13, StepEndsS: []float64{6, 19, 18}}, false},
		{"repeated", schemas.Shape{StepTimeS: 13, StepEndsS: []float64{6, 6}}, false},
		{"negative", schemas.Shape{StepTimeS: 13, StepEndsS: []float64{-1, 6}}, false},
		{"zero", schemas.Shape{StepTimeS: 13, StepEndsS: []float64{0, 6}}, false},
		{"1e300", schemas.Shape{StepTimeS: 13, StepEndsS: []float64{6, 1e300}}, false},
		{"more than the levels", schemas.Shape{StepTimeS: 13, Levels: []float64{1, 2}, StepEndsS: []float64{6, 19, 26}}, false},
		{"too many", schemas.Shape{StepTimeS: 1, StepEndsS: many}, false},
		{"no step time", schemas.Shape{StepEndsS: []float64{6, 19}}, false},
		{"a NaN step time", schemas.Shape{StepTimeS: nan, StepEndsS: []float64{6, 19}}, false},
		{"a step time of 1e300", schemas.Shape{StepTimeS: 1e300, StepEndsS: []float64{6, 19}}, false},
	} {
		got := cleanStepEnds(tt.sh)
		if kept := got != nil; kept != tt.keep || (kept && !slices.Equal(got, tt.sh.StepEndsS)) {
			t.Errorf("%s: cleaned to %d ends, want kept %t", tt.name, len(got), tt.keep)
		}
	}
}

// TestCraftedStepEnds: a file whose footer carries step ends no recorder
// writes (decreasing, negative, 1e300, a million of them) is analyzed
// without a failure, read by the equal-step rule: the figures are those
// of the same rows without step ends. (A NaN has no JSON form: the
// footer cannot carry one; TestCleanStepEnds drops it.)
func TestCraftedStepEnds(t *testing.T) {
	dir := t.TempDir()
	meta, recs := analyzetest.SpanSearch("run-spans", false)
	o := DefaultOptions()
	o.Threads, o.SLO = 2, SLO{Latency: 400 * time.Millisecond}
	meta.Shape.StepEndsS = nil
	eq, err := Analyze(t.Context(), o, writeRecords(t, filepath.Join(dir, "equal.parquet"), meta, recs))
	if err != nil {
		t.Fatal(err)
	}
	million := make([]float64, 1_000_000)
	for i := range million {
		million[i] = float64(i+1) * 1e-5
	}
	for name, ends := range map[string][]float64{
		"decreasing": {19, 6, 26}, "negative": {-6, 19, 26}, "1e300": {6, 19, 1e300}, "million": million,
	} {
		meta.Shape.StepEndsS = ends
		path := writeRecords(t, filepath.Join(dir, name+".parquet"), meta, recs)
		a, err := Analyze(t.Context(), o, path)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(a.Run.Shape.StepEndsS) != 0 || !sameFigures(spanGot(a), spanGot(eq)) {
			t.Errorf("%s: ends %d, figures %v; want none, and the equal-step figures %v", name, len(a.Run.Shape.StepEndsS), spanGot(a), spanGot(eq))
		}
		if !slices.ContainsFunc(a.Warnings, func(w Warning) bool { f, ok := w.Fact.(FileFact); return ok && f.Kind == FileStepEnds }) {
			t.Errorf("%s: no warning that the step ends were dropped:\n%q", name, texts(a.Warnings))
		}
	}
}

// TestEndsBeforeBound: the SQL's ends_before halves from 8192, so it
// finds its place in a list of up to 2^14 − 1 ends: cleanStepEnds keeps
// no more.
func TestEndsBeforeBound(t *testing.T) {
	if maxStepEnds >= 1<<14 {
		t.Errorf("maxStepEnds %d: the SQL's halving reaches 2^14 − 1 ends", maxStepEnds)
	}
}

// TestStepSpanSQL: the SQL's step spans (fragments.sql: ends_before,
// step_of, into_step, step_start) give, for times around every bound,
// the step and the time into it that Shape.StepSpan gives: the one rule
// in both languages, with step ends and without.
func TestStepSpanSQL(t *testing.T) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	q := "WITH p AS (SELECT ?::BIGINT AS period, ?::BIGINT[] AS ends), c AS (SELECT unnest(?::BIGINT[]) AS t_us),\n" +
		"{{template \"ends_before\" .}}\nSELECT t_us, {{template \"step_of\" .}} AS k, {{template \"into_step\" .}} AS into_us,\n" +
		"{{template \"step_start\" \"k\"}} AS start_us FROM (SELECT *, {{template \"step_of\" .}} AS k FROM l, p) AS l, p ORDER BY t_us"
	tmpl := template.Must(template.Must(sqlTemplates.Clone()).New("spans").Parse(q))
	for _, sh := range []Shape{{StepTimeS: 10, StepEndsS: []float64{3, 16, 21}}, {StepTimeS: 10}, {StepTimeS: 7, StepEndsS: []float64{5}}} {
		var times []int64
		for s := int64(0); s <= 45; s++ {
			times = append(times, s*1e6-1, s*1e6, s*1e6+1, s*1e6+250_000)
		}
		times = times[1:] // not before the run
		var b strings.Builder
		if err := tmpl.Execute(&b, queryData{Ends: len(sh.StepEndsS) > 0}); err != nil {
			t.Fatal(err)
		}
		rows, err := db.Query(b.String(), int64(sh.StepTimeS*1e6), stepEndsUS(sh), times)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var at, k, into, start int64
			if err := rows.Scan(&at, &k, &into, &start); err != nil {
				t.Fatal(err)
			}
			n++
			wantK := sh.stepOf(float64(at) / 1e6)
			s, _, _ := sh.StepSpan(wantK)
			wantStart := int64(math.Round(s * 1e6))
			if int(k) != wantK || start != wantStart || into != at-wantStart {
				t.Errorf("%v at %d µs: SQL step %d from %d µs, %d µs into it; Go step %d from %d µs", sh.StepEndsS, at, k, start, into, wantK, wantStart)
			}
		}
		rows.Close()
		if n != len(times) {
			t.Errorf("%v: %d rows, want %d", sh.StepEndsS, n, len(times))
		}
	}
}
