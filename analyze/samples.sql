-- Successes with a value of the selected metric, by completion time, with
-- the rank of each value (0-based, ties broken by completion time): the
-- input of the windowed and cumulative percentile series. DuckDB sorts in
-- parallel, faster than Go would.
SELECT c_us, v, warm, CAST(row_number() OVER (ORDER BY v, c_us) - 1 AS INTEGER)
FROM r
WHERE ok AND v IS NOT NULL
ORDER BY c_us;
