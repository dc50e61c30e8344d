-- What the run carries: rows, TTFT values, token counts, the last
-- completion, warmup rows, the post-warmup client-side lag (its
-- percentiles come from its sorted values, lag_values.sql, at the ranks
-- its count gives), and the post-warmup successes with 0 output tokens
-- (empty answers a recorder before class "empty" counted as successes).
-- Parameter: the lag threshold (ms).
WITH p AS (
    SELECT
        count(*) AS n,
        count(ttft_ms) AS ttft_n,
        count(output_tokens) AS tokens_n,
        coalesce(max(c_us), 0) AS last_done,
        count(*) FILTER (WHERE warm) AS warm_n,
        count(lag_ms) FILTER (WHERE NOT warm) AS lag_n,
        max(lag_ms) FILTER (WHERE NOT warm) AS lag_max,
        count(*) FILTER (WHERE NOT warm AND lag_ms > ?) AS late,
        count(*) FILTER (WHERE NOT warm AND ok AND output_tokens = 0) AS empty_ok
    FROM raw
)
SELECT n, ttft_n, tokens_n, last_done, warm_n, lag_n, lag_max, late, empty_ok FROM p;
