-- How many post-warmup successes have each LLM figure, and its greatest
-- value, by step (the whole run's are the sum and the greatest of the
-- steps'). The percentiles come from the sorted values (series_values.sql
-- for the TTFT, llm_values.sql for the others), at the ranks these counts
-- give.
--   ttft: ttft_ms
--   itl:  inter-token latency, (latency_ms - ttft_ms) / (output_tokens - 1)
--   tps:  output tokens/s of a request, output_tokens / (latency_ms / 1000)
WITH x AS (
    SELECT
        step,
        ttft_ms AS ttft,
        CASE WHEN output_tokens > 1 THEN (latency_ms - ttft_ms) / (output_tokens - 1) END AS itl,
        CASE WHEN output_tokens > 0 AND latency_ms > 0 THEN output_tokens / (latency_ms / 1000) END AS tps
    FROM raw
    WHERE ok AND NOT warm
)
SELECT step, count(ttft), max(ttft), count(itl), max(itl), count(tps), max(tps)
FROM x
GROUP BY step
ORDER BY step;
