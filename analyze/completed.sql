-- Completions by the step span they fall in: every success (sent in the
-- warmup or not) completed after the warmup and before the end of
-- sending, with its output tokens. A step's throughput is what the
-- service finished within the step's span, as a server's own log would
-- count it. A capacity search's steps count only after their own warmup.
-- Parameters: the step time (µs), the warmup (µs), the end of sending
-- (µs), the step time again and each step's warmup (µs; 0 for a step load).
SELECT c_us // ?::BIGINT + 1 AS k, count(*) AS n, coalesce(sum(output_tokens), 0) AS tokens
FROM raw
WHERE ok AND c_us >= ?::BIGINT AND c_us < ?::BIGINT AND c_us % ?::BIGINT >= ?::BIGINT
GROUP BY k
ORDER BY k;
