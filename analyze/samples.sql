-- Successes with a value of the selected metric, by completion time: the
-- input of the windowed and cumulative percentile series.
SELECT c_us, v, warm
FROM r
WHERE ok AND v IS NOT NULL
ORDER BY c_us;
