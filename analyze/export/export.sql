-- The rows of `llmrep export`: every column of the run files but
-- chunk_us, in file order (shard, then seq), with the times as RFC 3339
-- (UTC, µs) and as ms since the run's start, and the warmup flag;
-- max_tokens and prompt_index are NULL unless every file has them
-- (version 3 or later: the template's .V3). Parameters: the list of
-- files (glob characters escaped), the run origin (µs since the epoch),
-- the warmup (µs), whether the output is CSV, a search's step time and
-- each step's warmup (µs; 0 and 0 otherwise) and the step ends (µs; empty
-- when every step is the step time long: the "warm" fragment). Times are
-- formatted from their epoch µs, so that no time zone setting enters.
-- The files are read by column name, so that shards of different
-- versions line up; a column added after version 1 that no input has
-- (schemas.Has of the newest input's version) is NULL.
--
-- The text columns come from the file. They are cleaned by the one CSV
-- cell rule, Go's cleantext.CSVCell, whose test table TestExportCSVCases
-- runs through this query: as in load_failed.sql, every C0 and C1
-- control, line separator and bidi control becomes a space (the
-- "printable" fragment of analyze's fragments.sql), so no raw terminal
-- escape reaches the output. In CSV, a text cell that starts with '=',
-- '+', '-' or '@' (cleantext.FormulaStarts: a spreadsheet would take it
-- for a formula; tab and CR, OWASP's two others, are spaces by then) gets
-- a leading single quote.
SELECT
    CASE WHEN p.csv AND left(f.run_id, 1) IN ('=', '+', '-', '@') THEN '''' || f.run_id ELSE f.run_id END AS run_id,
    shard,
    seq,
    "user",
    step,
    users,
    strftime(make_timestamp(epoch_us(scheduled_at)), '%Y-%m-%dT%H:%M:%S.%fZ') AS scheduled_at,
    (epoch_us(scheduled_at) - p.origin) / 1000.0 AS scheduled_ms,
    strftime(make_timestamp(epoch_us(start)), '%Y-%m-%dT%H:%M:%S.%fZ') AS start,
    (epoch_us(start) - p.origin) / 1000.0 AS start_ms,
    {{template "warm" .}} AS warmup,
    latency_ms,
    ttft_ms,
    status,
    ok,
    CASE WHEN p.csv AND left(f.error_class, 1) IN ('=', '+', '-', '@') THEN '''' || f.error_class ELSE f.error_class END AS error_class,
    CASE WHEN p.csv AND left(f.error, 1) IN ('=', '+', '-', '@') THEN '''' || f.error ELSE f.error END AS error,
    prompt_tokens,
    output_tokens,
    chunks,
    bytes_in,
    {{if has .Version "turn"}}turn{{else}}NULL::INTEGER{{end}} AS turn,
    {{if has .Version "prefix"}}prefix{{else}}NULL::INTEGER{{end}} AS prefix,
    {{if has .Version "class"}}CASE WHEN p.csv AND left(f.class, 1) IN ('=', '+', '-', '@') THEN '''' || f.class ELSE f.class END{{else}}NULL::VARCHAR{{end}} AS class,
    {{if has .Version "max_tokens"}}max_tokens{{else}}NULL::INTEGER{{end}} AS max_tokens,
    {{if has .Version "prompt_index"}}prompt_index{{else}}NULL::INTEGER{{end}} AS prompt_index
FROM (SELECT * REPLACE (
          {{template "printable" "run_id"}} AS run_id,
          {{template "printable" "error_class"}} AS error_class,
          {{template "printable" "error"}} AS error{{if has .Version "class"}},
          {{template "printable" "class"}} AS class{{end}})
      FROM read_parquet(?::VARCHAR[], union_by_name = true)) AS f,
     (SELECT ?::BIGINT AS origin, ?::BIGINT AS warmup, ?::BOOLEAN AS csv, ?::BIGINT AS period, ?::BIGINT AS pwarm, ?::BIGINT[] AS ends) AS p
ORDER BY shard, seq
