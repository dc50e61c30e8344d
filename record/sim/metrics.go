package sim

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metric names the simulator publishes on GET /metrics: vLLM's, so that
// llmrec's server telemetry, its tests and the demo see what a vLLM server
// would show. Each is read from the simulator's own state at scrape time or
// counted where the event happens; every series carries the label
// model_name (the simulator's id).
const (
	MetricRunning          = "vllm:num_requests_running"
	MetricWaiting          = "vllm:num_requests_waiting"
	MetricKVCacheUsage     = "vllm:kv_cache_usage_perc"
	MetricPreemptions      = "vllm:num_preemptions_total"
	MetricRequestSuccess   = "vllm:request_success_total"
	MetricPromptTokens     = "vllm:prompt_tokens_total"
	MetricGenerationTokens = "vllm:generation_tokens_total"
)

// newRegistry builds the Server's own Prometheus registry (never the
// process-wide default one, so that several simulators in one process each
// publish their own figures):
//
//   - vllm:num_requests_running: requests holding a slot (being generated).
//   - vllm:num_requests_waiting: requests queued for a slot (knee).
//   - vllm:kv_cache_usage_perc: the share (0–1) of the cache in use. The
//     simulated cache holds Slots sequences, so it is running/Slots, at
//     most 1 (the linear profile admits more than Slots at once and then
//     reads 1).
//   - vllm:num_preemptions_total: requests that paid the knee profile's
//     swap cost (a slowdown factor above 1 read while generating), counted
//     once per request.
//   - vllm:request_success_total{finished_reason}: requests answered in
//     full, by finish reason ("stop" or "length").
//   - vllm:prompt_tokens_total: prompt tokens of admitted requests.
//   - vllm:generation_tokens_total: tokens generated, counted as they are
//     sent.
func (s *Server) newRegistry() *prometheus.Registry {
	labels := prometheus.Labels{"model_name": s.modelID}
	reg := prometheus.NewRegistry()
	gauge := func(name, help string, f func() float64) {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help, ConstLabels: labels}, f))
	}
	counter := func(name, help string, f func() float64) {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help, ConstLabels: labels}, f))
	}
	gauge(MetricRunning, "Number of requests in model execution batches.", func() float64 {
		return float64(s.Stats().InFlight)
	})
	gauge(MetricWaiting, "Number of requests waiting to be processed.", func() float64 {
		return float64(s.Stats().Queued)
	})
	gauge(MetricKVCacheUsage, "KV-cache usage. 1 means 100 percent usage.", func() float64 {
		return min(1, float64(s.Stats().InFlight)/float64(s.cfg.Slots))
	})
	counter(MetricPreemptions, "Cumulative number of preemptions from the engine.", func() float64 {
		return float64(s.preemptions.Load())
	})
	counter(MetricPromptTokens, "Number of prefill tokens processed.", func() float64 {
		return float64(s.promptTokens.Load())
	})
	counter(MetricGenerationTokens, "Number of generation tokens processed.", func() float64 {
		return float64(s.generationTokens.Load())
	})
	success := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: MetricRequestSuccess, Help: "Count of successfully processed requests.", ConstLabels: labels,
	}, []string{"finished_reason"})
	reg.MustRegister(success)
	s.success = success
	return reg
}

// metricsHandler serves the registry in the Prometheus text format (or
// what the scraper asks for).
func (s *Server) metricsHandler() http.Handler {
	return promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{DisableCompression: true})
}
