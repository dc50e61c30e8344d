package record

import (
	"math"
	"slices"
	"strings"
	"time"

	"github.com/llmrec/llmrec/analyze/level"
	"github.com/llmrec/llmrec/schemas"
)

// StepRow is one line of the live statistics table: a step's figures over
// its requests sent after the live warmup, as the analyzer counts a step's
// (Step 0: the run's, over every such request). Latencies are in ms, NaN
// without a success; like every live figure, percentiles are HdrHistogram
// ones (3 significant digits), counts are exact.
type StepRow struct {
	Step int
	// Level is the step's level: its users (closed loop) or its offered
	// rate in req/s (open loop); 0 on the total row.
	Level              float64
	Requests, Failures int64
	P50, P90, P95, P99 float64
	Max                float64 // exact
	TTFTP95            float64
	// RPS is the requests sent per second over the step's span so far
	// (after the warmup): an open loop's achieved rate. CompletedRPS is
	// the successes completed per second within the span, wherever they
	// were sent (the analyzer's throughput).
	RPS, CompletedRPS float64
	// Waited counts an open loop's requests sent more than 10 ms after
	// they were due (they waited for an in-flight slot or the generator).
	Waited    int64
	DurationS float64 // the span so far, s
	Ended     bool    // the step's span is over
}

// FailureClass is a line of the live failures table: the failures of one
// error class so far (warmup included) and the error text of the latest,
// as it is recorded in the file (redacted, bounded).
type FailureClass struct {
	Class   string
	Count   int64
	Latest  string
	LatestS float64 // when the latest completed, s from the start
}

// LiveVerdict is the verdict of the level rules (analyze/level.Judge) on
// the live step rows so far: what llmrep analyze would answer on them,
// give or take the live figures' approximation. Steps are 1-based, 0 for
// none.
type LiveVerdict struct {
	Kind         string // "users" or "rate"
	BaselineStep int
	// SaturationStep is the first step from the baseline on where a
	// signal fired, at SaturationLevel; Signal is the main one.
	SaturationStep  int
	SaturationLevel float64
	Signal          string
	Signals         []string
	// CapacityStep holds the capacity level, CapacityLevel; Bounded says a
	// level above it failed (false: every level held so far).
	CapacityStep  int
	CapacityLevel float64
	Bounded       bool
}

// Bounds of the live tables.
const (
	maxExcerpt = 200 // bytes kept of a failure's text
	maxClasses = 32  // error classes tracked (the schema's set is smaller)
)

// addStep counts r, sent after the warmup, in its step's live row; end is
// when it completed.
func (l *live) addStep(r *schemas.Record, lagMS float64) {
	st := l.steps[r.Step]
	if st == nil {
		st = newStepStats()
		l.steps[r.Step] = st
	}
	for _, s := range []*stepStats{st, l.all} {
		s.users = max(s.users, int(r.Users))
		if lagMS > waitToleranceMS {
			s.waited++
		}
		if r.OK {
			s.ok++
			recordMS(s.hist, r.LatencyMS)
			s.maxMS = max(s.maxMS, r.LatencyMS)
			if r.TTFTMS != nil {
				recordMS(s.ttft, *r.TTFTMS)
			}
		} else {
			s.fail++
		}
	}
	l.dirty[r.Step] = true
}

// addDone counts a success completed at end in the step span it falls in,
// when that is after the warmup and before the schedule's end.
func (l *live) addDone(end time.Time) {
	c := end.Sub(l.t0)
	if l.stepTime <= 0 || c < l.warmup || c >= l.endAt {
		return
	}
	k := int32(c/l.stepTime) + 1
	l.done[k]++
	l.dirty[k] = true
}

// addFailure keeps the failures table: count and latest text by class.
func (l *live) addFailure(cls string, r *schemas.Record, end time.Time) {
	fc := l.classes[cls]
	if fc == nil {
		if len(l.classes) >= maxClasses {
			return
		}
		fc = &FailureClass{Class: cls}
		l.classes[cls] = fc
	}
	fc.Count++
	if s := end.Sub(l.t0).Seconds(); s >= fc.LatestS || fc.Count == 1 {
		fc.LatestS = s
		fc.Latest = ""
		if r.Error != nil {
			fc.Latest = excerpt(*r.Error)
		}
	}
}

// excerpt is at most maxExcerpt bytes of s, valid UTF-8, control
// characters as spaces.
func excerpt(s string) string {
	s = strings.ToValidUTF8(s, "?")
	if len(s) > maxExcerpt {
		cut := maxExcerpt
		for cut > 0 && !utf8Start(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
}

func utf8Start(b byte) bool { return b&0xc0 != 0x80 }

// failures is the failures table, by class.
func (l *live) failures() []FailureClass {
	out := make([]FailureClass, 0, len(l.classes))
	for _, fc := range l.classes {
		out = append(out, *fc)
	}
	slices.SortFunc(out, func(a, b FailureClass) int { return strings.Compare(a.Class, b.Class) })
	return out
}

// table is the live step table: it keeps each step's row, made again
// only when the step changed (a row of it arrived, or the span still
// runs), so that its work per second follows the steps that move, not
// the steps the run has had.
type table struct {
	rows  map[int32]StepRow
	order []int32 // the steps with a row, ascending
}

// update remakes the rows of the steps that changed and of the current
// step, at elapsed, and returns them in step order with the total row.
func (w *watcher) updateTable(elapsed time.Duration) (changed []StepRow, total StepRow) {
	l, cfg, t := w.live, w.e.cfg, &w.table
	if t.rows == nil {
		t.rows = map[int32]StepRow{}
	}
	cur := int32(cfg.stepAt(min(elapsed, max(cfg.total()-1, 0))))
	if l.steps[cur] != nil || l.done[cur] > 0 {
		l.dirty[cur] = true
	}
	ks := make([]int32, 0, len(l.dirty))
	for k := range l.dirty {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	for _, k := range ks {
		row := w.stepRow(k, l.steps[k], elapsed)
		if _, seen := t.rows[k]; !seen {
			i, _ := slices.BinarySearch(t.order, k)
			t.order = slices.Insert(t.order, i, k)
		}
		t.rows[k] = row
		changed = append(changed, row)
	}
	clear(l.dirty)
	return changed, w.totalRow(elapsed)
}

// span is step k's span after the warmup, up to elapsed: its seconds
// and whether it is over.
func (w *watcher) span(k int32, elapsed time.Duration) (float64, bool) {
	cfg, l := w.e.cfg, w.live
	stepT := cfg.stepTime()
	end := min(elapsed, cfg.total())
	from, to := max(time.Duration(k-1)*stepT, l.warmup), min(time.Duration(k)*stepT, end)
	return max(0, (to - from).Seconds()), time.Duration(k)*stepT <= end
}

func (w *watcher) stepRow(k int32, st *stepStats, elapsed time.Duration) StepRow {
	row := StepRow{Step: int(k)}
	row.DurationS, row.Ended = w.span(k, elapsed)
	if w.e.cfg.open() {
		row.Level = w.e.rateOf(int(k))
	}
	if st == nil {
		st = newStepStats()
	}
	if !w.e.cfg.open() {
		row.Level = float64(st.users)
		if st.users == 0 {
			row.Level = float64(w.e.cfg.Shape.usersAt(k))
		}
	}
	st.fill(&row)
	if row.DurationS > 0 {
		row.RPS = float64(row.Requests) / row.DurationS
		row.CompletedRPS = float64(w.live.done[k]) / row.DurationS
	}
	return row
}

// totalRow is the run's row: every request sent after the warmup, over
// the time since the warmup.
func (w *watcher) totalRow(elapsed time.Duration) StepRow {
	l := w.live
	row := StepRow{DurationS: max(0, (min(elapsed, w.e.cfg.total()) - l.warmup).Seconds())}
	l.all.fill(&row)
	if row.DurationS > 0 {
		var done int64
		for _, n := range l.done {
			done += n
		}
		row.RPS = float64(row.Requests) / row.DurationS
		row.CompletedRPS = float64(done) / row.DurationS
	}
	return row
}

// fill sets the counts and latency figures of row from st.
func (st *stepStats) fill(row *StepRow) {
	row.Requests, row.Failures, row.Waited = st.ok+st.fail, st.fail, st.waited
	row.P50, row.P90, row.P95, row.P99 = quantileMS(st.hist, 50), quantileMS(st.hist, 90), quantileMS(st.hist, 95), quantileMS(st.hist, 99)
	row.Max, row.TTFTP95 = math.NaN(), quantileMS(st.ttft, 95)
	if st.ok > 0 {
		row.Max = st.maxMS
	}
}

// usersAt is the users the closed-loop shape sets in step k.
func (s Shape) usersAt(k int32) int {
	if s.StepUsers <= 0 {
		return s.MaxUsers
	}
	return min(int(k)*s.StepUsers, s.MaxUsers)
}

// verdict judges the rows so far by the level rules, as the analyzer
// does with the exact figures (no SLO: the recorder has none).
func (w *watcher) verdict() LiveVerdict {
	cfg, t := w.e.cfg, &w.table
	rules := level.Rules{
		Kind: level.Users, BaselineLevel: float64(cfg.BaselineUsers),
		LatencyThreshold: cfg.LatencyThreshold, ErrorThreshold: cfg.ErrorThreshold,
		SentRatio: sentRatio, WaitFraction: waitFraction,
	}
	if cfg.open() {
		rules.Kind, rules.Poisson = level.Rate, cfg.OpenLoop.Kind == ArrivalPoisson
	}
	steps := make([]level.Step, 0, len(t.order))
	for _, k := range t.order {
		r := t.rows[k]
		ls := level.Step{Step: r.Step, Level: r.Level, Sent: r.Requests, Failures: r.Failures,
			Good: r.Requests - r.Failures, DurationS: r.DurationS, Waited: r.Waited}
		if !math.IsNaN(r.P95) {
			ls.P95 = ptrF(r.P95)
		}
		if cfg.open() && r.DurationS > 0 {
			ls.Offered, ls.Achieved, ls.Completed = ptrF(r.Level), ptrF(r.RPS), ptrF(r.CompletedRPS)
		} else if r.DurationS > 0 {
			ls.Completed = ptrF(r.CompletedRPS)
		}
		steps = append(steps, ls)
	}
	v := level.Judge(steps, rules)
	out := LiveVerdict{Kind: string(rules.Kind), Bounded: v.Bounded}
	if v.Baseline >= 0 {
		out.BaselineStep = steps[v.Baseline].Step
	}
	if v.Saturation >= 0 {
		s := steps[v.Saturation]
		out.SaturationStep, out.SaturationLevel = s.Step, s.Level
		out.Signal, out.Signals = v.Fired.Main(), v.Fired.Signals()
	}
	if v.Capacity >= 0 {
		out.CapacityStep, out.CapacityLevel = steps[v.Capacity].Step, steps[v.Capacity].Level
	}
	return out
}

// sentRatio is the analyzer's SentRatioThreshold: an open-loop step that
// sent, or completed, less than this share of its offered load could not
// serve it (a test holds the two equal).
const sentRatio = 0.9

// LiveThresholds are the thresholds of the live verdict that the
// analyzer has too (its SentRatioThreshold, WaitToleranceMS and
// WaitFraction), for a test outside both to hold them equal.
func LiveThresholds() (sentRatioThreshold, waitToleranceMillis, waitShare float64) {
	return sentRatio, waitToleranceMS, waitFraction
}

func ptrF(v float64) *float64 { return &v }
