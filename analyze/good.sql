-- Good requests per step and overall over post-warmup requests: a request
-- is good when it succeeded and meets every SLO bound given. Parameters:
-- the TTFT, TPOT, ITL and latency bounds in ms, each NULL when not set. A
-- bound on TTFT needs a TTFT, one on TPOT a TTFT and at least two output
-- tokens, one on ITL (every gap between content chunks: the longest)
-- two chunk times: a request without them is not good (it cannot be
-- shown to meet the bound).
WITH b AS (SELECT ?::DOUBLE AS ttft, ?::DOUBLE AS tpot, ?::DOUBLE AS itl, ?::DOUBLE AS lat),
g AS (
    SELECT
        step,
        {{template "good"}} AS good
    FROM raw, b
    WHERE NOT warm
)
SELECT grouping(step) AS total, coalesce(step, 0), count(*) FILTER (WHERE good) AS good_n
FROM g
GROUP BY GROUPING SETS ((step), ())
ORDER BY total DESC, step;
