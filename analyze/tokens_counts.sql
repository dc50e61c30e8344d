-- How many post-warmup successes of each step have a prompt and an output
-- token count: the sets whose percentiles tokens_values.sql's sorted
-- values give.
SELECT step, count(prompt_tokens), count(output_tokens)
FROM raw
WHERE NOT warm AND ok
GROUP BY step
ORDER BY step;
