package analyze

import (
	"math"
	"slices"
	"strconv"
)

// derive computes what follows from the figures: baseline, saturation,
// growth, health and warnings.
func (c *computer) derive() {
	a := c.a
	a.Capacity = capacity(a, c.verdict, c.opts)
	a.Peak = peak(a)
	a.Scalability = scalability(a)
	if k := c.verdict.Knee; k >= 0 {
		step := a.Steps[k].Step
		a.Peak.KneeLevel, a.Peak.KneeStep = ptr(a.Steps[k].Level), &step
	}
	a.Growth = growth(a.Steps, a.Baseline, c.opts.ErrorThreshold)
	a.Health = health(a)
	a.Warmup = warmupEffect(a)
	little := a.Warnings // the Little's-law check's, from littleLaw
	a.Warnings = warnings(a, c)
	a.Warnings = append(a.Warnings, little...)
	if a.Run.OpenLoop() {
		a.Warnings = append(a.Warnings, openLittle(a)...)
	}
}

// warmupEffect counts what the warmup removed.
func warmupEffect(a *Analysis) WarmupEffect {
	w := WarmupEffect{Requests: a.Overall.WarmupRequests}
	if all := a.Overall.WarmupRequests + a.Overall.Requests; all > 0 {
		w.Share = ptr(float64(w.Requests) / float64(all))
	}
	if a.Run.Shape.StepTimeS > 0 {
		w.WholeSteps = a.Run.Shape.stepsDone(math.Min(a.Settings.WarmupS, a.Run.DurationS))
	}
	w.Heavy = w.WholeSteps > 0 || (w.Share != nil && *w.Share > HeavyWarmupShare)
	if sh := a.Run.Shape; sh.ProbeWarmupS > 0 && a.Settings.WarmupS <= sh.ProbeWarmupS {
		// A capacity search leaves out each probe's own warmup by design:
		// its share is the warmup's share of each step, not a doubt.
		w.Heavy = w.WholeSteps > 0
	}
	return w
}

// growth classifies how p95 grows with users (see GrowthMethod): collect
// the growth points, fit them, then classify; a flat pattern becomes
// flat_with_failures when the failure rate rises over the threshold.
func growth(steps []Step, base *Baseline, errThreshold float64) Growth {
	g := Growth{Method: GrowthMethod}
	ev := &g.Evidence
	fails := growthPoints(ev, steps, base)
	if len(ev.P95MS) >= 2 {
		fitGrowth(ev)
	}
	g.Pattern = classifyGrowth(ev)
	if g.Pattern == GrowthFlat && risingFailures(ev.MaxFailRate, fails, errThreshold) {
		g.Pattern = GrowthFlatWithFailures
	}
	return g
}

// growthPoints fills the points of ev: one per distinct user count (its
// first step), from the baseline step on, with a p95. It returns the
// failure rates of every such step, with or without a p95, in order, and
// keeps the highest in ev.MaxFailRate.
func growthPoints(ev *GrowthEvidence, steps []Step, base *Baseline) []float64 {
	ev.Steps, ev.Levels, ev.Users, ev.P95MS, ev.FailRate = []int{}, []float64{}, []int{}, []float64{}, []*float64{}
	maxLevel := math.Inf(-1)
	var fails []float64
	for _, s := range steps {
		if base != nil && s.Step < base.Step {
			continue
		}
		if s.Level <= maxLevel {
			continue // a hold step at a level already seen
		}
		maxLevel = s.Level
		if s.FailRate != nil {
			fails = append(fails, *s.FailRate)
			if ev.MaxFailRate == nil || *s.FailRate > *ev.MaxFailRate {
				ev.MaxFailRate = ptr(*s.FailRate)
			}
		}
		if s.P95MS == nil {
			continue
		}
		ev.Steps = append(ev.Steps, s.Step)
		ev.Levels = append(ev.Levels, s.Level)
		ev.Users = append(ev.Users, s.Users)
		ev.P95MS = append(ev.P95MS, *s.P95MS)
		ev.FailRate = append(ev.FailRate, s.FailRate)
	}
	return fails
}

// risingFailures tells whether failures grow with the load: the highest
// rate is over the threshold and above the first, and the last is no
// lower than the first.
func risingFailures(maxRate *float64, fails []float64, errThreshold float64) bool {
	return maxRate != nil && *maxRate > errThreshold &&
		len(fails) >= 1 && fails[len(fails)-1] >= fails[0] && *maxRate > fails[0]
}

// fitGrowth fits the points of ev (at least two): the max/min ratio, the
// slope and R² over all points, and the slopes of the first and the last
// third of the points up to the highest p95.
func fitGrowth(ev *GrowthEvidence) {
	n := len(ev.P95MS)
	xs := ev.Levels
	lo, hi := slices.Min(ev.P95MS), slices.Max(ev.P95MS)
	var slope float64
	slope, _, ev.LinearR2 = fit(xs, ev.P95MS)
	ev.Slope = ptr(slope)
	if lo > 0 {
		ev.P95Ratio = ptr(hi / lo)
		logs := make([]float64, n)
		for i, v := range ev.P95MS {
			logs[i] = math.Log(v)
		}
		_, _, ev.ExpR2 = fit(xs, logs)
	}
	// The slopes use the points up to the highest p95: past the peak,
	// timeouts and shedding cap latency, which says nothing of its growth.
	m := max(peakIndex(ev.P95MS)+1, 2)
	ev.FitPoints = m
	k := max(2, (m+2)/3)
	first, _, _ := fit(xs[:k], ev.P95MS[:k])
	last, _, _ := fit(xs[m-k:m], ev.P95MS[m-k:m])
	ev.SlopeFirst, ev.SlopeLast = ptr(first), ptr(last)
	if first > 0 {
		ev.SlopeRatio = ptr(last / first)
	}
}

// peakIndex is the index of the first highest value of vs.
func peakIndex(vs []float64) int {
	peak := 0
	for i, v := range vs {
		if v > vs[peak] {
			peak = i
		}
	}
	return peak
}

// classifyGrowth names the pattern the evidence shows: flat, linear or
// exponential (report/view says why, in one sentence: GrowthSummary).
func classifyGrowth(ev *GrowthEvidence) string {
	switch n := len(ev.P95MS); {
	case n < 2, ev.P95Ratio != nil && *ev.P95Ratio < FlatRatio, *ev.Slope <= 0:
		return GrowthFlat
	}
	if first, last := *ev.SlopeFirst, *ev.SlopeLast; last > ExpSlopeRatio*first || (first <= 0 && last > 0) {
		return GrowthExponential
	}
	return GrowthLinear
}

// fit is an ordinary least-squares line y = a + b·x: it returns b, a and
// R² (nil when y is constant).
func fit(xs, ys []float64) (b, a float64, r2 *float64) {
	n := float64(len(xs))
	var sx, sy float64
	for i := range xs {
		sx += xs[i]
		sy += ys[i]
	}
	mx, my := sx/n, sy/n
	var sxx, sxy, syy float64
	for i := range xs {
		dx, dy := xs[i]-mx, ys[i]-my
		sxx += dx * dx
		sxy += dx * dy
		syy += dy * dy
	}
	if sxx == 0 {
		return 0, my, nil
	}
	b = sxy / sxx
	a = my - b*mx
	if syy > 0 {
		r2 = ptr(sxy * sxy / (sxx * syy))
	}
	return b, a, r2
}

// Band rules, as printed.
const (
	ruleP99P50   = "<2 healthy, 2-5 warning, >5 critical"
	ruleFailRate = "<0.1% healthy, 0.1-1% warning, >1% critical"
	ruleGrowth   = "linear healthy, exponential warning, flat+failures critical"
)

// BandP99P50 is the health band of a p99/p50 ratio.
func BandP99P50(v float64) string {
	switch {
	case v < 2:
		return BandHealthy
	case v <= 5:
		return BandWarning
	}
	return BandCritical
}

// BandFailRate is the health band of a failure rate (a fraction).
func BandFailRate(v float64) string {
	switch {
	case v < 0.001:
		return BandHealthy
	case v <= 0.01:
		return BandWarning
	}
	return BandCritical
}

// BandGrowth is the health band of a growth pattern.
func BandGrowth(p string) string {
	switch p {
	case GrowthExponential:
		return BandWarning
	case GrowthFlatWithFailures:
		return BandCritical
	}
	return BandHealthy
}

// health judges the steady state (Analysis.Steady) in the bands, with
// the whole run's value beside it. Growth is a property of the whole
// step range (past saturation when the run goes there on purpose): it is
// the growth answer, not part of the health headline.
func health(a *Analysis) []Health {
	// A run that saturated at its first step has no steady state: the
	// bands judge the whole run, which is all the judged span there is.
	empty := a.Steady.BeforeSaturation && a.Steady.Requests == 0
	row := func(signal, rule string, steady, whole *float64, band func(float64) string) Health {
		if empty {
			steady = whole
		}
		h := Health{Signal: signal, Value: steady, Band: BandNA, Rule: rule, WholeValue: whole, WholeBand: BandNA}
		if steady != nil {
			h.Band = band(*steady)
		}
		if whole != nil {
			h.WholeBand = band(*whole)
		}
		return h
	}
	// The values' Text and WholeText are report/view's (view.HealthText).
	h := []Health{
		row("p99_p50", ruleP99P50, a.Steady.P99P50, a.Overall.P99P50, BandP99P50),
		row("fail_rate", ruleFailRate, a.Steady.FailRate, a.Overall.FailRate, BandFailRate),
	}
	g := Health{Signal: "growth", Text: a.Growth.Pattern, Band: BandGrowth(a.Growth.Pattern), Rule: ruleGrowth}
	if len(a.Growth.Evidence.P95MS) == 0 {
		g.Text, g.Band = "n/a", BandNA
	}
	g.WholeText, g.WholeBand = g.Text, g.Band
	return append(h, g)
}

// warnings are the warnings about the figures: the run's, its live
// changes', its steps', its lag, then the baseline, growth, shards and
// series.
func warnings(a *Analysis, c *computer) []Warning {
	w := runWarnings(a, c.opts)
	w = append(w, changeWarnings(&a.Run)...)
	w = append(w, stepWarnings(a)...)
	w = append(w, lagWarnings(a, c.opts)...)
	if a.Baseline != nil && a.Baseline.P95MS == nil {
		w = append(w, Warning{Fact: StepFact{Kind: StepNoBaseline, Step: a.Baseline.Step}})
	}
	if n := len(a.Growth.Evidence.P95MS); n > 0 && n < 3 {
		w = append(w, Warning{Fact: RunFact{Kind: RunFewGrowthSteps, N: n}})
	}
	shards := map[int]int{}
	for _, s := range a.Run.Shards {
		shards[s.Shard]++
	}
	for _, s := range a.Run.Shards {
		if shards[s.Shard] > 1 {
			w = append(w, Warning{Fact: ShardTwiceFact{Shard: s.Shard, Files: shards[s.Shard]}})
			shards[s.Shard] = 0
		}
	}
	if len(a.Series.T) > 0 && a.Series.BucketS > 1 {
		w = append(w, Warning{Fact: RunFact{Kind: RunSeriesBuckets, BucketS: a.Series.BucketS}})
	}
	return w
}

// runWarnings are the warnings about the run as a whole: no requests, a
// warmup as long as the run, an early end, no latency figure.
func runWarnings(a *Analysis, o Options) []Warning {
	w := []Warning{}
	add := func(f RunFact) { w = append(w, Warning{Fact: f}) }
	warmup, dur := o.Warmup.Seconds(), a.Run.DurationS
	if a.Run.Rows == 0 {
		add(RunFact{Kind: RunNoRows})
	} else if a.Overall.Requests == 0 {
		add(RunFact{Kind: RunNoneAfterWarmup, WarmupS: warmup})
	}
	if dur > 0 && warmup >= dur {
		add(RunFact{Kind: RunWarmupTooLong, WarmupS: warmup, DurationS: dur})
	}
	switch a.Run.EndReason {
	case "completed", "":
	case "interrupted":
		add(RunFact{Kind: RunInterrupted, DurationS: dur})
	case "saturated":
		add(RunFact{Kind: RunStopped, DurationS: dur})
	case "recovered":
		add(RunFact{Kind: RunRecovered})
	default:
		add(RunFact{Kind: RunEndedEarly, EndReason: a.Run.EndReason, EndDetail: a.Run.EndDetail})
	}
	if a.Overall.Requests > 0 && a.Overall.OK == 0 {
		add(RunFact{Kind: RunAllFailed})
	} else if o.Metric == MetricTTFT && a.Overall.OK > 0 && a.Overall.Samples == 0 {
		add(RunFact{Kind: RunNoTTFT})
	}
	return w
}

// stepWarnings are the warnings about single steps: nothing sent,
// arrivals never sent, few samples, a step the run ended in.
func stepWarnings(a *Analysis) []Warning {
	var w []Warning
	sh := a.Run.Shape
	for _, s := range a.Steps {
		planned := sh.stepLength(s.Step) // its span's length (Shape.StepSpan)
		f := StepFact{Step: s.Step, Level: s.Level, LevelKind: a.Run.LevelKind, Unsent: s.Unsent, Samples: s.Samples,
			DurationS: s.DurationS, PlannedS: planned}
		add := func(kind string) { f.Kind = kind; w = append(w, Warning{Fact: f}) }
		if s.Requests == 0 {
			add(StepNothingSent)
			continue
		} else if s.Unsent > 0 {
			add(StepUnsent)
		}
		if s.Samples < MinStepSamples {
			add(StepFewSamples)
		}
		if _, end, ok := sh.StepSpan(s.Step); ok && sh.StepTimeS > 0 && end > a.Run.DurationS+0.01*planned && s.DurationS < planned*0.99 {
			add(StepShort)
		}
	}
	return w
}

// lagWarnings are the warnings about sends later than scheduled: the
// client-side lag (in an open loop first the wait for a slot), and the
// metric that leaves such waits out.
func lagWarnings(a *Analysis, o Options) []Warning {
	var w []Warning
	if a.Overall.Requests > 0 && float64(a.Lag.Late) > LagWarnFraction*float64(a.Overall.Requests) {
		w = append(w, Warning{Fact: LagFact{Late: a.Lag.Late, Requests: a.Overall.Requests, MaxMS: *a.Lag.MaxMS,
			OpenLoop: a.Run.OpenLoop(), MaxConcurrency: a.Run.Shape.MaxConcurrency}})
	}
	if waited := totalWaited(a); a.Run.OpenLoop() && waited > 0 && o.Metric != MetricLatencyFromSchedule {
		w = append(w, Warning{Fact: WaitedFact{Waited: waited, Metric: o.Metric}})
	}
	return w
}

// Formatting shared by summaries and warnings.

// plural prints n with the singular or plural noun: "1 step", "2 steps".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// totalWaited counts the arrivals of every step that waited for a slot.
func totalWaited(a *Analysis) int64 {
	var n int64
	for _, s := range a.Steps {
		if s.Waited != nil {
			n += *s.Waited
		}
	}
	return n
}
