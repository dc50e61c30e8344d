-- The raw values of one figure over post-warmup successes that the
-- significance tests of compare and check need (rawvalues.go), by step and
-- ascending, read through a file (streamSorted). Parameter: the figure:
-- 'v' the selected metric, 'ttft' the TTFT, 'tps' the output tokens/s of
-- the request, 'tpot' its time per output token.
WITH p AS (SELECT ?::VARCHAR AS fig),
s AS (
    SELECT
        step,
        CASE p.fig
            WHEN 'v' THEN v
            WHEN 'ttft' THEN ttft_ms
            WHEN 'tpot' THEN {{template "tpot"}}
            ELSE {{template "tps"}}
        END AS x
    FROM r, p
    WHERE ok AND NOT warm
)
SELECT x, step::BIGINT AS k
FROM s
WHERE x IS NOT NULL
ORDER BY step, x;
