-- Successes with a value of one figure, counted by the series points they
-- belong to: f is the first point whose time t is at or after the
-- completion (the cumulative series counts the sample from f on), l the
-- last point whose window (t - window, t] still holds it. Point i is at
-- t = (i+1)·bucket. Parameters: the figure ('v' the selected metric, or
-- 'ttft'), the bucket (µs), the window (µs). series_values.sql computes f
-- and l the same way.
WITH p AS (SELECT ?::VARCHAR AS fig, ?::DOUBLE AS bucket, ?::BIGINT AS win),
s AS (
    SELECT
        CASE p.fig WHEN 'ttft' THEN ttft_ms ELSE v END AS x,
        warm,
        greatest(0, CAST(ceil(c_us / p.bucket) AS BIGINT) - 1) AS f,
        CAST(ceil((c_us + p.win) / p.bucket) AS BIGINT) - 2 AS l
    FROM r, p
    WHERE ok
)
SELECT f, l, warm, count(*), min(x), max(x)
FROM s
WHERE x IS NOT NULL
GROUP BY f, l, warm;
