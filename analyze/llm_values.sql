-- One LLM figure of llm_counts.sql over post-warmup successes, ascending,
-- with its step; the parameter picks 'tpot', 'tps' or 'gap' (a request's
-- longest chunk gap). Read through a file (streamSorted).
WITH x AS (
    SELECT
        step,
        CASE ?
            WHEN 'tpot' THEN {{template "tpot"}}
            WHEN 'tps' THEN {{template "tps"}}
            WHEN 'gap' THEN max_gap_us / 1000.0
        END AS x
    FROM raw
    WHERE ok AND NOT warm
)
SELECT x, step::BIGINT AS k
FROM x
WHERE x IS NOT NULL
ORDER BY x;
