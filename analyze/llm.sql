-- One LLM figure per step over post-warmup successes (llm_total.sql: the
-- same over the whole run); the parameter picks it. The exact quantile
-- aggregate holds every value of its group at once: one figure a query,
-- and the steps apart from the total, bound that memory to a value of
-- the figure at a time. (TTFT's percentiles come from its sorted values,
-- read for its series: ttft_counts.sql.)
--   itl:  inter-token latency, (latency_ms - ttft_ms) / (output_tokens - 1)
--   tps:  output tokens/s of a request, output_tokens / (latency_ms / 1000)
WITH x AS (
    SELECT
        step,
        CASE ?
            WHEN 'itl' THEN CASE WHEN output_tokens > 1 THEN (latency_ms - ttft_ms) / (output_tokens - 1) END
            WHEN 'tps' THEN CASE WHEN output_tokens > 0 AND latency_ms > 0 THEN output_tokens / (latency_ms / 1000) END
        END AS x
    FROM raw
    WHERE ok AND NOT warm
),
s AS (
    SELECT
        false AS total,
        step,
        count(x) AS n,
        quantile_cont(x, [0.5, 0.9, 0.95, 0.99]) AS q,
        max(x) AS mx
    FROM x
    GROUP BY step
)
SELECT total, coalesce(step, 0), n, q[1], q[2], q[3], q[4], mx
FROM s
ORDER BY step;
