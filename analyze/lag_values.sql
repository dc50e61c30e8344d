-- The client-side lag (ms) of post-warmup requests, ascending (presence.sql
-- counts them), for its percentiles. Read through a file (streamSorted).
SELECT lag_ms::DOUBLE AS x, 0::BIGINT AS k
FROM raw
WHERE NOT warm AND lag_ms IS NOT NULL
ORDER BY x;
