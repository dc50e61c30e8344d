-- The values of one figure over successes, ascending, each with its first
-- and last series point f and l (see series_counts.sql; at most 3600
-- points, MaxSeriesPoints), whether it was sent within the warmup, and its
-- step, packed into one integer (one column moves faster through the
-- sort and the driver): step << 27 | f << 14 | (l + 1) << 1 | warm.
-- Parameters as series_counts.sql. scanValues reads the result through a
-- file (streamSorted).
WITH p AS (SELECT ?::VARCHAR AS fig, ?::DOUBLE AS bucket, ?::BIGINT AS win),
s AS (
    SELECT
        CASE p.fig WHEN 'ttft' THEN ttft_ms ELSE v END AS x,
        warm,
        step,
        greatest(0, CAST(ceil(c_us / p.bucket) AS BIGINT) - 1) AS f,
        CAST(ceil((c_us + p.win) / p.bucket) AS BIGINT) - 2 AS l
    FROM r, p
    WHERE ok
)
SELECT x, (step::BIGINT << 27) | (least(f, 8191) << 14) | (least(greatest(l, -1), 8190) + 1 << 1) | warm::BIGINT AS k
FROM s, p
WHERE x IS NOT NULL
ORDER BY x;
