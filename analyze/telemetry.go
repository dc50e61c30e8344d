package analyze

import (
	"math"
	"sort"

	"github.com/llmrec/llmrec/schemas"
)

// Telemetry is what the server said about itself while the run went on
// (llmrec run --server-metrics): its gauges and counters per step, the
// known serving signals over time for charts, and the sentence that names
// the server signal that moved with saturation. Absent when the run has
// no telemetry. Times are seconds since Run.StartedAt.
type Telemetry struct {
	// Source is the scraped URL (redacted); IntervalS the scrape interval.
	Source    string  `json:"source"`
	IntervalS float64 `json:"interval_s"`
	// Scrapes were tried, Failed of them gave nothing (Failures by
	// reason); Every: 1 when every scrape was kept, n when every n-th;
	// Cut says what the recorder's bounds left out.
	Scrapes  int            `json:"scrapes"`
	Failed   int            `json:"failed"`
	Failures map[string]int `json:"failures,omitempty"`
	Every    int            `json:"every"`
	Cut      []string       `json:"cut,omitempty"`
	// Signals names the metric read for each known signal found:
	// running, waiting, kv_cache, preemptions (see knownSignals).
	Signals map[string]string `json:"signals"`
	// Steps are the known signals per step (the steps of Analysis.Steps).
	Steps []TelemetryStep `json:"steps"`
	// Series are every stored series with its per-step figures.
	Series []TelemetrySeries `json:"series"`
	// Points are the known signals at each kept scrape.
	Points TelemetryPoints `json:"points"`
	// Summary is the sentence naming the server signals that moved with
	// saturation (docs/METHOD.md, "Server telemetry"), worded by
	// report/view (view.TelemetrySentence) before the JSON is written.
	Summary string `json:"summary"`
}

// TelemetryStep are the known signals over the scrapes within a step's
// span (StartS, EndS]: gauges' mean and max, counters' rate per second.
// KV-cache figures are fractions (0.98 is 98% full). nil: the signal is
// not published, or no scrape fell within the step.
type TelemetryStep struct {
	Step            int      `json:"step"`
	Level           float64  `json:"level"`
	Scrapes         int      `json:"scrapes"`
	RunningMean     *float64 `json:"running_mean"`
	RunningMax      *float64 `json:"running_max"`
	WaitingMean     *float64 `json:"waiting_mean"`
	WaitingMax      *float64 `json:"waiting_max"`
	KVCacheMean     *float64 `json:"kv_cache_mean"`
	KVCacheMax      *float64 `json:"kv_cache_max"`
	PreemptionsPerS *float64 `json:"preemptions_per_s"`
}

// TelemetrySeries is one stored series with its figures per step.
type TelemetrySeries struct {
	Name   string               `json:"name"`
	Type   string               `json:"type"` // gauge | counter
	Labels map[string]string    `json:"labels,omitempty"`
	Steps  []TelemetrySeriesFig `json:"steps"`
}

// TelemetrySeriesFig is a series in one step: a gauge's mean and max, a
// counter's rate per second (its increase over the step's scrape pairs,
// a fall counted as a reset, over their time).
type TelemetrySeriesFig struct {
	Step int      `json:"step"`
	Mean *float64 `json:"mean,omitempty"`
	Max  *float64 `json:"max,omitempty"`
	Rate *float64 `json:"rate,omitempty"`
}

// TelemetryPoints are the known signals at each kept scrape (T); an
// array is absent when its signal is not published, an entry nil when
// the scrape lacked it. Preemptions is a rate per second since the
// previous scrape.
type TelemetryPoints struct {
	T           []float64  `json:"t"`
	Running     []*float64 `json:"running,omitempty"`
	Waiting     []*float64 `json:"waiting,omitempty"`
	KVCache     []*float64 `json:"kv_cache,omitempty"`
	Preemptions []*float64 `json:"preemptions_per_s,omitempty"`
}

// Known server signals.
const (
	SignalRunning     = "running"
	SignalWaiting     = "waiting"
	SignalKVCache     = "kv_cache"
	SignalPreemptions = "preemptions"
)

// KVFullThreshold: a KV cache at or above this share is "full" in the
// telemetry sentence.
const KVFullThreshold = 0.9

// knownSignals are the serving engines' names of each signal, in order of
// preference: the first name a run has is read (never two, so an engine
// that publishes an old and a new name is not counted twice). Values of
// several series of that name (label sets) are summed, the KV cache's
// maximum taken.
var knownSignals = []struct {
	key   string
	names []string
}{
	{SignalRunning, []string{"vllm:num_requests_running", "sglang:num_running_reqs", "tgi_batch_current_size", "llamacpp:requests_processing"}},
	{SignalWaiting, []string{"vllm:num_requests_waiting", "sglang:num_queue_reqs", "tgi_queue_size", "llamacpp:requests_deferred"}},
	{SignalKVCache, []string{"vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc", "sglang:token_usage", "llamacpp:kv_cache_usage_ratio"}},
	{SignalPreemptions, []string{"vllm:num_preemptions_total", "vllm:num_preemptions"}},
}

// runTelemetry finds the telemetry of the run (the first shard that has
// one), with the warnings about it: files whose telemetry was not read
// and scrapes that failed (TelemetryFact), and the cuts the recorder
// wrote in the file (its own sentences, after "server telemetry: ").
func runTelemetry(a *Analysis, files []*inputFile) []Warning {
	var warn []Warning
	for _, f := range files {
		if f.meta.TelemetryError != "" {
			warn = append(warn, Warning{Fact: TelemetryFact{File: f.arg, Error: f.meta.TelemetryError}})
		}
	}
	for _, f := range files {
		t := f.meta.Telemetry
		if t == nil {
			continue
		}
		offset := f.meta.StartedAt.Sub(a.Run.StartedAt).Seconds()
		a.Telemetry = telemetry(a, t, offset)
		if t.Failed > 0 {
			warn = append(warn, Warning{Fact: TelemetryFact{Failed: t.Failed, Scrapes: t.Scrapes, Source: t.Source}})
		}
		for _, c := range t.Cut {
			warn = append(warn, Warning{Text: "server telemetry: " + c})
		}
		break
	}
	return warn
}

// telemetry computes the Telemetry of a over t, whose times are offset
// seconds after a.Run.StartedAt.
func telemetry(a *Analysis, t *schemas.Telemetry, offset float64) *Telemetry {
	out := &Telemetry{Source: t.Source, IntervalS: t.IntervalS, Scrapes: t.Scrapes, Failed: t.Failed,
		Failures: t.Failures, Every: t.Every, Cut: t.Cut, Signals: map[string]string{}}
	times := make([]float64, len(t.T))
	for i, x := range t.T {
		times[i] = x + offset
	}
	out.Points.T = times
	sig := signalPoints(t, times, out.Signals)
	out.Points.Running, out.Points.Waiting = sig[SignalRunning], sig[SignalWaiting]
	out.Points.KVCache, out.Points.Preemptions = sig[SignalKVCache], sig[SignalPreemptions]

	out.Steps = telemetrySteps(a, t, times, sig, out.Signals)
	for _, s := range t.Series {
		ser := TelemetrySeries{Name: s.Name, Type: s.Type, Labels: s.Labels}
		for _, st := range a.Steps {
			in := func(x float64) bool { return x > st.StartS && x <= st.EndS }
			f := TelemetrySeriesFig{Step: st.Step}
			if s.Type == schemas.TelemetryCounter {
				f.Rate = counterRate(times, s.V, in)
			} else {
				f.Mean, f.Max = gaugeFig(times, s.V, in)
			}
			ser.Steps = append(ser.Steps, f)
		}
		out.Series = append(out.Series, ser)
	}
	// Summary, the sentence of the signals that moved, is report/view's
	// (view.TelemetrySentence).
	return out
}

// seriesNamed are the series of t with name.
func seriesNamed(t *schemas.Telemetry, name string) []schemas.TelemetrySeries {
	var of []schemas.TelemetrySeries
	for _, s := range t.Series {
		if s.Name == name {
			of = append(of, s)
		}
	}
	return of
}

// signalPoints reads the known signals from t's series at times (the
// first of each signal's names that t has, recorded in signals): the
// series of one name combined, a counter as its rate.
func signalPoints(t *schemas.Telemetry, times []float64, signals map[string]string) map[string][]*float64 {
	sig := map[string][]*float64{}
	for _, k := range knownSignals {
		for _, name := range k.names {
			of := seriesNamed(t, name)
			if len(of) == 0 {
				continue
			}
			signals[k.key] = name
			v := combine(of, len(times), k.key == SignalKVCache)
			if k.key == SignalPreemptions {
				v = rates(times, v)
			}
			sig[k.key] = v
			break
		}
	}
	return sig
}

// telemetrySteps are the known signals' figures in each step of a.
func telemetrySteps(a *Analysis, t *schemas.Telemetry, times []float64, sig map[string][]*float64, signals map[string]string) []TelemetryStep {
	var steps []TelemetryStep
	for _, st := range a.Steps {
		in := func(x float64) bool { return x > st.StartS && x <= st.EndS }
		ts := TelemetryStep{Step: st.Step, Level: st.Level}
		for _, x := range times {
			if in(x) {
				ts.Scrapes++
			}
		}
		ts.RunningMean, ts.RunningMax = gaugeFig(times, sig[SignalRunning], in)
		ts.WaitingMean, ts.WaitingMax = gaugeFig(times, sig[SignalWaiting], in)
		ts.KVCacheMean, ts.KVCacheMax = gaugeFig(times, sig[SignalKVCache], in)
		if name, ok := signals[SignalPreemptions]; ok {
			ts.PreemptionsPerS = counterRate(times, combine(seriesNamed(t, name), len(times), false), in)
		}
		steps = append(steps, ts)
	}
	return steps
}

// combine merges the series of one name: the sum of the values present at
// each scrape (the maximum with useMax); nil where none is present.
func combine(of []schemas.TelemetrySeries, n int, useMax bool) []*float64 {
	out := make([]*float64, n)
	for i := range n {
		var acc *float64
		for _, s := range of {
			x := s.V[i]
			if x == nil || math.IsNaN(*x) {
				continue
			}
			switch {
			case acc == nil:
				acc = ptr(*x)
			case useMax:
				*acc = math.Max(*acc, *x)
			default:
				*acc += *x
			}
		}
		out[i] = acc
	}
	return out
}

// rates turns a counter's values into a rate per second since the
// previous scrape (a fall is a reset: the increase is the new value).
func rates(t []float64, v []*float64) []*float64 {
	out := make([]*float64, len(v))
	for i := 1; i < len(v); i++ {
		if v[i] == nil || v[i-1] == nil || t[i] <= t[i-1] {
			continue
		}
		out[i] = ptr(increase(*v[i-1], *v[i]) / (t[i] - t[i-1]))
	}
	return out
}

// increase is a counter's increase from a to b, a fall read as a reset.
func increase(a, b float64) float64 {
	if b < a {
		return b
	}
	return b - a
}

// gaugeFig is the mean and max of the values whose time is in the span.
func gaugeFig(t []float64, v []*float64, in func(float64) bool) (mean, max *float64) {
	var sum float64
	var n int
	for i, x := range v {
		if x == nil || !in(t[i]) {
			continue
		}
		sum += *x
		n++
		if max == nil || *x > *max {
			max = ptr(*x)
		}
	}
	if n > 0 {
		mean = ptr(sum / float64(n))
	}
	return mean, max
}

// counterRate is a counter's rate over the scrape pairs that end in the
// span: the sum of their increases (a fall read as a reset) over the sum
// of their times.
func counterRate(t []float64, v []*float64, in func(float64) bool) *float64 {
	var inc, dt float64
	for i := 1; i < len(v); i++ {
		if v[i] == nil || v[i-1] == nil || !in(t[i]) || t[i] <= t[i-1] {
			continue
		}
		inc += increase(*v[i-1], *v[i])
		dt += t[i] - t[i-1]
	}
	if dt == 0 {
		return nil
	}
	return ptr(inc / dt)
}

// KnownSignalNames are the serving engines' names of every known signal,
// sorted.
func KnownSignalNames() []string {
	var n []string
	for _, k := range knownSignals {
		n = append(n, k.names...)
	}
	sort.Strings(n)
	return n
}
