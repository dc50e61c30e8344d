-- How many post-warmup successes have each LLM figure, and its greatest
-- value, by step (the whole run's are the sum and the greatest of the
-- steps'). The percentiles come from the sorted values (series_values.sql
-- for the TTFT, llm_values.sql for the others), at the ranks these counts
-- give. The figures: ttft (ttft_ms), tpot and tps (fragments.sql), gap
-- (a request's longest chunk gap, in ms); then the ITL: every chunk gap
-- of raw.d (itl_counts.sql). Parameter: the stall threshold
-- (µs); stalled counts the successes whose longest gap is over it.
WITH x AS (
    SELECT
        step,
        ttft_ms AS ttft,
        {{template "tpot"}} AS tpot,
        {{template "tps"}} AS tps,
        max_gap_us / 1000.0 AS gap,
        max_gap_us > ? AS stalled
    FROM raw
    WHERE ok AND NOT warm
)
SELECT step, count(ttft), max(ttft), count(tpot), max(tpot), count(tps), max(tps),
    count(gap), max(gap), count(*) FILTER (WHERE stalled)
FROM x
GROUP BY step
ORDER BY step;
