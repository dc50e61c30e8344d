-- The post-warmup requests of each conversation turn (raw.turn, a run
-- with --turns): requests, successes, successes with a TTFT (the set
-- whose percentiles turn_values.sql's sorted values give), and the
-- successes' mean prompt_tokens and how many had one.
SELECT
    turn,
    count(*),
    count(*) FILTER (WHERE ok),
    count(ttft_ms) FILTER (WHERE ok),
    avg(prompt_tokens) FILTER (WHERE ok),
    count(prompt_tokens) FILTER (WHERE ok)
FROM raw
WHERE NOT warm AND turn IS NOT NULL
GROUP BY turn
ORDER BY turn;
