-- Token counts received per step, over post-warmup successes: p50 and p95
-- of prompt_tokens and output_tokens (null when the step has none), by the
-- exact quantile aggregate, which holds every value: for runs of at most
-- aggregateValues successes; larger ones sort them (tokens_values.sql).
WITH t AS (
    SELECT
        step,
        quantile_cont(prompt_tokens, [0.5, 0.95]) AS p,
        quantile_cont(output_tokens, [0.5, 0.95]) AS o
    FROM raw
    WHERE NOT warm AND ok
    GROUP BY step
)
SELECT step, p[1], p[2], o[1], o[2] FROM t ORDER BY step;
