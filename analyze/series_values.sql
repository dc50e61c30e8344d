-- The values of one figure over successes, ascending, each with its first
-- and last series point f and l (the fragment series_points; at most 3600
-- points, MaxSeriesPoints), whether it was sent within the warmup, and its
-- step, packed into one integer (one column moves faster through the
-- sort and the driver): step << 27 | f << 14 | (l + 1) << 1 | warm.
-- Parameters as series_counts.sql. scanValues reads the result through a
-- file (streamSorted).
{{template "series_points"}}
SELECT x, (step::BIGINT << 27) | (least(f, 8191) << 14) | (least(greatest(l, -1), 8190) + 1 << 1) | warm::BIGINT AS k
FROM s, p
WHERE x IS NOT NULL
ORDER BY x;
