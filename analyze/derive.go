package analyze

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
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
	a.Growth = growth(a.Steps, a.Baseline, c.opts.ErrorThreshold, a.Run.LevelKind)
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

// growth classifies how p95 grows with users (see growthMethod): collect
// the growth points, fit them, then classify; a flat pattern becomes
// flat_with_failures when the failure rate rises over the threshold.
func growth(steps []Step, base *Baseline, errThreshold float64, kind string) Growth {
	g := Growth{Method: growthMethod}
	ev := &g.Evidence
	fails := growthPoints(ev, steps, base)
	if len(ev.P95MS) >= 2 {
		fitGrowth(ev)
	}
	g.Pattern, g.Summary = classifyGrowth(ev, kind)
	if g.Pattern == GrowthFlat && risingFailures(ev.MaxFailRate, fails, errThreshold) {
		g.Pattern = GrowthFlatWithFailures
		g.Summary += fmt.Sprintf("; failure rate rises to %s (over %s)", fmtPct(*ev.MaxFailRate), fmtPct(errThreshold))
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

// classifyGrowth names the pattern the evidence shows (flat, linear or
// exponential) and says why in one sentence.
func classifyGrowth(ev *GrowthEvidence, kind string) (pattern, summary string) {
	per, with := "ms/user", "users"
	if kind == LevelRate {
		per, with = "ms per req/s", "the offered rate"
	}
	n := len(ev.P95MS)
	switch {
	case n < 2:
		return GrowthFlat, fmt.Sprintf("%s with a p95: too few to see growth", plural(n, "step", "steps"))
	case ev.P95Ratio != nil && *ev.P95Ratio < FlatRatio:
		return GrowthFlat, fmt.Sprintf("p95 max/min %.2f < %s over %d steps", *ev.P95Ratio, fmtNum(FlatRatio), n)
	case *ev.Slope <= 0:
		return GrowthFlat, fmt.Sprintf("p95 does not grow with %s (slope %s %s)", with, fmtNum(*ev.Slope), per)
	}
	first, last := *ev.SlopeFirst, *ev.SlopeLast
	desc := fmt.Sprintf("p95 max/min %s; slope first third %s, last third %s %s",
		fmtRatio(ev.P95Ratio), fmtNum(first), fmtNum(last), per)
	if exp := last > ExpSlopeRatio*first || (first <= 0 && last > 0); !exp {
		return GrowthLinear, desc + fmt.Sprintf(" (ratio %s <= %s)", fmtRatio(ev.SlopeRatio), fmtNum(ExpSlopeRatio))
	}
	if ev.SlopeRatio == nil {
		return GrowthExponential, desc + " (flat, then rising)"
	}
	return GrowthExponential, desc + fmt.Sprintf(" (ratio %.1f > %s)", *ev.SlopeRatio, fmtNum(ExpSlopeRatio))
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
	row := func(signal, rule string, steady, whole *float64, text func(float64) string, band func(float64) string) Health {
		if empty {
			steady = whole
		}
		h := Health{Signal: signal, Value: steady, Text: "n/a", Band: BandNA, Rule: rule, WholeValue: whole, WholeText: "n/a", WholeBand: BandNA}
		if steady != nil {
			h.Text, h.Band = text(*steady), band(*steady)
		}
		if whole != nil {
			h.WholeText, h.WholeBand = text(*whole), band(*whole)
		}
		return h
	}
	ratio := func(v float64) string { return fmt.Sprintf("%.2fx", v) }
	h := []Health{
		row("p99_p50", ruleP99P50, a.Steady.P99P50, a.Overall.P99P50, ratio, BandP99P50),
		row("fail_rate", ruleFailRate, a.Steady.FailRate, a.Overall.FailRate, fmtPct, BandFailRate),
	}
	g := Health{Signal: "growth", Text: a.Growth.Pattern, Band: BandGrowth(a.Growth.Pattern), Rule: ruleGrowth}
	if len(a.Growth.Evidence.P95MS) == 0 {
		g.Text, g.Band = "n/a", BandNA
	}
	g.WholeText, g.WholeBand = g.Text, g.Band
	return append(h, g)
}

func warnings(a *Analysis, c *computer) []string {
	w := runWarnings(a, c.opts)
	w = append(w, changeWarnings(&a.Run)...)
	w = append(w, stepWarnings(a)...)
	w = append(w, lagWarnings(a, c.opts)...)
	if a.Baseline != nil && a.Baseline.P95MS == nil {
		w = append(w, fmt.Sprintf("the baseline step %d has no successful request: the latency signal of saturation is not evaluated", a.Baseline.Step))
	}
	if n := len(a.Growth.Evidence.P95MS); n > 0 && n < 3 {
		w = append(w, fmt.Sprintf("the growth pattern rests on only %s", plural(n, "step", "steps")))
	}
	shards := map[int]int{}
	for _, s := range a.Run.Shards {
		shards[s.Shard]++
	}
	for _, s := range a.Run.Shards {
		if shards[s.Shard] > 1 {
			w = append(w, fmt.Sprintf("shard %d appears in %d files: requests may be counted twice", s.Shard, shards[s.Shard]))
			shards[s.Shard] = 0
		}
	}
	if len(a.Series.T) > 0 && a.Series.BucketS > 1 {
		w = append(w, fmt.Sprintf("time series use %s buckets (the run is longer than %d s)", fmtSecs(a.Series.BucketS), MaxSeriesPoints))
	}
	return w
}

// runWarnings are the warnings about the run as a whole: no requests, a
// warmup as long as the run, an early end, no latency figure.
func runWarnings(a *Analysis, o Options) []string {
	w := []string{}
	if a.Run.Rows == 0 {
		w = append(w, "the run has no requests: every figure is n/a")
	} else if a.Overall.Requests == 0 {
		w = append(w, fmt.Sprintf("no request was sent after the warmup (%s): every figure is n/a", fmtSecs(o.Warmup.Seconds())))
	}
	if a.Run.DurationS > 0 && o.Warmup.Seconds() >= a.Run.DurationS {
		w = append(w, fmt.Sprintf("the warmup (%s) is as long as the run (%s) or longer: shorten the warmup",
			fmtSecs(o.Warmup.Seconds()), fmtSecs(a.Run.DurationS)))
	}
	switch a.Run.EndReason {
	case "completed", "":
	case "interrupted":
		w = append(w, fmt.Sprintf("the run was interrupted after %s: the figures cover a partial run", fmtSecs(a.Run.DurationS)))
	case "saturated":
		w = append(w, fmt.Sprintf("the run stopped early on saturation after %s (it was set to stop on saturation)", fmtSecs(a.Run.DurationS)))
	case "recovered":
		w = append(w, "the file was rebuilt by llmrec recover: the run never finished, and its last requests may be missing")
	default:
		msg := fmt.Sprintf("the run ended early (%s)", a.Run.EndReason)
		if a.Run.EndDetail != "" {
			msg += ": " + a.Run.EndDetail
		}
		w = append(w, msg)
	}
	if a.Overall.Requests > 0 && a.Overall.OK == 0 {
		w = append(w, "every request failed: latency figures are n/a")
	} else if o.Metric == MetricTTFT && a.Overall.OK > 0 && a.Overall.Samples == 0 {
		w = append(w, "the metric is ttft, but no successful request has a TTFT (not streamed?): latency figures are n/a")
	}
	return w
}

// stepWarnings are the warnings about single steps: nothing sent,
// arrivals never sent, few samples, a step the run ended in.
func stepWarnings(a *Analysis) []string {
	var w []string
	sh := a.Run.Shape
	for _, s := range a.Steps {
		if s.Requests == 0 {
			why := "no request was sent in it"
			if s.Unsent > 0 {
				why = fmt.Sprintf("%d arrivals were due and none was sent (they waited for a concurrency slot until the run ended)", s.Unsent)
			}
			w = append(w, fmt.Sprintf("step %d (%s) was reached but %s: its figures are n/a", s.Step, StepLevel(a.Run.LevelKind, &s), why))
			continue
		} else if s.Unsent > 0 {
			w = append(w, fmt.Sprintf("step %d (%s): %d arrivals due in it were never sent (they waited for a concurrency slot until the run ended)",
				s.Step, StepLevel(a.Run.LevelKind, &s), s.Unsent))
		}
		if s.Samples < MinStepSamples {
			w = append(w, fmt.Sprintf("step %d (%s) has only %d successful samples (< %d): its percentiles are unreliable",
				s.Step, StepLevel(a.Run.LevelKind, &s), s.Samples, MinStepSamples))
		}
		_, end, ok := sh.StepSpan(s.Step)
		if planned := sh.stepLength(s.Step); ok && sh.StepTimeS > 0 && end > a.Run.DurationS+0.01*planned && s.DurationS < planned*0.99 {
			w = append(w, fmt.Sprintf("step %d (%s) ran %s of its planned %s: the run ended before it was over",
				s.Step, StepLevel(a.Run.LevelKind, &s), fmtSecs(s.DurationS), fmtSecs(planned)))
		}
	}
	return w
}

// lagWarnings are the warnings about sends later than scheduled: the
// client-side lag (in an open loop first the wait for a slot), and the
// metric that leaves such waits out.
func lagWarnings(a *Analysis, o Options) []string {
	var w []string
	if a.Overall.Requests > 0 && float64(a.Lag.Late) > LagWarnFraction*float64(a.Overall.Requests) {
		// In an open loop a late send is first an arrival that waited for
		// a free slot under the concurrency cap: the server's queue, not
		// the generator.
		cause := "the load generator could not keep up"
		if a.Run.OpenLoop() {
			limit := "the recorder's in-flight cap"
			if a.Run.Shape.MaxConcurrency > 0 {
				limit = fmt.Sprintf("--max-concurrency %d", a.Run.Shape.MaxConcurrency)
			}
			cause = "they waited for a free slot under " + limit + " (requests in flight held them), or the load generator could not keep up"
		}
		w = append(w, fmt.Sprintf("client-side lag: %d requests (%s) were sent more than %s after their scheduled time (max %s): %s",
			a.Lag.Late, fmtPct(float64(a.Lag.Late)/float64(a.Overall.Requests)), fmtMS(LagThresholdMS), fmtMS(*a.Lag.MaxMS), cause))
	}
	if waited := totalWaited(a); a.Run.OpenLoop() && waited > 0 && o.Metric != MetricLatencyFromSchedule {
		w = append(w, fmt.Sprintf("%d arrivals waited over %s for a slot: the verdict used %s, which leaves the wait out; --metric latency_from_schedule judges by what the users waited",
			waited, fmtMS(WaitToleranceMS), o.Metric))
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

func fmtNum(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }

func fmtRatio(v *float64) string {
	if v == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", *v)
}

// fmtPct prints a fraction as a percentage.
func fmtPct(v float64) string {
	return fmt.Sprintf("%.2f%%", v*100)
}

// fmtMS prints milliseconds with a unit that suits the size.
func fmtMS(ms float64) string {
	switch {
	case ms >= 10000:
		return fmt.Sprintf("%.1fs", ms/1000)
	case ms >= 1000:
		return fmt.Sprintf("%.2fs", ms/1000)
	case ms >= 100:
		return fmt.Sprintf("%.0fms", ms)
	case ms >= 1:
		return fmt.Sprintf("%.1fms", ms)
	}
	return fmt.Sprintf("%.3fms", ms)
}

// fmtSecs prints a number of seconds like a Go duration, rounded to 0.1 s.
func fmtSecs(s float64) string {
	return (time.Duration(math.Round(s*10)) * time.Second / 10).String()
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
