-- What the run carries: rows, TTFT values, token counts, the last
-- completion, and the post-warmup client-side lag.
SELECT
    count(*),
    count(ttft_ms),
    count(output_tokens),
    coalesce(max(c_us), 0),
    coalesce(max(send_us), 0),
    count(*) FILTER (WHERE warm),
    quantile_cont(lag_us / 1000.0, [0.5, 0.99]) FILTER (WHERE NOT warm)[1],
    quantile_cont(lag_us / 1000.0, [0.5, 0.99]) FILTER (WHERE NOT warm)[2],
    max(lag_us / 1000.0) FILTER (WHERE NOT warm),
    count(*) FILTER (WHERE NOT warm AND lag_us > ?)
FROM r;
