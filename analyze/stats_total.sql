-- The figures of stats.sql over the whole run: one row, also when no
-- request was sent after the warmup.
WITH s AS (
    SELECT
        true AS total,
        NULL::BIGINT AS step,
        max(users) AS users,
        count(*) AS requests,
        count(*) FILTER (WHERE ok) AS ok_n,
        count(v) FILTER (WHERE ok) AS v_n,
        min(v) FILTER (WHERE ok) AS v_min,
        max(v) FILTER (WHERE ok) AS v_max,
        coalesce(sum(output_tokens) FILTER (WHERE ok), 0) AS out_tokens,
        coalesce(sum(prompt_tokens) FILTER (WHERE ok), 0) AS prompt_tokens,
        min(send_us) AS first_send,
        max(send_us) AS last_send
    FROM r
    WHERE NOT warm
)
SELECT
    total, coalesce(step, 0), coalesce(users, 0), requests, ok_n,
    v_n, v_min, v_max,
    out_tokens, prompt_tokens, coalesce(first_send, 0), coalesce(last_send, 0)
FROM s;
