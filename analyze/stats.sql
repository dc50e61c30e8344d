-- The figures of each step over post-warmup requests (stats_total.sql
-- computes the same over the whole run). Percentiles are exact:
-- quantile_cont interpolates linearly between the two neighbouring order
-- statistics. Latency figures are over successes only. The mean is summed
-- in Go over the sorted values (samples in analyze.go): the database's
-- parallel sum depends on the order its threads finish in. The steps and
-- the total are two queries, not one with GROUPING SETS: an exact quantile
-- holds every value of its group at once, and one query would hold every
-- value twice (once in its step, once in the total).
WITH s AS (
    SELECT
        false AS total,
        step,
        max(users) AS users,
        count(*) AS requests,
        count(*) FILTER (WHERE ok) AS ok_n,
        count(v) FILTER (WHERE ok) AS v_n,
        min(v) FILTER (WHERE ok) AS v_min,
        quantile_cont(v, [0.5, 0.9, 0.95, 0.99]) FILTER (WHERE ok) AS v_q,
        max(v) FILTER (WHERE ok) AS v_max,
        coalesce(sum(output_tokens) FILTER (WHERE ok), 0) AS out_tokens,
        coalesce(sum(prompt_tokens) FILTER (WHERE ok), 0) AS prompt_tokens,
        min(send_us) AS first_send,
        max(send_us) AS last_send
    FROM r
    WHERE NOT warm
    GROUP BY step
)
SELECT
    total, coalesce(step, 0), coalesce(users, 0), requests, ok_n,
    v_n, v_min, v_q[1], v_q[2], v_q[3], v_q[4], v_max,
    out_tokens, prompt_tokens, coalesce(first_send, 0), coalesce(last_send, 0)
FROM s
ORDER BY step;
