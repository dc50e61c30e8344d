-- One LLM figure of llm_counts.sql over post-warmup successes, ascending,
-- with its step; the parameter picks 'itl' or 'tps'. Read through a file
-- (streamSorted).
WITH x AS (
    SELECT
        step,
        CASE ?
            WHEN 'itl' THEN CASE WHEN output_tokens > 1 THEN (latency_ms - ttft_ms) / (output_tokens - 1) END
            WHEN 'tps' THEN CASE WHEN output_tokens > 0 AND latency_ms > 0 THEN output_tokens / (latency_ms / 1000) END
        END AS x
    FROM raw
    WHERE ok AND NOT warm
)
SELECT x, step::BIGINT AS k
FROM x
WHERE x IS NOT NULL
ORDER BY x;
