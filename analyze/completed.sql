-- Completions by the step span they fall in: every success (sent in the
-- warmup or not) completed after the warmup and before the end of
-- sending, with its output tokens. A step's throughput is what the
-- service finished within the step's span, as a server's own log would
-- count it. A capacity search's steps count only after their own warmup.
-- The spans are the fragments' step_of and into_step. Parameters: the
-- step time (µs), the step ends (µs; empty when every step is the step
-- time long), the warmup (µs), the end of sending (µs) and each step's
-- warmup (µs; 0 for a step load).
WITH p AS (SELECT ?::BIGINT AS period, ?::BIGINT[] AS ends, ?::BIGINT AS warm_us, ?::BIGINT AS end_us, ?::BIGINT AS pwarm),
c AS (
    SELECT c_us AS t_us, output_tokens
    FROM raw, p
    WHERE ok AND c_us >= p.warm_us AND c_us < p.end_us
),
{{template "ends_before" .}}
SELECT {{template "step_of" .}} AS k, count(*) AS n, coalesce(sum(output_tokens), 0) AS tokens
FROM l, p
WHERE {{template "into_step" .}} >= p.pwarm
GROUP BY k
ORDER BY k;
