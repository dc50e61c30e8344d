-- Good requests per step and overall over post-warmup requests: a request
-- is good when it succeeded and meets every SLO bound given. Parameters:
-- the TTFT, TPOT, ITL and latency bounds in ms, each NULL when not set. A
-- bound on TTFT needs a TTFT, one on TPOT a TTFT and at least two output
-- tokens, one on ITL (every gap between content chunks: the longest)
-- two chunk times: a request without them is not good (it cannot be
-- shown to meet the bound).
WITH p AS (SELECT ?::DOUBLE AS ttft, ?::DOUBLE AS tpot, ?::DOUBLE AS itl, ?::DOUBLE AS lat),
g AS (
    SELECT
        step,
        ok
        AND (p.lat IS NULL OR latency_ms <= p.lat)
        AND (p.ttft IS NULL OR coalesce(ttft_ms <= p.ttft, false))
        AND (p.tpot IS NULL OR coalesce({{template "tpot"}} <= p.tpot, false))
        AND (p.itl IS NULL OR coalesce(max_gap_us / 1000.0 <= p.itl, false)) AS good
    FROM raw, p
    WHERE NOT warm
)
SELECT grouping(step) AS total, coalesce(step, 0), count(*) FILTER (WHERE good) AS good_n
FROM g
GROUP BY GROUPING SETS ((step), ())
ORDER BY total DESC, step;
