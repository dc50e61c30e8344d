-- Open-loop counts per step over post-warmup requests: sends by the step
-- span their start falls in (the fragments' step_of; before the end of
-- sending), and arrivals (by their rate step) sent more than the wait
-- tolerance after their arrival time. Completions are completed.sql's.
-- Parameters: the step time (µs), the step ends (µs; empty when every
-- step is the step time long), the end of sending (µs since started_at),
-- and the wait tolerance (ms).
WITH p AS (SELECT ?::BIGINT AS period, ?::BIGINT[] AS ends, ?::BIGINT AS end_us, ?::DOUBLE AS tol_ms),
c AS (
    SELECT send_us AS t_us
    FROM raw, p
    WHERE NOT warm AND send_us < p.end_us
),
{{template "ends_before" .}}
SELECT 'sent' AS what, {{template "step_of" .}} AS k, count(*) AS n
FROM l, p
GROUP BY k
UNION ALL
SELECT 'waited', step, count(*)
FROM raw, p
WHERE NOT warm AND lag_ms > p.tol_ms
GROUP BY step;
