-- One LLM figure of llm.sql over the whole run: one row.
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
        true AS total,
        0 AS step,
        count(x) AS n,
        quantile_cont(x, [0.5, 0.9, 0.95, 0.99]) AS q,
        max(x) AS mx
    FROM x
)
SELECT total, step, n, q[1], q[2], q[3], q[4], mx
FROM s;
