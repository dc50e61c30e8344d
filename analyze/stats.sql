-- The figures of each step, and of the whole run (total: one row, also
-- when no request was sent after the warmup), over post-warmup requests.
-- Latency figures are over successes only. The percentiles and the mean
-- come from the sorted values the series read (samples in analyze.go):
-- an exact quantile aggregate holds every value of its group at once,
-- beyond the memory limit, and the database's parallel sum depends on the
-- order its threads finish in.
WITH s AS (
    SELECT
        grouping(step) = 1 AS total,
        step,
        max(users) AS users,
        count(*) AS requests,
        count(*) FILTER (WHERE ok) AS ok_n,
        count(v) FILTER (WHERE ok) AS v_n,
        min(v) FILTER (WHERE ok) AS v_min,
        max(v) FILTER (WHERE ok) AS v_max,
        coalesce(sum(output_tokens) FILTER (WHERE ok), 0) AS out_tokens,
        sum(prompt_tokens) FILTER (WHERE ok) AS prompt_tokens, -- NULL: unknown
        min(send_us) AS first_send,
        max(send_us) AS last_send
    FROM r
    WHERE NOT warm
    GROUP BY GROUPING SETS ((step), ())
)
SELECT
    total, coalesce(step, 0), coalesce(users, 0), requests, ok_n,
    v_n, v_min, v_max,
    out_tokens, prompt_tokens, coalesce(first_send, 0), coalesce(last_send, 0)
FROM s
ORDER BY total DESC, step;
