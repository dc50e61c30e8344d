-- Append one run file. Parameters: the file path (glob characters
-- escaped, so that it matches that one file), the run origin (µs since
-- the epoch), the warmup (µs). Rows that break the format's promises are
-- left out (invalid.sql counts them, with the same conditions, the
-- fragments complete and latency_valid): a NULL in start, scheduled_at,
-- step, users, ok or latency_ms, or a latency that is negative, not finite
-- or over 1e9 ms. A negative or non-finite ttft_ms and negative token
-- counts are read as absent. With chunk times (a file of version 2 or
-- later: the template's .Chunks), max_gap_us is the longest gap between
-- consecutive chunk times; chunk times that do not ascend, hold a NULL or
-- are fewer than two are read as absent.
INSERT INTO raw
SELECT
    step,
    users,
    ok,
    {{template "warm"}} AS warm,
    epoch_us(start) - p.origin AS send_us,
    {{template "c_us"}} AS c_us,
    latency_ms,
    CASE WHEN {{template "ttft_valid"}} THEN ttft_ms END,
    CASE WHEN output_tokens >= 0 THEN output_tokens END,
    CASE WHEN prompt_tokens >= 0 THEN prompt_tokens END,
    CAST((epoch_us(start) - epoch_us(scheduled_at)) / 1000.0 AS FLOAT) AS lag_ms,
    {{if .Chunks}}CASE WHEN dv THEN list_max(d) END{{else}}NULL{{end}} AS max_gap_us,
    {{if .Chunks}}CASE WHEN dv THEN d END{{else}}NULL{{end}} AS d
FROM {{if .Chunks}}{{template "load_gaps_from"}}{{else}}{{template "load_from"}}{{end}}
WHERE {{template "complete"}}
  AND {{template "latency_valid"}};
