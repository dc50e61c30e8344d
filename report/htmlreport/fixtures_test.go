package htmlreport

import (
	"math"
	"time"

	"github.com/llmrec/llmrec/analyze"
)

// Fixtures are analyses built by hand, so that these tests need neither a
// run file nor DuckDB. Every value is a pure function of its inputs.

func ptr[T any](v T) *T { return &v }

// knee is the demo-like server: flat near 800 ms up to 50 users, then a
// queue that doubles latency every 10 users.
func knee(users float64) float64 {
	if users <= 50 {
		return 800 + 2*users
	}
	return 900 * math.Pow(2, (users-50)/10)
}

// demoAnalysis is a step run 10..100 users, 30 s steps, that saturates on
// latency at 60 users and grows exponentially.
func demoAnalysis() *analyze.Analysis {
	const (
		stepS  = 30.0
		steps  = 10
		warmup = 30.0
		window = 10.0
	)
	start := time.Date(2026, 11, 27, 20, 0, 0, 0, time.UTC)
	dur := stepS * steps
	a := &analyze.Analysis{
		FormatVersion: analyze.FormatVersion,
		Run: analyze.Run{
			RunID: "01JDEMO0000000000000000000", StartedAt: start, EndedAt: start.Add(time.Duration(dur) * time.Second),
			DurationS: dur, EndReason: "completed", Labels: map[string]string{"model": "sim-knee", "commit": "abc123"},
			Model: "sim-knee", Target: "http://user:secret@127.0.0.1:41234/v1?api_key=xyz", Simulator: "knee",
			API: "openai-chat", Stream: true, MaxTokens: 128,
			Shape:       analyze.Shape{Profile: "default", StepUsers: 10, StepTimeS: stepS, MaxUsers: 100, SpawnRate: 10, DurationS: dur, WaitMinS: 0.1, WaitMaxS: 0.5},
			Timeouts:    analyze.Timeouts{TimeoutS: 120, IdleTimeoutS: 30, GraceS: 30},
			ToolVersion: "v0.1.0", Rows: 21000,
			Shards:    []analyze.Shard{{File: "run.parquet", Shard: 0, Shards: 1, Hostname: "ci", Rows: 21000, StartedAt: start}},
			Generator: analyze.Generator{PeakCPU: 0.4, PeakLagMS: 12, P99LagMS: 3},
		},
		Settings: analyze.Settings{WarmupS: warmup, WindowS: window, BaselineUsers: 10, LatencyThreshold: 2, ErrorThreshold: 0.01,
			Metric: analyze.MetricLatency, MinStepSamples: analyze.MinStepSamples, MinWindowSamples: analyze.MinWindowSamples},
	}
	var gUsers, gSteps []int
	var gP95 []float64
	var gFail []*float64
	for i := 1; i <= steps; i++ {
		u := 10 * i
		lat := knee(float64(u))
		req := int64(float64(u) * stepS / (lat/1000 + 0.3))
		fail := int64(0)
		if u >= 90 {
			fail = req / 50
		}
		st := analyze.Step{
			Step: i, Users: u, Requests: req, OK: req - fail, Failures: fail,
			FailRate: ptr(float64(fail) / float64(req)), RPS: ptr(float64(req) / stepS),
			StartS: stepS * float64(i-1), EndS: stepS * float64(i), DurationS: stepS,
			Latency: analyze.Latency{Samples: req - fail, MinMS: ptr(lat * 0.5), MeanMS: ptr(lat), P50MS: ptr(lat),
				P90MS: ptr(lat * 1.2), P95MS: ptr(lat * 1.3), P99MS: ptr(lat * 1.6), MaxMS: ptr(lat * 2), P99P50: ptr(1.6)},
			LLM: &analyze.StepLLM{TTFTP50MS: ptr(lat / 8), TTFTP95MS: ptr(lat / 6), TTFTP99MS: ptr(lat / 5),
				TPOTP50MS: ptr(lat / 130), TPOTP95MS: ptr(lat / 100), TokensPerSP50: ptr(128000 / lat),
				OutputTokensPerS: ptr(128 * float64(req) / stepS), OutputTokens: new(128 * req)},
		}
		if fail > 0 {
			st.Errors = map[string]int64{"timeout": fail / 2, "http_5xx": fail - fail/2}
		}
		if i == 1 {
			// The first step lies in the warmup.
			continue
		}
		a.Steps = append(a.Steps, st)
		gUsers, gSteps, gP95, gFail = append(gUsers, u), append(gSteps, i), append(gP95, lat*1.3), append(gFail, st.FailRate)
	}
	base := a.Steps[0]
	a.Baseline = &analyze.Baseline{Step: base.Step, Users: base.Users, P95MS: base.P95MS}
	sat := a.Steps[4] // 60 users
	a.Saturation = analyze.Saturation{Reached: true, Step: ptr(sat.Step), Users: ptr(sat.Users), Signal: ptr(analyze.SignalLatency),
		Signals: []string{analyze.SignalLatency}, LatencyRatio: ptr(*sat.P95MS / *base.P95MS), FailRate: sat.FailRate, MaxUsers: 100,
		Summary: "saturated at 60 users (step 6): p95 2.23x the baseline of 1066 ms (limit 2x)"}
	a.Growth = analyze.Growth{Pattern: analyze.GrowthExponential, Method: "least-squares slopes over the first and last third",
		Summary: "p95 slope 118 ms/user over the last third vs 1.3 ms/user over the first: exponential",
		Evidence: analyze.GrowthEvidence{Steps: gSteps, Users: gUsers, P95MS: gP95, FailRate: gFail,
			P95Ratio: ptr(gP95[len(gP95)-1] / gP95[0]), Slope: ptr(40.0), SlopeFirst: ptr(1.3), SlopeLast: ptr(118.0), SlopeRatio: ptr(90.8),
			LinearR2: ptr(0.71), ExpR2: ptr(0.93), MaxFailRate: ptr(0.02)}}
	var tot, ok int64
	for _, s := range a.Steps {
		tot += s.Requests
		ok += s.OK
	}
	a.Overall = analyze.Overall{Requests: tot, OK: ok, Failures: tot - ok, FailRate: ptr(float64(tot-ok) / float64(tot)),
		RPS: ptr(float64(tot) / (dur - warmup)), MeasuredS: dur - warmup, WarmupRequests: 600,
		Latency: analyze.Latency{Samples: ok, P50MS: ptr(1400.0), P90MS: ptr(5200.0), P95MS: ptr(7000.0), P99MS: ptr(12000.0), MaxMS: ptr(31000.0), P99P50: ptr(8.57)}}
	a.Health = []analyze.Health{
		{Signal: "p99_p50", Value: ptr(8.57), Text: "8.57x", Band: analyze.BandCritical, Rule: "<2 healthy, 2-5 warning, >5 critical"},
		{Signal: "fail_rate", Value: a.Overall.FailRate, Text: "0.41%", Band: analyze.BandWarning, Rule: "<0.1% healthy, 0.1-1% warning, >1% critical"},
		{Signal: "growth", Text: analyze.GrowthExponential, Band: analyze.BandWarning, Rule: "linear or flat healthy, exponential warning, flat with failures critical"},
	}
	a.Errors = []analyze.ErrorCount{
		{Class: "http_5xx", Count: 30, Share: 0.5, Example: "503 Service Unavailable: queue full"},
		{Class: "timeout", Count: 30, Share: 0.5, Example: "request exceeded --timeout 120s"},
	}
	a.LLM = &analyze.LLM{TTFT: analyze.Quantiles{Samples: ok, P50: ptr(180.0), P95: ptr(1100.0)}, OutputTokens: new(128 * ok), OutputTokensPerS: ptr(2300.0)}
	a.Series = makeSeries(int(dur), warmup, window, true, func(t float64) (users int, latMS float64, fails map[string]int64) {
		u := min(100, 10*(int(t/stepS)+1))
		f := map[string]int64{}
		if u >= 90 && int(t)%3 == 0 {
			f["timeout"], f["http_5xx"] = 1, 2
		}
		return u, knee(float64(u)) * (1 + 0.1*math.Sin(t/3)), f
	})
	a.Histogram = histogram(func(ms float64) int64 { return int64(4000 * math.Exp(-math.Pow(math.Log(ms/1200), 2))) })
	a.Definitions = fixedDefinitions()
	a.Warnings = analyze.TextWarnings("step 2 has only 28 successful requests: its percentiles are rough")
	fillCapacity(a)
	return a
}

// fillCapacity sets a fixture's capacity and peak the way the analyzer
// does without --slo: the last level before saturation, the highest
// successes per second of a step.
func fillCapacity(a *analyze.Analysis) {
	a.Settings.SLOTarget = analyze.DefaultSLOTarget
	c := analyze.Capacity{LevelKind: analyze.LevelUsers, Bounded: a.Saturation.Reached, Rule: "the last level before saturation (no --slo: every success is good)"}
	var p analyze.Peak
	for _, st := range a.Steps {
		if a.Saturation.Step != nil && st.Step >= *a.Saturation.Step {
			break
		}
		c.Level, c.Step, c.GoodputRPS = ptr(float64(st.Users)), ptr(st.Step), ptr(float64(st.OK)/st.DurationS)
	}
	for _, st := range a.Steps {
		if r := float64(st.OK) / st.DurationS; p.RPS == nil || r > *p.RPS {
			p.RPS, p.Level, p.Step = ptr(r), ptr(float64(st.Users)), ptr(st.Step)
		}
	}
	if n := len(a.Steps); n > 0 && *p.RPS > 0 {
		last := a.Steps[n-1]
		p.LastLevel = ptr(float64(last.Users))
		p.DropAfterPeak = ptr(1 - float64(last.OK)/last.DurationS / *p.RPS)
	}
	a.Capacity, a.Peak = c, p
}

// makeSeries builds per-second series of n seconds from f, which gives the
// users, the latency and the failures by class at second t.
func makeSeries(n int, warmup, window float64, llm bool, f func(t float64) (int, float64, map[string]int64)) analyze.Series {
	s := analyze.Series{BucketS: 1, WarmupS: warmup, WindowS: window, FailuresByClass: map[string][]int64{}}
	classes := map[string]bool{}
	for i := 1; i <= n; i++ {
		_, _, fails := f(float64(i))
		for k := range fails {
			classes[k] = true
		}
	}
	for k := range classes {
		s.FailuresByClass[k] = make([]int64, n)
	}
	var cum float64
	for i := 1; i <= n; i++ {
		t := float64(i)
		u, lat, fails := f(t)
		rps := float64(u) / (lat/1000 + 0.3)
		var nf int64
		for k, v := range fails {
			s.FailuresByClass[k][i-1] = v
			nf += v
		}
		s.T = append(s.T, t)
		s.Users = append(s.Users, u)
		s.SentRPS = append(s.SentRPS, rps)
		s.CompletedRPS = append(s.CompletedRPS, rps*0.98)
		s.OK = append(s.OK, int64(rps)-nf)
		s.Failures = append(s.Failures, nf)
		if lat > 0 && i%17 != 0 {
			s.WindowP50 = append(s.WindowP50, ptr(lat))
			s.WindowP95 = append(s.WindowP95, ptr(lat*1.3))
			s.WindowP99 = append(s.WindowP99, ptr(lat*1.6))
			s.WindowN = append(s.WindowN, int64(rps*window))
		} else { // a gap: too few samples in the window
			s.WindowP50, s.WindowP95, s.WindowP99 = append(s.WindowP50, nil), append(s.WindowP95, nil), append(s.WindowP99, nil)
			s.WindowN = append(s.WindowN, 1)
		}
		if t <= warmup || lat == 0 {
			s.CumP50, s.CumP95, s.CumP99 = append(s.CumP50, nil), append(s.CumP95, nil), append(s.CumP99, nil)
			s.CumN = append(s.CumN, 0)
		} else {
			cum = max(cum, lat)
			s.CumP50 = append(s.CumP50, ptr(cum*0.6))
			s.CumP95 = append(s.CumP95, ptr(cum*0.9))
			s.CumP99 = append(s.CumP99, ptr(cum*1.2))
			s.CumN = append(s.CumN, int64(t*10))
		}
		if llm {
			s.TTFTWindowP95 = append(s.TTFTWindowP95, ptr(lat/6))
			s.TokensPerS = append(s.TokensPerS, rps*128)
		}
	}
	return s
}

func histogram(f func(ms float64) int64) analyze.Histogram {
	var h analyze.Histogram
	for i := 0; i <= 40; i++ {
		h.Bounds = append(h.Bounds, 100*math.Pow(10, float64(i)/16))
	}
	for i := 0; i < 40; i++ {
		h.Counts = append(h.Counts, f(math.Sqrt(h.Bounds[i]*h.Bounds[i+1])))
	}
	return h
}

// failuresAnalysis is a run where every request failed: connection refused.
func failuresAnalysis() *analyze.Analysis {
	a := demoAnalysis()
	a.Run.Labels = map[string]string{"model": "down"}
	a.Run.Model = "down"
	for i := range a.Steps {
		s := &a.Steps[i]
		s.OK, s.Failures, s.FailRate = 0, s.Requests, ptr(1.0)
		s.Latency = analyze.Latency{}
		s.Errors = map[string]int64{"connect": s.Requests}
		s.LLM = nil
	}
	a.Baseline = &analyze.Baseline{Step: 2, Users: 20}
	a.Saturation = analyze.Saturation{Reached: true, Step: ptr(3), Users: ptr(30), Signal: ptr(analyze.SignalErrors),
		Signals: []string{analyze.SignalErrors}, FailRate: ptr(1.0), MaxUsers: 100, Summary: "saturated at 30 users (step 3): failure rate 100% > 1%"}
	a.Growth = analyze.Growth{Summary: "no p95: every request failed"}
	a.Overall.OK, a.Overall.Failures, a.Overall.FailRate = 0, a.Overall.Requests, ptr(1.0)
	a.Overall.Latency = analyze.Latency{}
	a.Health = []analyze.Health{
		{Signal: "p99_p50", Band: analyze.BandNA, Rule: "<2 healthy, 2-5 warning, >5 critical"},
		{Signal: "fail_rate", Value: ptr(1.0), Text: "100%", Band: analyze.BandCritical, Rule: "<0.1% healthy, 0.1-1% warning, >1% critical"},
		{Signal: "growth", Band: analyze.BandNA, Rule: "linear or flat healthy, exponential warning, flat with failures critical"},
	}
	a.Errors = []analyze.ErrorCount{{Class: "connect", Count: a.Overall.Requests, Share: 1, Example: "dial tcp 127.0.0.1:9: connect: connection refused"}}
	a.LLM = nil
	a.Series = makeSeries(300, 30, 10, false, func(t float64) (int, float64, map[string]int64) {
		return min(100, 10*(int(t/30)+1)), 0, map[string]int64{"connect": 40}
	})
	a.Histogram = analyze.Histogram{}
	a.Warnings = analyze.TextWarnings("every request failed: latency figures are empty")
	fillCapacity(a)
	return a
}

// emptyAnalysis is a run file with no rows at all.
func emptyAnalysis() *analyze.Analysis {
	start := time.Date(2026, 11, 27, 20, 0, 0, 0, time.UTC)
	s := analyze.Settings{WarmupS: 30, WindowS: 10, BaselineUsers: 10, LatencyThreshold: 2, ErrorThreshold: 0.01, Metric: analyze.MetricLatency,
		MinStepSamples: analyze.MinStepSamples, MinWindowSamples: analyze.MinWindowSamples}
	return &analyze.Analysis{
		FormatVersion: analyze.FormatVersion,
		Run:           analyze.Run{RunID: "01JEMPTY000000000000000000", StartedAt: start, EndedAt: start, EndReason: "interrupted", Labels: map[string]string{}},
		Settings:      s,
		Saturation:    analyze.Saturation{Summary: "no baseline: no post-warmup step with at least 10 users"},
		Growth:        analyze.Growth{Summary: "no steps to judge"},
		Series:        analyze.Series{BucketS: 1, WarmupS: 30, WindowS: 10},
		Definitions:   fixedDefinitions(),
		Warnings:      analyze.TextWarnings("the run has no rows"),
	}
}

// Hostile strings: markup that would run if a label reached the page
// unescaped, and go-echarts' function marker.
const (
	hostileTag  = `</script><img src=x onerror=document.title='pwned'>`
	hostileFunc = `__f__alert(1)__f__`
)

// hostileAnalysis carries the hostile strings in every user-controlled
// text: labels, model, target, end detail, error classes and messages,
// warnings, shard names.
func hostileAnalysis() *analyze.Analysis {
	a := demoAnalysis()
	a.Run.Labels = map[string]string{hostileTag: hostileFunc, "model": hostileTag, "f": hostileFunc}
	a.Run.Model = hostileTag + hostileFunc
	a.Run.RunID = hostileFunc
	a.Run.Target = "http://127.0.0.1/" + hostileTag
	a.Run.EndDetail = hostileTag
	a.Run.ToolVersion = hostileFunc
	a.Errors = []analyze.ErrorCount{
		{Class: hostileTag, Count: 3, Share: 0.5, Example: hostileTag},
		{Class: hostileFunc, Count: 3, Share: 0.5, Example: hostileFunc},
	}
	a.Series.FailuresByClass = map[string][]int64{hostileTag: a.Series.Failures, hostileFunc: a.Series.Failures}
	a.Warnings = append(a.Warnings, analyze.TextWarnings(hostileTag, hostileFunc)...)
	a.Saturation.Summary = hostileTag
	a.Growth.Summary = hostileFunc
	return a
}

// fixedDefinitions stand for view.AnalysisDefinitions (a document's own
// definitions are kept): the golden pages must not change when their
// wording does.
func fixedDefinitions() []analyze.Definition {
	return []analyze.Definition{
		{Figure: "warmup", Definition: "requests sent in the first 30s of the run are excluded from every figure but the time series"},
		{Figure: "percentiles", Definition: "exact quantile_cont (linear interpolation) over raw rows, never bucketed"},
		{Figure: "saturation", Definition: "first later step where p95 > 2 x baseline p95 (latency) or failure rate > 1% (errors)"},
	}
}

// scalingAnalysis is the demo run with a fitted scalability model: its
// report draws the throughput chart with the fitted line.
func scalingAnalysis() *analyze.Analysis {
	f := func(v float64) *float64 { return &v }
	a := demoAnalysis()
	a.Scalability = &analyze.Scalability{Fitted: true, Points: len(a.Steps), Lambda: f(1.1), Sigma: f(0.02), Kappa: f(0.0004),
		R2: f(0.97), RMSE: f(1.2), PeakUsers: f(49.5), PeakRPS: f(36.4)}
	return a
}
