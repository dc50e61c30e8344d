-- Append the failures of one run file, of the rows load.sql keeps.
-- Parameters as load.sql. The class and the message come from the file:
-- they are made printable (every C0 and C1 control, line separator and
-- bidi control becomes a space) and bounded here, so no output format sees
-- raw escapes.
INSERT INTO failed
SELECT
    step,
    {{template "warm" .}} AS warm,
    {{template "c_us"}} AS c_us,
    left({{template "printable" "error_class"}}, 64),
    left({{template "printable" "error"}}, 256)
FROM {{template "run_from"}}
WHERE left_out = 0 AND NOT ok;
