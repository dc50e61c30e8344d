-- Latency from schedule (the wait for a slot plus the latency) of the
-- post-warmup successes, ascending with their step, for the open loop's
-- p95 beside the verdict's metric when arrivals waited. Read through a
-- file (streamSorted).
SELECT latency_ms + CAST(lag_ms AS DOUBLE) AS x, step::BIGINT AS k
FROM raw
WHERE NOT warm AND ok
ORDER BY x;
