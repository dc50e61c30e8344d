-- Successes by completion time, with the selected metric (v) and the TTFT:
-- the input of the windowed and cumulative percentile series.
SELECT c_us, v, warm, ttft_ms
FROM r
WHERE ok AND (v IS NOT NULL OR ttft_ms IS NOT NULL)
ORDER BY c_us;
