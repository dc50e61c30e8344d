-- The steady state: post-warmup requests sent in the steps before the
-- saturation step ($1: the first step left out). The health bands judge it.
WITH s AS (
    SELECT
        count(*) AS requests,
        count(*) FILTER (WHERE ok) AS ok_n,
        quantile_cont(v, [0.5, 0.99]) FILTER (WHERE ok) AS v_q
    FROM r
    WHERE NOT warm AND step < $1
)
SELECT requests, ok_n, v_q[1], v_q[2] FROM s;
