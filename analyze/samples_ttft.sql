-- Successes with a TTFT, by completion time (the windowed TTFT p95 when
-- the metric is latency).
SELECT c_us, ttft_ms, warm
FROM raw
WHERE ok AND ttft_ms IS NOT NULL
ORDER BY c_us;
