-- The Little's-law check of a closed loop, per step over its steady part:
-- from one mean cycle (mean latency of the step's requests + mean think
-- time) after the first send at the step's full user count (the spawn
-- ramp is over) to the end of the step's span (the fragments'
-- step_start). Parameters: the step time (µs), the step ends (µs; empty
-- when every step is the step time long), the warmup (µs), the end of
-- sending (µs since started_at), the mean think time (ms), the lag
-- threshold (ms) and each step's own warmup (µs; a capacity search's, 0
-- for a step load).
WITH p AS (SELECT ?::BIGINT AS period, ?::BIGINT[] AS ends, ?::BIGINT AS warm_us, ?::BIGINT AS end_us, ?::DOUBLE AS think_ms, ?::DOUBLE AS late_ms, ?::BIGINT AS pwarm_us),
st AS (
    SELECT step, max(users) AS users, avg(latency_ms) AS lat_ms
    FROM raw
    WHERE NOT warm
    GROUP BY step
),
ramp AS (
    SELECT raw.step, min(raw.send_us) AS full_us
    FROM raw JOIN st ON raw.step = st.step AND raw.users = st.users
    WHERE NOT raw.warm
    GROUP BY raw.step
),
w AS (
    SELECT st.step, st.users,
        greatest({{template "step_start" "st.step"}} + p.pwarm_us, p.warm_us,
                 ramp.full_us + CAST(round((st.lat_ms + p.think_ms) * 1000) AS BIGINT)) AS ws,
        least({{template "step_start" "st.step + 1"}}, p.end_us) AS we
    FROM st JOIN ramp ON st.step = ramp.step, p
)
SELECT w.step, w.users, w.ws, w.we,
    count(raw.step) AS n,
    avg(raw.latency_ms) AS lat_ms,
    count(raw.step) FILTER (WHERE raw.lag_ms > p.late_ms) AS late
FROM w CROSS JOIN p
LEFT JOIN raw ON raw.step = w.step AND NOT raw.warm AND raw.send_us >= w.ws AND raw.send_us < w.we
GROUP BY w.step, w.users, w.ws, w.we
ORDER BY w.step;
