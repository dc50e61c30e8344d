package analyze

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/llmrec/llmrec/schemas"
)

// changedReqs are 30 successes a step over steps of 10 s, each step's
// rows at users[k-1] (0: nothing sent in it).
func changedReqs(users []int) []req {
	var reqs []req
	for k, u := range users {
		if u == 0 {
			continue
		}
		for i := range 30 {
			reqs = append(reqs, req{sendS: float64(k)*10 + float64(i)/3, step: k + 1, users: u, ok: true, latMS: 100 + float64(i)})
		}
	}
	return reqs
}

// TestChangedLevels: a closed loop planned at 10 users a step, changed
// live to 15 users from step 3 on; step 4 sent nothing. Every step is a
// level: the rows' users where there are rows, the changed level where
// there are none (not the 40 users planned); a warning says the shape
// was changed live, when and how; the change stays in run.shape.
func TestChangedLevels(t *testing.T) {
	m := testMeta("changed", 10, 40)
	m.Shape.MaxUsers = 40
	at := t0.Add(25 * time.Second)
	m.Shape.Changes = []schemas.ShapeChange{{At: at, AtS: 25, Step: 3, Level: 15, By: schemas.ChangedByDashboard}}
	p := writeRun(t, t.TempDir()+"/run.parquet", m, changedReqs([]int{10, 20, 15, 0}))
	a, err := Analyze(t.Context(), testOptions(0, 5*time.Second), p)
	if err != nil {
		t.Fatal(err)
	}
	var levels []float64
	for _, s := range a.Steps {
		levels = append(levels, s.Level)
	}
	if !slices.Equal(levels, []float64{10, 20, 15, 15}) {
		t.Errorf("levels %v, want 10 20 15 15", levels)
	}
	if f, ok := shapeChange(a.Warnings); !ok || f.LevelKind != LevelUsers || len(f.Changes) != 1 || f.Changes[0].Step != 3 || f.Changes[0].Level != 15 || f.Changes[0].AtS != 25 {
		t.Errorf("no warning of the change to 15 users from step 3 in %q", texts(a.Warnings))
	}
	if c := a.Run.Shape.Changes; len(c) != 1 || !c[0].At.Equal(at) || c[0].Step != 3 {
		t.Errorf("run.shape.changes %+v", c)
	}
}

// TestChangedOfferedRates: an open loop at 10, 20, 30 req/s planned,
// changed to 5 req/s from step 2 and to 12.5 from step 3: the offered
// rates (and levels) are the changed ones; a later change from the same
// step replaces an earlier one.
func TestChangedOfferedRates(t *testing.T) {
	m := testMeta("changed-open", 10, 30)
	m.Shape = schemas.Shape{Arrival: schemas.ArrivalConstant, Rate: 10, StepRate: 10, MaxRate: 30, StepTimeS: 10, DurationS: 30, Burstiness: 1}
	m.Shape.Changes = []schemas.ShapeChange{
		{AtS: 5, Step: 2, Level: 7, By: "dashboard"},
		{AtS: 6, Step: 2, Level: 5, By: "dashboard"},
		{AtS: 15, Step: 3, Level: 12.5, By: "dashboard"},
	}
	p := writeRun(t, t.TempDir()+"/run.parquet", m, changedReqs([]int{3, 3, 3}))
	a, err := Analyze(t.Context(), testOptions(0, 5*time.Second), p)
	if err != nil {
		t.Fatal(err)
	}
	var offered []float64
	for _, s := range a.Steps {
		if s.OfferedRPS == nil || *s.OfferedRPS != s.Level {
			t.Fatalf("step %d: offered %v, level %v", s.Step, s.OfferedRPS, s.Level)
		}
		offered = append(offered, s.Level)
	}
	if !slices.Equal(offered, []float64{10, 5, 12.5}) {
		t.Errorf("offered rates %v, want 10 5 12.5", offered)
	}
	if f, ok := shapeChange(a.Warnings); !ok || f.LevelKind != LevelRate || len(f.Changes) != 3 || f.Changes[2].Step != 3 || f.Changes[2].Level != 12.5 {
		t.Errorf("no warning of 3 changes, the last to 12.5 req/s from step 3, in %q", texts(a.Warnings))
	}
}

// shapeChange is the warning of the live changes among ws.
func shapeChange(ws []Warning) (ShapeChangeFact, bool) {
	for _, w := range ws {
		if f, ok := w.Fact.(ShapeChangeFact); ok {
			return f, true
		}
	}
	return ShapeChangeFact{}, false
}

// TestCleanChanges: a footer's changes that no recorder writes (a step
// below 1, a level not above 0 or not finite, a non-finite time) are
// dropped; a name is made printable; at most MaxShapeChanges are kept.
func TestCleanChanges(t *testing.T) {
	in := []schemas.ShapeChange{
		{Step: 0, Level: 5}, {Step: 2, Level: 0}, {Step: 2, Level: math.NaN()}, {Step: 2, Level: math.Inf(1)},
		{Step: 2, Level: 3, AtS: math.Inf(1)}, {Step: 2, Level: 4, By: "dash\x1b[31mboard"},
	}
	got := cleanChanges(in)
	if len(got) != 1 || got[0].Level != 4 || strings.ContainsRune(got[0].By, 0x1b) {
		t.Errorf("cleaned %+v", got)
	}
	many := make([]schemas.ShapeChange, schemas.MaxShapeChanges+5)
	for i := range many {
		many[i] = schemas.ShapeChange{Step: i + 1, Level: 1}
	}
	if n := len(cleanChanges(many)); n != schemas.MaxShapeChanges {
		t.Errorf("kept %d changes, want %d", n, schemas.MaxShapeChanges)
	}
}
