-- One LLM figure of llm_counts.sql over post-warmup successes, ascending,
-- with its step; the parameter picks 'itl' or 'tps'. Read through a file
-- (streamSorted).
WITH x AS (
    SELECT
        step,
        CASE ?
            WHEN 'itl' THEN {{template "itl"}}
            WHEN 'tps' THEN {{template "tps"}}
        END AS x
    FROM raw
    WHERE ok AND NOT warm
)
SELECT x, step::BIGINT AS k
FROM x
WHERE x IS NOT NULL
ORDER BY x;
