-- Append the failures of one run file, of the rows load.sql keeps.
-- Parameters as load.sql. The class and the message come from the file:
-- they are made printable (every C0 and C1 control, line separator and
-- bidi control becomes a space) and bounded here, so no output format sees
-- raw escapes.
INSERT INTO failed
SELECT
    step,
    {{template "warm"}} AS warm,
    {{template "c_us"}} AS c_us,
    left(regexp_replace(error_class, '[\x00-\x1F\x7F-\x9F\x{2028}\x{2029}\x{202A}-\x{202E}\x{2066}-\x{2069}]', ' ', 'g'), 64),
    left(regexp_replace(error, '[\x00-\x1F\x7F-\x9F\x{2028}\x{2029}\x{202A}-\x{202E}\x{2066}-\x{2069}]', ' ', 'g'), 256)
FROM {{template "run_from"}}
WHERE left_out = 0 AND NOT ok;
