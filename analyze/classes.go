package analyze

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/llmrec/llmrec/analyze/level"
	"github.com/llmrec/llmrec/schemas"
)

// Figures by request class (Options.ByClass; docs/METHOD.md, "Request
// classes"): a --workload run's rows name their class, and each class gets
// the run's figures over its own post-warmup requests: counts, failure
// rate, the metric's, TTFT's and TPOT's percentiles, SLO attainment under
// its own SLO (the analysis's --slo when it has none), and its capacity by
// the level rule (level.Judge) over its own per-step figures.

// ByClass is the value of --by that breaks the figures down by class.
const ByClass = "class"

// ClassFigures are one request class's figures.
type ClassFigures struct {
	Name string `json:"name"`
	// Weight is the class's weight and Share its share of the weights
	// (the probability a request drew it); RequestShare its share of the
	// post-warmup requests that have a class.
	Weight       float64  `json:"weight"`
	Share        float64  `json:"share"`
	RequestShare *float64 `json:"request_share"`
	// InputTokens and OutputTokens are its sizes as the footer gives them.
	InputTokens  string `json:"input_tokens,omitempty"`
	OutputTokens string `json:"output_tokens,omitempty"`
	// SLO is the SLO its requests were judged by (nil: none, every
	// success is good), SLOSource where it came from: "class" (the
	// workload file's), "run" (--slo) or "" (none).
	SLO       *SLOSettings `json:"slo"`
	SLOSource string       `json:"slo_source"`
	// Requests, OK, Failures, FailRate are over its post-warmup requests.
	Requests int64    `json:"requests"`
	OK       int64    `json:"ok"`
	Failures int64    `json:"failures"`
	FailRate *float64 `json:"fail_rate"`
	Goodput
	// Latency is the metric's percentiles over its successes (the run's
	// --metric), TTFT and TPOT in ms.
	Latency Quantiles `json:"latency_ms"`
	TTFT    Quantiles `json:"ttft_ms"`
	TPOT    Quantiles `json:"tpot_ms"`
	// OutputTokens is the mean output tokens of its successes (nil when
	// none has a count).
	MeanOutputTokens *float64 `json:"mean_output_tokens"`
	// Capacity is the level rule applied to its own steps.
	Capacity ClassCapacity `json:"capacity"`
	// Steps are its figures in each step of the run (as Analysis.Steps).
	Steps []ClassStep `json:"steps"`
}

// ClassCapacity is a class's capacity: the level rule (level.Judge, as
// the run's Capacity) over the class's per-step figures. Its throughput
// signal is the run's to give (a class has no offered rate of its own),
// so an open loop's class is judged by latency, errors and its SLO.
type ClassCapacity struct {
	Level   *float64 `json:"level"`
	Step    *int     `json:"step"`
	Bounded bool     `json:"bounded"`
	// Saturation is the level where a signal fired for the class, and
	// which (nil: none fired).
	SaturationLevel *float64 `json:"saturation_level"`
	Signal          *string  `json:"signal"`
}

// ClassStep is a class's figures in one step.
type ClassStep struct {
	Step     int      `json:"step"`
	Level    float64  `json:"level"`
	Requests int64    `json:"requests"`
	OK       int64    `json:"ok"`
	Failures int64    `json:"failures"`
	FailRate *float64 `json:"fail_rate"`
	Good     int64    `json:"good"`
	// SLOAttainment is Good over Requests (nil with none).
	SLOAttainment *float64 `json:"slo_attainment"`
	P50MS         *float64 `json:"p50_ms"`
	P95MS         *float64 `json:"p95_ms"`
	P99MS         *float64 `json:"p99_ms"`
}

// classSLO is the SLO class c's requests are judged by: its own when it
// has one that parses, else run; and where it came from.
func classSLO(c schemas.Class, run SLO) (SLO, string) {
	if c.SLO != "" {
		if s, err := level.ParseSLO(SLO{}, c.SLO); err == nil {
			return s, "class"
		}
	}
	if run.Set() {
		return run, "run"
	}
	return SLO{}, ""
}

// footerClasses are the classes of a run's footer, at most
// schemas.MaxClasses (a reader keeps a class index in one byte).
func footerClasses(w *schemas.Workload) []schemas.Class {
	if w == nil {
		return nil
	}
	return w.Classes[:min(len(w.Classes), schemas.MaxClasses)]
}

// fillClasses writes the run's classes into the table classes, each with
// the SLO bounds it is judged by, before the rows are loaded (load.sql
// finds each row's class there).
func (e *engine) fillClasses(ctx context.Context, w *schemas.Workload, run SLO) error {
	for i, c := range footerClasses(w) {
		s, _ := classSLO(c, run)
		args := append([]any{i, c.Name}, sloArgs(s)...)
		if _, err := e.conn.ExecContext(ctx, query("class_insert.sql"), args...); err != nil {
			return e.check(fmt.Errorf("record the classes: %w", err))
		}
	}
	return nil
}

// classCount is one class's counts in one step (class_counts.sql): its
// requests, successes, good requests, and the successes with each of
// classFigures, with its greatest value.
type classCount struct {
	requests, ok, good int64
	n                  [len(classFigures)]int64
	max                [len(classFigures)]*float64
	outTok, outTokN    int64
}

// classFigures are the distributions of a class, in class_counts.sql's
// order: the metric, the TTFT, the TPOT.
var classFigures = [...]string{"v", "ttft", "tpot"}

// classKey is a class and a step.
type classKey struct{ class, step int }

// classCounts runs class_counts.sql.
func (c *computer) classCounts() (map[classKey]*classCount, error) {
	rows, err := c.conn.QueryContext(c.ctx, query("class_counts.sql"))
	if err != nil {
		return nil, fmt.Errorf("count by class: %w", err)
	}
	defer rows.Close()
	out := map[classKey]*classCount{}
	for rows.Next() {
		var k classKey
		var n classCount
		var mx [len(classFigures)]sql.NullFloat64
		if err := rows.Scan(&k.class, &k.step, &n.requests, &n.ok, &n.good, &n.n[0], &mx[0], &n.n[1], &mx[1],
			&n.n[2], &mx[2], &n.outTok, &n.outTokN); err != nil {
			return nil, fmt.Errorf("read counts by class: %w", err)
		}
		for f := range mx {
			n.max[f] = nullable(mx[f])
		}
		out[k] = &n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read counts by class: %w", err)
	}
	return out, nil
}

// classes computes the figures by class when Options.By is ByClass: nil
// otherwise, an empty list (and a warning) for a run without classes.
func (c *computer) classes() error {
	if c.opts.By != ByClass {
		return nil
	}
	var fc []schemas.Class
	if w := c.a.Run.Workload; w != nil {
		fc = w.Classes[:min(len(w.Classes), schemas.MaxClasses)]
	}
	c.a.Classes = []ClassFigures{}
	if len(fc) == 0 {
		c.a.Warnings = append(c.a.Warnings, Warning{Fact: RunFact{Kind: RunNoClasses}})
		return nil
	}
	counts, err := c.classCounts()
	if err != nil {
		return err
	}
	stride := 1
	for _, s := range c.a.Steps {
		stride = max(stride, s.Step+1)
	}
	cls := c.classTotals(fc, counts)
	for f := range classFigures {
		if err := c.classQuantiles(f, cls, counts, stride); err != nil {
			return err
		}
	}
	for i := range cls {
		c.classCapacity(&cls[i])
	}
	c.a.Classes = cls
	return c.unclassed()
}

// classTotals are each class's figures from its counts: its steps (one a
// step of the run, in order) and its totals.
func (c *computer) classTotals(fc []schemas.Class, counts map[classKey]*classCount) []ClassFigures {
	var weights float64
	for _, k := range fc {
		weights += k.Weight
	}
	cls := make([]ClassFigures, len(fc))
	var all int64
	for i, k := range fc {
		s, src := classSLO(k, c.opts.SLO)
		f := ClassFigures{Name: k.Name, Weight: k.Weight, Share: k.Weight / weights, InputTokens: k.InputTokens,
			OutputTokens: k.OutputTokens, SLO: sloSettings(s), SLOSource: src, Steps: []ClassStep{}}
		var outTok, outN int64
		for _, st := range c.a.Steps {
			n := counts[classKey{i, st.Step}]
			cs := ClassStep{Step: st.Step, Level: st.Level}
			if n != nil {
				cs.Requests, cs.OK, cs.Good = n.requests, n.ok, n.good
				outTok, outN = outTok+n.outTok, outN+n.outTokN
			}
			cs.Failures, cs.FailRate, cs.SLOAttainment = cs.Requests-cs.OK, share(cs.Requests-cs.OK, cs.Requests), share(cs.Good, cs.Requests)
			f.Requests, f.OK, f.Good = f.Requests+cs.Requests, f.OK+cs.OK, f.Good+cs.Good
			f.Steps = append(f.Steps, cs)
		}
		f.Failures, f.FailRate = f.Requests-f.OK, share(f.Requests-f.OK, f.Requests)
		f.Goodput = goodputOf(f.Good, f.Requests, c.a.Overall.MeasuredS)
		if outN > 0 {
			f.MeanOutputTokens = ptr(float64(outTok) / float64(outN))
		}
		all += f.Requests
		cls[i] = f
	}
	for i := range cls {
		cls[i].RequestShare = share(cls[i].Requests, all)
	}
	return cls
}

// share is n over of (nil when of is 0).
func share(n, of int64) *float64 {
	if of == 0 {
		return nil
	}
	return ptr(float64(n) / float64(of))
}

// classQuantiles computes distribution f (classFigures) of every class,
// overall and by step, from one ascending stream of its values
// (class_values.sql), at the ranks the counts give.
func (c *computer) classQuantiles(f int, cls []ClassFigures, counts map[classKey]*classCount, stride int) error {
	sets := c.classSets(f, len(cls), counts, stride)
	qc := newStepQuantiles(sets.classes, sets.nClass, c.ps(), nil)
	qs := newStepQuantiles(sets.keys, sets.nKey, c.ps(), nil)
	err := c.eng.streamSorted(c.ctx, query("class_values.sql"), []any{classFigures[f], stride}, func(rows []sortedRow) error {
		for _, r := range rows {
			qc.Add(r.X, int32(r.K/int64(stride)))
			qs.Add(r.X, int32(r.K))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("compute %s by class: %w", classFigures[f], err)
	}
	perClass, _, _ := qc.Result()
	for i := range cls {
		q := perClass[i]
		all := Quantiles{Samples: sets.nClass[i], P50: q[0], P90: q[1], P95: q[2], P99: q[3], Max: sets.max[i], Percentiles: c.extra(q)}
		switch classFigures[f] {
		case "v":
			cls[i].Latency = all
		case "ttft":
			cls[i].TTFT = all
		default:
			cls[i].TPOT = all
		}
	}
	if f == 0 { // the steps show the metric's percentiles only
		perKey, _, _ := qs.Result()
		setClassSteps(cls, sets.keys, perKey, stride)
	}
	return nil
}

// classSet are the sets of one distribution's values: by class (classes,
// their counts and greatest values) and by class and step (keys
// class*stride+step, ascending, and their counts).
type classSet struct {
	classes []int
	nClass  []int64
	max     []*float64
	keys    []int
	nKey    []int64
}

// classSets are distribution f's sets from the counts.
func (c *computer) classSets(f, n int, counts map[classKey]*classCount, stride int) classSet {
	s := classSet{classes: make([]int, n), nClass: make([]int64, n), max: make([]*float64, n)}
	for i := range n {
		s.classes[i] = i
		for _, st := range c.a.Steps {
			k := counts[classKey{i, st.Step}]
			if k == nil || k.n[f] == 0 {
				continue
			}
			s.nClass[i] += k.n[f]
			s.keys, s.nKey = append(s.keys, i*stride+st.Step), append(s.nKey, k.n[f])
			if m := k.max[f]; m != nil && (s.max[i] == nil || *m > *s.max[i]) {
				s.max[i] = m
			}
		}
	}
	return s
}

// setClassSteps puts each class-and-step set's p50, p95 and p99 into
// the class's steps.
func setClassSteps(cls []ClassFigures, keys []int, q [][]*float64, stride int) {
	pos := make(map[int]int, len(keys))
	for j, k := range keys {
		pos[k] = j
	}
	for i := range cls {
		for j := range cls[i].Steps {
			st := &cls[i].Steps[j]
			if p, ok := pos[i*stride+st.Step]; ok {
				st.P50MS, st.P95MS, st.P99MS = q[p][0], q[p][2], q[p][3]
			}
		}
	}
}

// classCapacity judges class k's steps by the level rules of the run
// (level.Judge through judgeSteps, as the run's own verdict) with the
// class's SLO, and keeps its capacity and saturation level. The
// throughput rule is the run's: a class's steps carry no offered rate.
func (c *computer) classCapacity(k *ClassFigures) {
	steps := make([]Step, len(k.Steps))
	for i, s := range k.Steps {
		steps[i] = Step{Step: s.Step, Level: s.Level, Requests: s.Requests, Failures: s.Failures,
			Goodput: Goodput{Good: s.Good}, Latency: Latency{P95MS: s.P95MS}}
	}
	r := c.rules()
	r.SLO = k.SLO != nil
	v := judgeSteps(steps, r, len(c.a.Run.Shape.Levels) > 0)
	k.Capacity.Bounded = v.Bounded
	if v.Capacity >= 0 {
		st := k.Steps[v.Capacity].Step
		k.Capacity.Level, k.Capacity.Step = ptr(k.Steps[v.Capacity].Level), &st
	}
	if v.Saturation >= 0 {
		sig := v.Fired.Main()
		k.Capacity.SaturationLevel, k.Capacity.Signal = ptr(k.Steps[v.Saturation].Level), &sig
	}
}

// unclassed warns of post-warmup requests without a class in a run that
// has classes.
func (c *computer) unclassed() error {
	var n int64
	if err := c.conn.QueryRowContext(c.ctx, query("class_none.sql")).Scan(&n); err != nil {
		return fmt.Errorf("count requests without a class: %w", err)
	}
	if n > 0 {
		c.a.Warnings = append(c.a.Warnings, Warning{Fact: UnclassedFact{N: n}})
	}
	return nil
}
