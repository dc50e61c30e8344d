-- How many chunk gaps (ITL values) each step's post-warmup successes
-- have, and the longest, in ms. Their percentiles come from the sorted
-- values (itl_values.sql) at the ranks these counts give.
SELECT step, sum(len(d))::BIGINT, max(list_max(d)) / 1000.0
FROM gaps
GROUP BY step
ORDER BY step;
