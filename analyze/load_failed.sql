-- Append the failures of one run file, of the rows load.sql keeps.
-- Parameters as load.sql. The class and the message come from the file:
-- they are made printable (every C0 and C1 control, line separator and
-- bidi control becomes a space) and bounded here, so no output format sees
-- raw escapes.
INSERT INTO failed
SELECT
    step,
    epoch_us(start) - $9 < $10 AS warm,
    epoch_us(start) - $9 + CAST(round(latency_ms * 1000) AS BIGINT) AS c_us,
    left(regexp_replace(error_class, '[\x00-\x1F\x7F-\x9F\x{2028}\x{2029}\x{202A}-\x{202E}\x{2066}-\x{2069}]', ' ', 'g'), 64),
    left(regexp_replace(error, '[\x00-\x1F\x7F-\x9F\x{2028}\x{2029}\x{202A}-\x{202E}\x{2066}-\x{2069}]', ' ', 'g'), 256)
FROM run_rows($1, $2, $3, $4, $5, $6, $7, $8)
WHERE left_out = 0 AND NOT ok;
