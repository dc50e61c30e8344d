-- One token count of tokens.sql over post-warmup successes, ascending,
-- with its step, for runs too large for the aggregate (aggregateValues);
-- the parameter picks 'prompt' or 'output'. Read through a file
-- (streamSorted).
WITH t AS (
    SELECT step, CASE ? WHEN 'prompt' THEN prompt_tokens ELSE output_tokens END AS n
    FROM raw
    WHERE NOT warm AND ok
)
SELECT n::DOUBLE AS x, step::BIGINT AS k
FROM t
WHERE n IS NOT NULL
ORDER BY x;
