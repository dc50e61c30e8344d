-- One distribution of class_counts.sql over post-warmup successes that
-- have a class, ascending, each value keyed by its class and step:
-- k = class * stride + step. Parameters: the figure ('v' the metric,
-- 'ttft', 'tpot'), the stride (above the last step). Read through a file
-- (streamSorted).
WITH p AS (SELECT ?::VARCHAR AS fig, ?::BIGINT AS stride),
x AS (
    SELECT
        class,
        step,
        CASE p.fig
            WHEN 'v' THEN v
            WHEN 'ttft' THEN ttft_ms
            ELSE {{template "tpot"}}
        END AS x
    FROM r, p
    WHERE ok AND NOT warm AND class IS NOT NULL
)
SELECT x, (class * p.stride + step)::BIGINT AS k
FROM x, p
WHERE x IS NOT NULL
ORDER BY x;
