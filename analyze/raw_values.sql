-- The raw values of post-warmup successes that the significance tests of
-- compare and check need (rawvalues.go), one row a request: the selected
-- metric v, the TTFT and the output tokens/s of the request (NULL when
-- absent), by step.
SELECT
    step,
    v,
    ttft_ms,
    CASE WHEN output_tokens > 0 AND latency_ms > 0 THEN output_tokens / (latency_ms / 1000) END AS tps
FROM r
WHERE ok AND NOT warm;
