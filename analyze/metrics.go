package analyze

import (
	"slices"
	"strings"

	"github.com/llmrec/llmrec/analyze/stats"
)

// The metrics that compare reports and check gates on, by their
// documented names (MetricNames). A metric is read at a level, a run's
// first step with a given user count or the whole run, from the analysis
// (the same figures the single-run reports print) and, for its test, from
// the raw values (Samples).

// Units of a metric's value.
const (
	UnitMS    = "ms"       // latencies; gates take Go durations (800ms, 2s)
	UnitRate  = "fraction" // failure rate; gates take 0.01 or 1%
	UnitPerS  = "per_s"    // requests or tokens per second
	UnitRatio = "ratio"    // p99/p50
	UnitUsers = "users"    // saturation point
	UnitLevel = "level"    // capacity: users, or offered req/s in an open loop
)

// levelView is one run at one level: st is nil for the whole run.
type levelView struct {
	a  *Analysis
	st *Step
	v  *Values // nil when the level has no success
}

func (l levelView) lat() *Latency {
	if l.st != nil {
		return &l.st.Latency
	}
	return &l.a.Overall.Latency
}

func (l levelView) vals() *Values {
	if l.v == nil {
		return &Values{}
	}
	return l.v
}

// requests, failures and seconds of the level (for the rate tests).
func (l levelView) counts() (requests, failures int64, seconds float64) {
	if l.st != nil {
		return l.st.Requests, l.st.Failures, l.st.DurationS
	}
	o := &l.a.Overall
	return o.Requests, o.Failures, o.MeasuredS
}

// ttft picks a TTFT figure of the run (overall) or of the step.
func (l levelView) ttft(overall func(Quantiles) *float64, step func(*StepLLM) *float64) *float64 {
	if l.st != nil {
		if l.st.LLM == nil {
			return nil
		}
		return step(l.st.LLM)
	}
	if l.a.LLM == nil {
		return nil
	}
	return overall(l.a.LLM.TTFT)
}

// metricDef is one metric: how to read it and how to test a change.
type metricDef struct {
	name string
	unit string
	// worse is +1 when a higher value is worse (latency, failures), -1
	// when a lower one is (throughput, capacity).
	worse int
	// test is the significance test of a change ("" for none); q is the
	// quantile a bootstrap compares.
	test string
	q    float64
	// runLevel metrics have one value for the run, whatever the level.
	runLevel bool
	doc      string
	value    func(levelView) *float64
	// raw returns the sorted raw values the rank and bootstrap tests use.
	raw func(levelView) Column
	// samples counts what the value is computed over.
	samples func(levelView) int64
	// counts, when set, gives the rate tests their counts instead of
	// levelView.counts: n trials (or events), k of them counted, over
	// seconds.
	counts func(levelView) (n, k int64, seconds float64)
}

// goodput is the level's SLO figures.
func (l levelView) goodput() *Goodput {
	if l.st != nil {
		return &l.st.Goodput
	}
	return &l.a.Overall.Goodput
}

// notGood counts the level's requests and those that were not good.
func notGood(l levelView) (n, k int64, seconds float64) {
	n, _, seconds = l.counts()
	return n, n - l.goodput().Good, seconds
}

// goodCounts counts the level's good requests (the Poisson rate test
// reads the first count over the seconds).
func goodCounts(l levelView) (n, k int64, seconds float64) {
	_, _, seconds = l.counts()
	return l.goodput().Good, 0, seconds
}

// llm picks an LLM figure of the run (overall) or of the step; nil when
// the level has none.
func (l levelView) llm(overall func(*LLM) *float64, step func(*StepLLM) *float64) *float64 {
	if l.st != nil {
		if l.st.LLM == nil {
			return nil
		}
		return step(l.st.LLM)
	}
	if l.a.LLM == nil {
		return nil
	}
	return overall(l.a.LLM)
}

// itlQ picks a quantile of the run's ITL (nil without chunk times).
func itlQ(q func(Quantiles) *float64) func(*LLM) *float64 {
	return func(m *LLM) *float64 {
		if m.ITL == nil {
			return nil
		}
		return q(*m.ITL)
	}
}

// itlSamples counts the level's chunk gaps: the run's (a step's count is
// not kept; the whole run's says whether there are any).
func itlSamples(l levelView) int64 {
	if l.a.LLM == nil || l.a.LLM.ITL == nil {
		return 0
	}
	return l.a.LLM.ITL.Samples
}

func stallSamples(l levelView) int64 {
	if l.a.LLM == nil || l.a.LLM.Stalls == nil {
		return 0
	}
	return l.a.LLM.Stalls.Requests
}

func tpotRaw(l levelView) Column       { return l.vals().TPOT }
func tpotSamples(l levelView) int64    { return int64(l.vals().TPOT.Len()) }
func latencyRaw(l levelView) Column    { return l.vals().Metric }
func ttftRaw(l levelView) Column       { return l.vals().TTFT }
func latencySamples(l levelView) int64 { return l.lat().Samples }
func ttftSamples(l levelView) int64    { return int64(l.vals().TTFT.Len()) }
func requestSamples(l levelView) int64 {
	n, _, _ := l.counts()
	return n
}

// metricDefs are the metrics in the order they are listed.
var metricDefs = []metricDef{
	{name: "p50", unit: UnitMS, worse: 1, test: TestMannWhitney, q: 0.5, doc: "median latency (of the selected metric)",
		value: func(l levelView) *float64 { return l.lat().P50MS }, raw: latencyRaw, samples: latencySamples},
	{name: "p90", unit: UnitMS, worse: 1, test: TestBootstrap, q: 0.9, doc: "90th percentile latency",
		value: func(l levelView) *float64 { return l.lat().P90MS }, raw: latencyRaw, samples: latencySamples},
	{name: "p95", unit: UnitMS, worse: 1, test: TestBootstrap, q: 0.95, doc: "95th percentile latency",
		value: func(l levelView) *float64 { return l.lat().P95MS }, raw: latencyRaw, samples: latencySamples},
	{name: "p99", unit: UnitMS, worse: 1, test: TestBootstrap, q: 0.99, doc: "99th percentile latency",
		value: func(l levelView) *float64 { return l.lat().P99MS }, raw: latencyRaw, samples: latencySamples},
	{name: "max", unit: UnitMS, worse: 1, doc: "slowest successful request",
		value: func(l levelView) *float64 { return l.lat().MaxMS }, samples: latencySamples},
	{name: "p99_p50", unit: UnitRatio, worse: 1, doc: "p99/p50, the tail ratio",
		value: func(l levelView) *float64 { return l.lat().P99P50 }, samples: latencySamples},
	{name: "fail_rate", unit: UnitRate, worse: 1, test: TestProportions, doc: "failed / sent requests",
		value: func(l levelView) *float64 {
			if l.st != nil {
				return l.st.FailRate
			}
			return l.a.Overall.FailRate
		}, samples: requestSamples},
	{name: "rps", unit: UnitPerS, worse: -1, test: TestPoisson, doc: "requests sent per second",
		value: func(l levelView) *float64 {
			if l.st != nil {
				return l.st.RPS
			}
			return l.a.Overall.RPS
		}, samples: requestSamples},
	{name: "ttft_p50", unit: UnitMS, worse: 1, test: TestMannWhitney, q: 0.5, doc: "median time to first token",
		value: func(l levelView) *float64 {
			return l.ttft(func(q Quantiles) *float64 { return q.P50 }, func(s *StepLLM) *float64 { return s.TTFTP50MS })
		}, raw: ttftRaw, samples: ttftSamples},
	{name: "ttft_p95", unit: UnitMS, worse: 1, test: TestBootstrap, q: 0.95, doc: "95th percentile time to first token",
		value: func(l levelView) *float64 {
			return l.ttft(func(q Quantiles) *float64 { return q.P95 }, func(s *StepLLM) *float64 { return s.TTFTP95MS })
		}, raw: ttftRaw, samples: ttftSamples},
	{name: "ttft_p99", unit: UnitMS, worse: 1, test: TestBootstrap, q: 0.99, doc: "99th percentile time to first token",
		value: func(l levelView) *float64 {
			return l.ttft(func(q Quantiles) *float64 { return q.P99 }, func(s *StepLLM) *float64 { return s.TTFTP99MS })
		}, raw: ttftRaw, samples: ttftSamples},
	{name: "tpot_p50", unit: UnitMS, worse: 1, test: TestMannWhitney, q: 0.5, doc: "median time per output token after the first, per request",
		value: func(l levelView) *float64 {
			return l.llm(func(m *LLM) *float64 { return m.TPOT.P50 }, func(s *StepLLM) *float64 { return s.TPOTP50MS })
		}, raw: tpotRaw, samples: tpotSamples},
	{name: "tpot_p95", unit: UnitMS, worse: 1, test: TestBootstrap, q: 0.95, doc: "95th percentile time per output token",
		value: func(l levelView) *float64 {
			return l.llm(func(m *LLM) *float64 { return m.TPOT.P95 }, func(s *StepLLM) *float64 { return s.TPOTP95MS })
		}, raw: tpotRaw, samples: tpotSamples},
	{name: "tpot_p99", unit: UnitMS, worse: 1, test: TestBootstrap, q: 0.99, doc: "99th percentile time per output token",
		value: func(l levelView) *float64 {
			return l.llm(func(m *LLM) *float64 { return m.TPOT.P99 }, func(s *StepLLM) *float64 { return s.TPOTP99MS })
		}, raw: tpotRaw, samples: tpotSamples},
	{name: "itl_p50", unit: UnitMS, worse: 1, doc: "median gap between content chunks, pooled (chunk times; no significance test: gaps of one request are not independent)",
		value: func(l levelView) *float64 {
			return l.llm(itlQ(func(q Quantiles) *float64 { return q.P50 }), func(s *StepLLM) *float64 { return s.ITLP50MS })
		}, samples: itlSamples},
	{name: "itl_p95", unit: UnitMS, worse: 1, doc: "95th percentile gap between content chunks, pooled",
		value: func(l levelView) *float64 {
			return l.llm(itlQ(func(q Quantiles) *float64 { return q.P95 }), func(s *StepLLM) *float64 { return s.ITLP95MS })
		}, samples: itlSamples},
	{name: "itl_p99", unit: UnitMS, worse: 1, doc: "99th percentile gap between content chunks, pooled",
		value: func(l levelView) *float64 {
			return l.llm(itlQ(func(q Quantiles) *float64 { return q.P99 }), func(s *StepLLM) *float64 { return s.ITLP99MS })
		}, samples: itlSamples},
	{name: "stall_share", unit: UnitRate, worse: 1, doc: "share of successes whose longest gap between content chunks is over --stall",
		value: func(l levelView) *float64 {
			return l.llm(func(m *LLM) *float64 {
				if m.Stalls == nil {
					return nil
				}
				return m.Stalls.Share
			}, func(s *StepLLM) *float64 { return s.StallShare })
		}, samples: stallSamples},
	{name: "tokens_per_s", unit: UnitPerS, worse: -1, test: TestMannWhitney, q: 0.5, doc: "median output tokens/s of a request",
		value: func(l levelView) *float64 {
			if l.st != nil {
				if l.st.LLM == nil {
					return nil
				}
				return l.st.LLM.TokensPerSP50
			}
			if l.a.LLM == nil {
				return nil
			}
			return l.a.LLM.TokensPerS.P50
		}, raw: func(l levelView) Column { return l.vals().TokensPerS },
		samples: func(l levelView) int64 { return int64(l.vals().TokensPerS.Len()) }},
	{name: "goodput", unit: UnitPerS, worse: -1, test: TestPoisson, doc: "good requests (succeeded within every --slo) per second",
		value: func(l levelView) *float64 { return l.goodput().GoodputRPS }, samples: requestSamples, counts: goodCounts},
	{name: "slo_attainment", unit: UnitRate, worse: -1, test: TestProportions, doc: "good / sent requests",
		value: func(l levelView) *float64 { return l.goodput().SLOAttainment }, samples: requestSamples, counts: notGood},
	{name: "capacity", unit: UnitLevel, worse: -1, runLevel: true, doc: "highest level held within the SLOs before saturation (run-level)",
		value: func(l levelView) *float64 { return l.a.Capacity.Level }, samples: requestSamples},
	{name: "peak_rps", unit: UnitPerS, worse: -1, runLevel: true, doc: "highest completed req/s of any step (run-level)",
		value: func(l levelView) *float64 { return l.a.Peak.RPS }, samples: requestSamples},
	{name: "peak_tokens_per_s", unit: UnitPerS, worse: -1, runLevel: true, doc: "highest output tokens/s of any step (run-level)",
		value: func(l levelView) *float64 { return l.a.Peak.OutputTokensPerS }, samples: requestSamples},
	{name: "saturation_users", unit: UnitUsers, worse: -1, runLevel: true, doc: "users at the saturation point (run-level)",
		value: func(l levelView) *float64 {
			if v := l.a.Saturation.Level; l.a.Saturation.Reached && v != nil {
				return ptr(*v)
			}
			return nil
		}, samples: func(l levelView) int64 { return int64(len(l.a.Steps)) }},
}

// MetricNames are the names compare and check know, in order.
func MetricNames() []string {
	names := make([]string, len(metricDefs))
	for i, d := range metricDefs {
		names[i] = d.name
	}
	return names
}

// MetricDoc describes one metric for help texts.
type MetricDoc struct {
	Name, Unit, Test, Doc string
}

// MetricDocs lists the metrics with their unit and test.
func MetricDocs() []MetricDoc {
	out := make([]MetricDoc, len(metricDefs))
	for i, d := range metricDefs {
		out[i] = MetricDoc{d.name, d.unit, d.test, d.doc}
	}
	return out
}

// findMetric finds a metric by name: one of metricDefs, or a percentile
// (percentileMetric).
func findMetric(name string) (metricDef, bool) {
	if d, ok := findFixedMetric(name); ok {
		return d, true
	}
	return percentileMetric(name)
}

func findFixedMetric(name string) (metricDef, bool) {
	i := slices.IndexFunc(metricDefs, func(d metricDef) bool { return d.name == name })
	if i < 0 {
		return metricDef{}, false
	}
	return metricDefs[i], true
}

// UnknownMetricError is a metric name that is not one of MetricNames.
type UnknownMetricError struct{ Name string }

func (e *UnknownMetricError) Error() string {
	return "unknown metric " + quote(e.Name) + "; valid metrics: " + strings.Join(MetricNames(), ", ") +
		", and any percentile: p99.9, ttft_p99.9, tpot_p99.9, itl_p99.9"
}

func quote(s string) string { return `"` + s + `"` }

// counts are the counts of d's rate test at level l.
func counts(d metricDef, l levelView) (n, k int64, seconds float64) {
	if d.counts != nil {
		return d.counts(l)
	}
	return l.counts()
}

// change compares metric d of new against base at one level: a change
// smaller than the minimum effect me is "same" whatever its test says.
func change(d metricDef, base, new levelView, alpha float64, me MinEffect) *Change {
	vb, vn := d.value(base), d.value(new)
	if vb == nil || vn == nil {
		return nil
	}
	c := &Change{Delta: ptr(*vn - *vb)}
	if *vb != 0 {
		c.Relative = ptr((*vn - *vb) / *vb)
	}
	var r *stats.Result
	switch d.test {
	case TestMannWhitney:
		if x, y := d.raw(base), d.raw(new); x.Len() > 0 && y.Len() > 0 {
			res := stats.MannWhitney(x, y)
			r = &res
		}
	case TestBootstrap:
		if x, y := d.raw(base), d.raw(new); x.Len() > 0 && y.Len() > 0 {
			res := stats.BootstrapQuantile(x, y, d.q, alpha)
			r = &res
		}
	case TestProportions:
		n1, f1, _ := counts(d, base)
		n2, f2, _ := counts(d, new)
		if n1 > 0 && n2 > 0 {
			res := stats.Proportions(f1, n1, f2, n2)
			r = &res
		}
	case TestPoisson:
		n1, _, t1 := counts(d, base)
		n2, _, t2 := counts(d, new)
		if t1 > 0 && t2 > 0 && n1+n2 > 0 {
			res := stats.PoissonRates(n1, t1, n2, t2)
			r = &res
		}
	}
	if r == nil {
		return c
	}
	c.Test, c.P, c.CILow, c.CIHigh = r.Test, ptr(r.P), r.Low, r.High
	c.Significant = r.P < alpha
	c.MinEffect, _ = me.threshold(d.unit)
	c.Negligible = me.negligible(d.unit, c)
	c.Direction = DirectionSame
	if c.Significant && !c.Negligible && *c.Delta != 0 {
		if (*c.Delta > 0) == (d.worse > 0) {
			c.Direction = DirectionWorse
		} else {
			c.Direction = DirectionBetter
		}
	}
	return c
}
