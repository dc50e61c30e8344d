package report

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/analyzetest"
	"github.com/llmrec/llmrec/analyze/compare"
	"github.com/llmrec/llmrec/analyze/gate"
	"github.com/llmrec/llmrec/report/htmlreport"
	"github.com/llmrec/llmrec/report/view"
	"github.com/llmrec/llmrec/schemas"
)

// scenario is a synthetic run and the answers the level model gives it.
type scenario struct {
	name string
	spec analyzetest.Spec
	// edit changes the written run (meta and rows) before it is written.
	edit func(m *schemas.RunMeta, recs []schemas.Record) []schemas.Record
	slo  analyze.SLO
	// warmup: 0 is --warmup auto.
	warmup time.Duration
	// Expected answers: saturation level (0: not reached), its signal,
	// capacity level (0: none), and the health headline.
	sat      float64
	signal   string
	capacity float64
	health   string
	check    func(t *testing.T, a *analyze.Analysis)
}

// openLoop makes a run of 80 requests a 10 s step an open loop of
// constant arrivals offered 8, 16, 24 req/s: step k sends each request k
// times, evenly spaced.
func openLoop(m *schemas.RunMeta, recs []schemas.Record) []schemas.Record {
	m.Shape.Arrival, m.Shape.Rate, m.Shape.StepRate, m.Shape.MaxRate = "constant", 8, 8, 40
	var out []schemas.Record
	for _, r := range recs {
		r.Users = 3 // requests in flight: evidence, never a level
		for j := range int(r.Step) {
			c := r
			d := time.Duration(float64(j) / float64(r.Step) * 0.125 * float64(time.Second))
			c.Start, c.ScheduledAt = r.Start.Add(d), r.ScheduledAt.Add(d)
			c.Seq = int64(len(out))
			out = append(out, c)
		}
	}
	return out
}

func TestScenarios(t *testing.T) {
	knee := analyzetest.Spec{RunID: "s", Users: []int{10, 20, 30, 40, 50, 60}, PerStep: 60, Knee: 30, Seed: 3}
	scenarios := []scenario{
		{name: "failing first step", spec: analyzetest.Spec{RunID: "s", Users: []int{10, 20, 30}, PerStep: 60, FailRate: 0.5, Seed: 1},
			sat: 10, signal: "errors", capacity: 0, health: "Critical"},
		{name: "no successes", spec: analyzetest.Spec{RunID: "s", Users: []int{10, 20}, PerStep: 40, AllFail: true},
			sat: 10, signal: "errors", capacity: 0, health: "Critical"},
		{name: "knee without an SLO", spec: knee, sat: 40, signal: "latency", capacity: 30, health: "Healthy"},
		// The SLO decides: 40 users doubled the baseline's p95, yet 40
		// and 50 met a 5 s latency bound.
		{name: "SLO past the knee", spec: knee, slo: analyze.SLO{Latency: 5 * time.Second},
			sat: 40, signal: "latency", capacity: 50, health: "Healthy",
			check: func(t *testing.T, a *analyze.Analysis) {
				if !strings.Contains(view.CapacitySentence(a), "saturated (by the latency rule) at 40 users") {
					t.Errorf("the SLO capacity does not say the saturation point beside it: %q", view.CapacitySentence(a))
				}
			}},
		{name: "one step only", spec: analyzetest.Spec{RunID: "s", Users: []int{10}, PerStep: 60, Seed: 2},
			sat: 0, capacity: 10, health: "Healthy"},
		// A planned level with no row: listed, n/a, warned; the shape
		// planned 30 users for step 3.
		{name: "a level nothing was sent at", spec: analyzetest.Spec{RunID: "s", Users: []int{10, 20, 30}, PerStep: 60, Seed: 4},
			edit: func(m *schemas.RunMeta, recs []schemas.Record) []schemas.Record {
				var keep []schemas.Record
				for _, r := range recs {
					if r.Step != 3 {
						keep = append(keep, r)
					}
				}
				return keep
			},
			sat: 0, capacity: 20, health: "Healthy",
			check: func(t *testing.T, a *analyze.Analysis) {
				if len(a.Steps) != 3 || a.Steps[2].Requests != 0 || a.Steps[2].Level != 30 {
					t.Fatalf("steps %+v: want step 3 at 30 users with nothing sent", a.Steps)
				}
				if !hasWarning(a, "step 3 (30 users) was reached but no request was sent") {
					t.Errorf("warnings %q do not name the unsent level", a.Warnings)
				}
			}},
		// An open loop: levels are offered rates; the in-flight counts (3)
		// are never a level.
		{name: "open loop", spec: analyzetest.Spec{RunID: "s", Users: []int{8, 16, 24}, PerStep: 80, Seed: 5}, edit: openLoop,
			sat: 0, capacity: 24, health: "Healthy",
			check: func(t *testing.T, a *analyze.Analysis) {
				for i, s := range a.Steps {
					if want := float64(8 * (i + 1)); s.Level != want {
						t.Errorf("step %d level %v, want %v req/s", s.Step, s.Level, want)
					}
				}
				if a.Run.LevelKind != analyze.LevelRate || !strings.Contains(view.CapacityHeadline(a), "24 req/s offered") {
					t.Errorf("open-loop capacity %q (%s)", view.CapacityHeadline(a), a.Run.LevelKind)
				}
			}},
		// An open loop whose last level sent nothing: every arrival waited
		// for a slot until the run ended (the footer counts them). The
		// level appears, saturated by throughput; capacity is below it.
		{name: "open loop, a level never sent", spec: analyzetest.Spec{RunID: "s", Users: []int{8, 16, 24}, PerStep: 80, Seed: 5},
			edit: func(m *schemas.RunMeta, recs []schemas.Record) []schemas.Record {
				recs = openLoop(m, recs)
				m.Shape.MaxConcurrency = 4
				m.Unsent = []schemas.StepCount{{Step: 3, N: 240}}
				var keep []schemas.Record
				for _, r := range recs {
					if r.Step != 3 {
						keep = append(keep, r)
					}
				}
				return keep
			},
			sat: 24, signal: "throughput", capacity: 16, health: "Healthy",
			check: func(t *testing.T, a *analyze.Analysis) {
				if len(a.Steps) != 3 || a.Steps[2].Unsent != 240 || a.Steps[2].Requests != 0 {
					t.Fatalf("steps %+v: want step 3 at 24 req/s, 240 unsent", a.Steps)
				}
				if !hasWarning(a, "step 3 (24 req/s offered) was reached but 240 arrivals were due and none was sent") {
					t.Errorf("warnings %q do not name the unsent level", a.Warnings)
				}
				if !strings.Contains(view.SaturationSentence(a), "240 arrivals were never sent") {
					t.Errorf("saturation %q does not say why", view.SaturationSentence(a))
				}
			}},
		// A run shorter than its step: --warmup auto is half of what ran
		// (10 s of 20 s), not 30 s that would remove everything.
		{name: "short duration", spec: analyzetest.Spec{RunID: "s", Users: []int{10}, PerStep: 100, StepS: 20, Seed: 6},
			edit: func(m *schemas.RunMeta, recs []schemas.Record) []schemas.Record {
				m.Shape.StepTimeS, m.Shape.DurationS = 60, 20
				return recs
			},
			warmup: analyze.WarmupAuto, sat: 0, capacity: 10, health: "Healthy",
			check: func(t *testing.T, a *analyze.Analysis) {
				if a.Settings.WarmupS != 10 || a.Overall.Requests == 0 {
					t.Errorf("warmup %v s, %d requests left: want 10 s and a verdict", a.Settings.WarmupS, a.Overall.Requests)
				}
			}},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			a := analyzeScenario(t, sc, false, 1)
			checkScenario(t, sc, a)
			if sc.check != nil {
				sc.check(t, a)
			}
			// Shuffling the rows, or splitting them into shards, changes
			// no answer.
			for _, shards := range []int{1, 3} {
				b := analyzeScenario(t, sc, true, shards)
				for _, pair := range [][2]string{{view.CapacitySentence(a), view.CapacitySentence(b)},
					{view.SaturationSentence(a), view.SaturationSentence(b)}, {view.SaturationHeadline(a), view.SaturationHeadline(b)}} {
					if pair[0] != pair[1] {
						t.Errorf("shuffled rows in %d files changed an answer: %q, was %q", shards, pair[1], pair[0])
					}
				}
			}
		})
	}
}

// analyzeScenario writes the scenario's run and analyzes it: with shuffle
// its rows in another order, split into shards files of one run (rows
// dealt by seq, each file's seq renumbered from 0 as a recorder numbers
// them).
func analyzeScenario(t *testing.T, sc scenario, shuffle bool, shards int) *analyze.Analysis {
	t.Helper()
	m, recs := analyzetest.Records(sc.spec)
	if sc.edit != nil {
		recs = sc.edit(m, recs)
	}
	if shuffle {
		rng := rand.New(rand.NewPCG(1, 2))
		rng.Shuffle(len(recs), func(i, j int) { recs[i], recs[j] = recs[j], recs[i] })
	}
	dir := t.TempDir()
	var paths []string
	m.Shards = shards
	for k := range shards {
		var part []schemas.Record
		for _, r := range recs {
			if int(r.Seq)%shards == k {
				r.Shard, r.Seq = int32(k), int64(len(part))
				part = append(part, r)
			}
		}
		mk := *m
		mk.Shard = k
		if k > 0 {
			mk.Unsent = nil // each arrival was one shard's: the footers add up
		}
		path := filepath.Join(dir, fmt.Sprintf("run-%d.parquet", k))
		if err := analyzetest.WriteRecords(path, &mk, part); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, path)
	}
	o := analyze.DefaultOptions()
	o.Warmup, o.Window, o.Threads, o.SLO = sc.warmup, 5*time.Second, 2, sc.slo
	a, err := analyze.Analyze(context.Background(), o, paths...)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// checkScenario asserts the answers in the JSON and the headlines in the
// text, Markdown and HTML reports: one function words each, every
// encoder prints it.
func checkScenario(t *testing.T, sc scenario, a *analyze.Analysis) {
	t.Helper()
	var js bytes.Buffer
	if err := JSON(&js, a); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Saturation struct {
			Reached bool     `json:"reached"`
			Level   *float64 `json:"level"`
			Signal  *string  `json:"signal"`
			Summary string   `json:"summary"`
		} `json:"saturation"`
		Capacity struct {
			Level *float64 `json:"level"`
		} `json:"capacity"`
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	s := doc.Saturation
	switch {
	case sc.sat == 0 && s.Reached:
		t.Errorf("saturated at %v, want not reached", *s.Level)
	case sc.sat > 0 && (!s.Reached || *s.Level != sc.sat || *s.Signal != sc.signal):
		t.Errorf("saturation %+v, want %v (%s)", s, sc.sat, sc.signal)
	}
	if s.Summary != view.SaturationSentence(a) {
		t.Errorf("JSON summary %q is not the view's sentence", s.Summary)
	}
	c := doc.Capacity.Level
	if (sc.capacity == 0) != (c == nil) || (c != nil && *c != sc.capacity) {
		t.Errorf("capacity %v, want %v (0: none)", c, sc.capacity)
	}
	answers := view.Answers(a)
	var health string
	for _, x := range answers {
		if x.Name == "health" {
			health = x.Answer
		}
	}
	if health != sc.health {
		t.Errorf("health %q, want %q", health, sc.health)
	}
	var text, md, page bytes.Buffer
	if err := Text(&text, a); err != nil {
		t.Fatal(err)
	}
	if err := Markdown(&md, a); err != nil {
		t.Fatal(err)
	}
	if err := htmlreport.Render(&page, a); err != nil {
		t.Fatal(err)
	}
	for _, x := range answers[:4] {
		for name, out := range map[string]string{"text": oneSpace(text.String()), "markdown": md.String(), "html": html.UnescapeString(page.String())} {
			if !strings.Contains(out, x.Answer) {
				t.Errorf("%s report lacks the %s headline %q", name, x.Name, x.Answer)
			}
		}
	}
}

func hasWarning(a *analyze.Analysis, s string) bool {
	for _, w := range view.WarningTexts(a.Warnings) {
		if strings.Contains(w, s) {
			return true
		}
	}
	return false
}

// oneSpace folds the text report's wrapping.
func oneSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// TestGatesReadLevels: in an open loop a gate's @N is the offered rate,
// never the requests in flight (`p95@16` reads the 16 req/s step; `@3`,
// the in-flight count, is no level), and a level may be a fraction.
func TestGatesReadLevels(t *testing.T) {
	m, recs := analyzetest.Records(analyzetest.Spec{RunID: "g", Users: []int{8, 16, 24}, PerStep: 80, Seed: 5})
	recs = openLoop(m, recs)
	path := filepath.Join(t.TempDir(), "open.parquet")
	if err := analyzetest.WriteRecords(path, m, recs); err != nil {
		t.Fatal(err)
	}
	o := analyze.DefaultOptions()
	o.Warmup, o.Window, o.Threads = 0, 5*time.Second, 2
	run, err := analyze.LoadRun(context.Background(), o, "open", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		spec, status, line string
	}{
		{"p95@16=10s", gate.StatusPass, "at 16 req/s offered"},
		{"p95@16=1ms", gate.StatusFail, "at 16 req/s offered"},
		{"p95@3=10s", gate.StatusInconclusive, "no post-warmup step at 3 req/s offered"},
		{"p95@12.5=10s", gate.StatusInconclusive, "no post-warmup step at 12.5 req/s offered"},
	} {
		g, err := gate.ParseGate(gate.GateMax, c.spec, 0)
		if err != nil {
			t.Fatalf("%s: %v", c.spec, err)
		}
		res, err := gate.Check(run, nil, []gate.Gate{g}, compare.DefaultAlpha, compare.DefaultMinEffect, false)
		if err != nil {
			t.Fatal(err)
		}
		if r := res.Gates[0]; r.Status != c.status || !strings.Contains(view.GateLine(r), c.line) {
			t.Errorf("%s: %s %q, want %s naming %q", c.spec, r.Status, view.GateLine(r), c.status, c.line)
		}
	}
	if g, err := gate.ParseGate(gate.GateMax, "p95@12.5=1s", 0); err != nil || g.Level != 12.5 {
		t.Errorf("p95@12.5: level %v, %v", g.Level, err)
	}
}
