package compare

import (
	"slices"
	"strconv"
	"strings"

	"github.com/llmrec/llmrec/analyze"
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

// Level is one run at one level: Step is nil for the whole run.
type Level struct {
	Analysis *analyze.Analysis
	Step     *analyze.Step
	Values   *analyze.Values // nil when the level has no success
}

func (l Level) lat() *analyze.Latency {
	if l.Step != nil {
		return &l.Step.Latency
	}
	return &l.Analysis.Overall.Latency
}

func (l Level) vals() *analyze.Values {
	if l.Values == nil {
		return &analyze.Values{}
	}
	return l.Values
}

// requests, failures and seconds of the level (for the rate tests).
func (l Level) counts() (requests, failures int64, seconds float64) {
	if l.Step != nil {
		return l.Step.Requests, l.Step.Failures, l.Step.DurationS
	}
	o := &l.Analysis.Overall
	return o.Requests, o.Failures, o.MeasuredS
}

// ttft picks a TTFT figure of the run (overall) or of the step.
func (l Level) ttft(overall func(analyze.Quantiles) *float64, step func(*analyze.StepLLM) *float64) *float64 {
	return l.llm(func(m *analyze.LLM) *float64 { return overall(m.TTFT) }, step)
}

// Metric is one metric: how to read it and how to test a change.
type Metric struct {
	Name string
	Unit string
	// Worse is +1 when a higher value is worse (latency, failures), -1
	// when a lower one is (throughput, capacity).
	Worse int
	// Test is the significance test of a change ("" for none); Q is the
	// quantile a bootstrap compares.
	Test string
	Q    float64
	// RunLevel metrics have one value for the run, whatever the level.
	RunLevel bool
	Doc      string
	Value    func(Level) *float64
	// Raw returns the sorted raw values the rank and bootstrap tests use.
	Raw func(Level) analyze.Column
	// Samples counts what the value is computed over.
	Samples func(Level) int64
	// Counts, when set, gives the rate tests their counts instead of
	// Level.counts: n trials (or events), k of them counted, over
	// seconds.
	Counts func(Level) (n, k int64, seconds float64)
}

// goodput is the level's SLO figures.
func (l Level) goodput() *analyze.Goodput {
	if l.Step != nil {
		return &l.Step.Goodput
	}
	return &l.Analysis.Overall.Goodput
}

// notGood counts the level's requests and those that were not good.
func notGood(l Level) (n, k int64, seconds float64) {
	n, _, seconds = l.counts()
	return n, n - l.goodput().Good, seconds
}

// goodCounts counts the level's good requests (the Poisson rate test
// reads the first count over the seconds).
func goodCounts(l Level) (n, k int64, seconds float64) {
	_, _, seconds = l.counts()
	return l.goodput().Good, 0, seconds
}

// llm picks an LLM figure of the run (overall) or of the step; nil when
// the level has none.
func (l Level) llm(overall func(*analyze.LLM) *float64, step func(*analyze.StepLLM) *float64) *float64 {
	if l.Step != nil {
		if l.Step.LLM == nil {
			return nil
		}
		return step(l.Step.LLM)
	}
	if l.Analysis.LLM == nil {
		return nil
	}
	return overall(l.Analysis.LLM)
}

// itlQ picks a quantile of the run's ITL (nil without chunk times).
func itlQ(q func(analyze.Quantiles) *float64) func(*analyze.LLM) *float64 {
	return func(m *analyze.LLM) *float64 {
		if m.ITL == nil {
			return nil
		}
		return q(*m.ITL)
	}
}

// itlSamples counts the level's chunk gaps: the run's (a step's count is
// not kept; the whole run's says whether there are any).
func itlSamples(l Level) int64 {
	if l.Analysis.LLM == nil || l.Analysis.LLM.ITL == nil {
		return 0
	}
	return l.Analysis.LLM.ITL.Samples
}

func stallSamples(l Level) int64 {
	if l.Analysis.LLM == nil || l.Analysis.LLM.Stalls == nil {
		return 0
	}
	return l.Analysis.LLM.Stalls.Requests
}

func tpotRaw(l Level) analyze.Column    { return l.vals().TPOT }
func tpotSamples(l Level) int64         { return int64(l.vals().TPOT.Len()) }
func latencyRaw(l Level) analyze.Column { return l.vals().Metric }
func ttftRaw(l Level) analyze.Column    { return l.vals().TTFT }
func latencySamples(l Level) int64      { return l.lat().Samples }
func ttftSamples(l Level) int64         { return int64(l.vals().TTFT.Len()) }
func requestSamples(l Level) int64 {
	n, _, _ := l.counts()
	return n
}

// metricDefs are the metrics in the order they are listed.
var metricDefs = []Metric{
	{Name: "p50", Unit: UnitMS, Worse: 1, Test: TestMannWhitney, Q: 0.5, Doc: "median latency (of the selected metric)",
		Value: func(l Level) *float64 { return l.lat().P50MS }, Raw: latencyRaw, Samples: latencySamples},
	{Name: "p90", Unit: UnitMS, Worse: 1, Test: TestBootstrap, Q: 0.9, Doc: "90th percentile latency",
		Value: func(l Level) *float64 { return l.lat().P90MS }, Raw: latencyRaw, Samples: latencySamples},
	{Name: "p95", Unit: UnitMS, Worse: 1, Test: TestBootstrap, Q: 0.95, Doc: "95th percentile latency",
		Value: func(l Level) *float64 { return l.lat().P95MS }, Raw: latencyRaw, Samples: latencySamples},
	{Name: "p99", Unit: UnitMS, Worse: 1, Test: TestBootstrap, Q: 0.99, Doc: "99th percentile latency",
		Value: func(l Level) *float64 { return l.lat().P99MS }, Raw: latencyRaw, Samples: latencySamples},
	{Name: "max", Unit: UnitMS, Worse: 1, Doc: "slowest successful request",
		Value: func(l Level) *float64 { return l.lat().MaxMS }, Samples: latencySamples},
	{Name: "p99_p50", Unit: UnitRatio, Worse: 1, Doc: "p99/p50, the tail ratio",
		Value: func(l Level) *float64 { return l.lat().P99P50 }, Samples: latencySamples},
	{Name: "fail_rate", Unit: UnitRate, Worse: 1, Test: TestProportions, Doc: "failed / sent requests",
		Value: func(l Level) *float64 {
			if l.Step != nil {
				return l.Step.FailRate
			}
			return l.Analysis.Overall.FailRate
		}, Samples: requestSamples},
	{Name: "rps", Unit: UnitPerS, Worse: -1, Test: TestPoisson, Doc: "requests sent per second",
		Value: func(l Level) *float64 {
			if l.Step != nil {
				return l.Step.RPS
			}
			return l.Analysis.Overall.RPS
		}, Samples: requestSamples},
	{Name: "ttft_p50", Unit: UnitMS, Worse: 1, Test: TestMannWhitney, Q: 0.5, Doc: "median time to first token",
		Value: func(l Level) *float64 {
			return l.ttft(func(q analyze.Quantiles) *float64 { return q.P50 }, func(s *analyze.StepLLM) *float64 { return s.TTFTP50MS })
		}, Raw: ttftRaw, Samples: ttftSamples},
	{Name: "ttft_p95", Unit: UnitMS, Worse: 1, Test: TestBootstrap, Q: 0.95, Doc: "95th percentile time to first token",
		Value: func(l Level) *float64 {
			return l.ttft(func(q analyze.Quantiles) *float64 { return q.P95 }, func(s *analyze.StepLLM) *float64 { return s.TTFTP95MS })
		}, Raw: ttftRaw, Samples: ttftSamples},
	{Name: "ttft_p99", Unit: UnitMS, Worse: 1, Test: TestBootstrap, Q: 0.99, Doc: "99th percentile time to first token",
		Value: func(l Level) *float64 {
			return l.ttft(func(q analyze.Quantiles) *float64 { return q.P99 }, func(s *analyze.StepLLM) *float64 { return s.TTFTP99MS })
		}, Raw: ttftRaw, Samples: ttftSamples},
	{Name: "tpot_p50", Unit: UnitMS, Worse: 1, Test: TestMannWhitney, Q: 0.5, Doc: "median time per output token after the first, per request",
		Value: func(l Level) *float64 {
			return l.llm(func(m *analyze.LLM) *float64 { return m.TPOT.P50 }, func(s *analyze.StepLLM) *float64 { return s.TPOTP50MS })
		}, Raw: tpotRaw, Samples: tpotSamples},
	{Name: "tpot_p95", Unit: UnitMS, Worse: 1, Test: TestBootstrap, Q: 0.95, Doc: "95th percentile time per output token",
		Value: func(l Level) *float64 {
			return l.llm(func(m *analyze.LLM) *float64 { return m.TPOT.P95 }, func(s *analyze.StepLLM) *float64 { return s.TPOTP95MS })
		}, Raw: tpotRaw, Samples: tpotSamples},
	{Name: "tpot_p99", Unit: UnitMS, Worse: 1, Test: TestBootstrap, Q: 0.99, Doc: "99th percentile time per output token",
		Value: func(l Level) *float64 {
			return l.llm(func(m *analyze.LLM) *float64 { return m.TPOT.P99 }, func(s *analyze.StepLLM) *float64 { return s.TPOTP99MS })
		}, Raw: tpotRaw, Samples: tpotSamples},
	{Name: "itl_p50", Unit: UnitMS, Worse: 1, Doc: "median gap between content chunks, pooled (chunk times; no significance Test: gaps of one request are not independent)",
		Value: func(l Level) *float64 {
			return l.llm(itlQ(func(q analyze.Quantiles) *float64 { return q.P50 }), func(s *analyze.StepLLM) *float64 { return s.ITLP50MS })
		}, Samples: itlSamples},
	{Name: "itl_p95", Unit: UnitMS, Worse: 1, Doc: "95th percentile gap between content chunks, pooled",
		Value: func(l Level) *float64 {
			return l.llm(itlQ(func(q analyze.Quantiles) *float64 { return q.P95 }), func(s *analyze.StepLLM) *float64 { return s.ITLP95MS })
		}, Samples: itlSamples},
	{Name: "itl_p99", Unit: UnitMS, Worse: 1, Doc: "99th percentile gap between content chunks, pooled",
		Value: func(l Level) *float64 {
			return l.llm(itlQ(func(q analyze.Quantiles) *float64 { return q.P99 }), func(s *analyze.StepLLM) *float64 { return s.ITLP99MS })
		}, Samples: itlSamples},
	{Name: "stall_share", Unit: UnitRate, Worse: 1, Doc: "share of successes whose longest gap between content chunks is over --stall",
		Value: func(l Level) *float64 {
			return l.llm(func(m *analyze.LLM) *float64 {
				if m.Stalls == nil {
					return nil
				}
				return m.Stalls.Share
			}, func(s *analyze.StepLLM) *float64 { return s.StallShare })
		}, Samples: stallSamples},
	{Name: "tokens_per_s", Unit: UnitPerS, Worse: -1, Test: TestMannWhitney, Q: 0.5, Doc: "median output tokens/s of a request",
		Value: func(l Level) *float64 {
			if l.Step != nil {
				if l.Step.LLM == nil {
					return nil
				}
				return l.Step.LLM.TokensPerSP50
			}
			if l.Analysis.LLM == nil {
				return nil
			}
			return l.Analysis.LLM.TokensPerS.P50
		}, Raw: func(l Level) analyze.Column { return l.vals().TokensPerS },
		Samples: func(l Level) int64 { return int64(l.vals().TokensPerS.Len()) }},
	{Name: "goodput", Unit: UnitPerS, Worse: -1, Test: TestPoisson, Doc: "good requests (succeeded within every --slo) per second",
		Value: func(l Level) *float64 { return l.goodput().GoodputRPS }, Samples: requestSamples, Counts: goodCounts},
	{Name: "slo_attainment", Unit: UnitRate, Worse: -1, Test: TestProportions, Doc: "good / sent requests",
		Value: func(l Level) *float64 { return l.goodput().SLOAttainment }, Samples: requestSamples, Counts: notGood},
	{Name: "capacity", Unit: UnitLevel, Worse: -1, RunLevel: true, Doc: "highest level held within the SLOs before saturation (run-level)",
		Value: func(l Level) *float64 { return l.Analysis.Capacity.Level }, Samples: requestSamples},
	{Name: "peak_rps", Unit: UnitPerS, Worse: -1, RunLevel: true, Doc: "highest completed req/s of any step (run-level)",
		Value: func(l Level) *float64 { return l.Analysis.Peak.RPS }, Samples: requestSamples},
	{Name: "peak_tokens_per_s", Unit: UnitPerS, Worse: -1, RunLevel: true, Doc: "highest output tokens/s of any step (run-level)",
		Value: func(l Level) *float64 { return l.Analysis.Peak.OutputTokensPerS }, Samples: requestSamples},
	{Name: "saturation_users", Unit: UnitUsers, Worse: -1, RunLevel: true, Doc: "users at the saturation point (run-level)",
		Value: func(l Level) *float64 {
			if v := l.Analysis.Saturation.Level; l.Analysis.Saturation.Reached && v != nil {
				return ptr(*v)
			}
			return nil
		}, Samples: func(l Level) int64 { return int64(len(l.Analysis.Steps)) }},
}

// MetricNames are the names compare and check know, in order.
func MetricNames() []string {
	names := make([]string, len(metricDefs))
	for i, d := range metricDefs {
		names[i] = d.Name
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
		out[i] = MetricDoc{d.Name, d.Unit, d.Test, d.Doc}
	}
	return out
}

// FindMetric finds a metric by name: one of metricDefs, or a percentile
// (percentileMetric).
func FindMetric(name string) (Metric, bool) {
	if d, ok := FixedMetric(name); ok {
		return d, true
	}
	return PercentileMetric(name)
}

// FixedMetric finds a metric of metricDefs by name (not a percentile).
func FixedMetric(name string) (Metric, bool) {
	i := slices.IndexFunc(metricDefs, func(d Metric) bool { return d.Name == name })
	if i < 0 {
		return Metric{}, false
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
func counts(d Metric, l Level) (n, k int64, seconds float64) {
	if d.Counts != nil {
		return d.Counts(l)
	}
	return l.counts()
}

// Change compares metric d of new against base at one level: a change
// smaller than the minimum effect me is "same" whatever its test says.
func (d Metric) Change(base, new Level, alpha float64, me MinEffect) *Change {
	vb, vn := d.Value(base), d.Value(new)
	if vb == nil || vn == nil {
		return nil
	}
	c := &Change{Delta: ptr(*vn - *vb)}
	if *vb != 0 {
		c.Relative = ptr((*vn - *vb) / *vb)
	}
	var r *stats.Result
	switch d.Test {
	case TestMannWhitney:
		if x, y := d.Raw(base), d.Raw(new); x.Len() > 0 && y.Len() > 0 {
			res := stats.MannWhitney(x, y)
			r = &res
		}
	case TestBootstrap:
		if x, y := d.Raw(base), d.Raw(new); x.Len() > 0 && y.Len() > 0 {
			res := stats.BootstrapQuantile(x, y, d.Q, alpha)
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
	c.MinEffect, _ = me.Threshold(d.Unit)
	c.Negligible = me.Negligible(d.Unit, c)
	c.Direction = DirectionSame
	if c.Significant && !c.Negligible && *c.Delta != 0 {
		if (*c.Delta > 0) == (d.Worse > 0) {
			c.Direction = DirectionWorse
		} else {
			c.Direction = DirectionBetter
		}
	}
	return c
}

// PercentileMetric is a metric that names a percentile: "p99.9" of the
// selected metric, or "ttft_p99.9", "tpot_p99.9", "itl_p99.9". Any
// percentile above 0 and below 100 parses; it has a value when the
// analysis computed it (--percentiles, or one of the fixed four).
func PercentileMetric(name string) (Metric, bool) {
	fig, num := "", name
	if i := strings.LastIndex(name, "_"); i >= 0 {
		fig, num = name[:i], name[i+1:]
	}
	if !strings.HasPrefix(num, "p") {
		return Metric{}, false
	}
	p, err := strconv.ParseFloat(num[1:], 64)
	if err != nil || !(p > 0 && p < 100) || analyze.PercentileName(p) != num {
		return Metric{}, false
	}
	d := Metric{Name: name, Unit: UnitMS, Worse: 1, Test: TestBootstrap, Q: p / 100}
	switch fig {
	case "":
		d.Doc = num + " latency (of the selected metric)"
		d.Value = func(l Level) *float64 { return analyze.PercentileOf(l.lat().Percentiles, p) }
		d.Raw, d.Samples = latencyRaw, latencySamples
	case "ttft", "tpot", "itl":
		d.Doc = num + " " + strings.ToUpper(fig) + " of the whole run"
		pick := map[string]func(*analyze.LLM) *analyze.Quantiles{
			"ttft": func(m *analyze.LLM) *analyze.Quantiles { return &m.TTFT },
			"tpot": func(m *analyze.LLM) *analyze.Quantiles { return &m.TPOT },
			"itl":  func(m *analyze.LLM) *analyze.Quantiles { return m.ITL },
		}[fig]
		d.RunLevel = true
		d.Value = func(l Level) *float64 {
			if l.Analysis.LLM == nil || pick(l.Analysis.LLM) == nil {
				return nil
			}
			return analyze.PercentileOf(pick(l.Analysis.LLM).Percentiles, p)
		}
		d.Samples = func(l Level) int64 {
			if l.Analysis.LLM == nil || pick(l.Analysis.LLM) == nil {
				return 0
			}
			return pick(l.Analysis.LLM).Samples
		}
		d.Test = "" // the raw values of a run-level figure are not kept
	default:
		return Metric{}, false
	}
	return d, true
}
