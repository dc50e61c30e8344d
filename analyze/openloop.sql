-- Open-loop counts per step over post-warmup requests: sends by the step
-- their start falls in (before the end of sending), and arrivals (by their
-- rate step) sent more than the wait tolerance after their arrival time.
-- Completions are completed.sql's. Parameters: the step time (µs), the
-- end of sending (µs since started_at), and the wait tolerance (ms).
SELECT 'sent' AS what, send_us // ?::BIGINT + 1 AS k, count(*) AS n
FROM raw
WHERE NOT warm AND send_us < ?::BIGINT
GROUP BY k
UNION ALL
SELECT 'waited', step, count(*)
FROM raw
WHERE NOT warm AND lag_ms > ?::DOUBLE
GROUP BY step;
