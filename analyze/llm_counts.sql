-- How many post-warmup successes have each LLM figure, and its greatest
-- value, by step (the whole run's are the sum and the greatest of the
-- steps'). The percentiles come from the sorted values (series_values.sql
-- for the TTFT, llm_values.sql for the others), at the ranks these counts
-- give. The figures: ttft (ttft_ms), itl and tps (fragments.sql).
WITH x AS (
    SELECT
        step,
        ttft_ms AS ttft,
        {{template "itl"}} AS itl,
        {{template "tps"}} AS tps
    FROM raw
    WHERE ok AND NOT warm
)
SELECT step, count(ttft), max(ttft), count(itl), max(itl), count(tps), max(tps)
FROM x
GROUP BY step
ORDER BY step;
