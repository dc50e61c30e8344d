-- Successes with a TTFT, by completion time, ranked (the windowed TTFT
-- p95 when the metric is latency).
SELECT c_us, ttft_ms, warm, CAST(row_number() OVER (ORDER BY ttft_ms, c_us) - 1 AS INTEGER)
FROM r
WHERE ok AND ttft_ms IS NOT NULL
ORDER BY c_us;
