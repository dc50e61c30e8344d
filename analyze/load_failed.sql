-- Append the failures of one run file. Parameters as load.sql. The class
-- and the message come from the file: they are made printable (every C0
-- and C1 control, line separator and bidi control becomes a space) and
-- bounded here, so no output format sees raw escapes.
INSERT INTO failed
SELECT
    step,
    epoch_us(start) - p.origin < p.warmup AS warm,
    epoch_us(start) - p.origin + CAST(round(latency_ms * 1000) AS BIGINT) AS c_us,
    left(regexp_replace(error_class, '[\x00-\x1F\x7F-\x9F\x{2028}\x{2029}\x{202A}-\x{202E}\x{2066}-\x{2069}]', ' ', 'g'), 64),
    left(regexp_replace(error, '[\x00-\x1F\x7F-\x9F\x{2028}\x{2029}\x{202A}-\x{202E}\x{2066}-\x{2069}]', ' ', 'g'), 256)
FROM read_parquet(?) AS f,
     (SELECT ?::BIGINT AS origin, ?::BIGINT AS warmup) AS p
WHERE NOT ok
  -- the rows load.sql keeps
  AND start IS NOT NULL AND scheduled_at IS NOT NULL AND step IS NOT NULL
  AND users IS NOT NULL AND ok IS NOT NULL
  AND isfinite(latency_ms) AND latency_ms >= 0 AND latency_ms <= 1e9;
