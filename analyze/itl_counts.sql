-- How many chunk gaps (ITL values) each step's post-warmup successes
-- have, and the longest, in ms. Their percentiles come from the sorted
-- values (itl_values.sql) at the ranks these counts give.
SELECT step, sum(len(d))::BIGINT, max(max_gap_us) / 1000.0
FROM raw
WHERE ok AND NOT warm AND d IS NOT NULL
GROUP BY step
ORDER BY step;
