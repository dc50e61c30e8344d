-- How many post-warmup successes have a TTFT, and the greatest, by step
-- (the whole run's are the sum and the greatest of the steps'). The
-- percentiles come from the sorted values (series_values.sql), at the
-- ranks these counts give.
SELECT step, count(ttft_ms), max(ttft_ms)
FROM raw
WHERE ok AND NOT warm
GROUP BY step
ORDER BY step;
