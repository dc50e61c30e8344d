-- The expressions and clauses that several queries share, each written
-- once here as a named text/template fragment and inserted where a query
-- names it (query, engine.go). A fragment holds SQL only, never a value:
-- the queries bind theirs (with ?, in the order the ? appear once the
-- fragments are in place, or as $1, $2, … where run_from is used).

-- A latency the run table keeps (run_rows in create.sql leaves out the
-- others, invalid.sql counts them): a finite number of ms between 0 and
-- 1e9, and not under 1 ns unless it is 0.
{{define "latency_valid"}}isfinite(latency_ms) AND (latency_ms = 0 OR latency_ms >= 1e-6) AND latency_ms <= 1e9{{end}}
-- A TTFT that is not a finite number of ms from 0 to the latency is read
-- as absent.
{{define "ttft_valid"}}isfinite(ttft_ms) AND ttft_ms >= 0 AND ttft_ms <= latency_ms{{end}}

-- The time figures of a row, from its file's columns: parameters of the
-- query the run origin p.origin (µs since the epoch), the warmup
-- p.warmup (µs), and a capacity search's step time p.period and each
-- step's own warmup p.pwarm (µs; both 0 for a step load). warm: sent
-- within the warmup, or within the first p.pwarm of its step; c_us:
-- completion, µs since the run's start.
{{define "warm"}}(epoch_us(start) - p.origin < p.warmup
  OR (p.period > 0 AND (epoch_us(start) - p.origin) % p.period < p.pwarm)){{end}}
{{define "c_us"}}epoch_us(start) - p.origin + CAST(round(latency_ms * 1000) AS BIGINT){{end}}
-- One file's rows as run_rows gives them (its parameters $1 to $8) and
-- the four parameters of warm ($9 to $12).
{{define "run_from"}}run_rows($1, $2, $3, $4, $5, $6, $7, $8) AS f,
     (SELECT $9::BIGINT AS origin, $10::BIGINT AS warmup, $11::BIGINT AS period, $12::BIGINT AS pwarm) AS p{{end}}

-- One file's rows of version 2 or later with d, the gaps between their
-- consecutive chunk times (µs), each computed once, and dv, whether they
-- are figures: at least one, none NULL, none negative (the chunk times
-- ascend); and the parameters of run_from.
{{define "run_gaps_from"}}(SELECT *, len(d) >= 1 AND list_count(d) = len(d) AND list_min(d) >= 0 AS dv
      FROM (SELECT *, [chunk_us[i + 1] - chunk_us[i] for i in range(1, len(chunk_us))] AS d
            FROM run_rows($1, $2, $3, $4, $5, $6, $7, $8))) AS f,
     (SELECT $9::BIGINT AS origin, $10::BIGINT AS warmup, $11::BIGINT AS period, $12::BIGINT AS pwarm) AS p{{end}}

-- The LLM figures of a success (NULL where it has none):
--   tpot: time per output token after the first, (latency_ms - ttft_ms) /
--         (output_tokens - 1)
--   tps: output tokens/s of a request, output_tokens / (latency_ms / 1000)
-- Text from the file made printable: every rune of cleantext.Unprintable
-- (C0 and C1 controls, line and paragraph separators, bidi controls)
-- becomes a space. The character class is cleantext.UnprintableRE2 (RE2,
-- DuckDB's regular expressions and Go's), checked by TestPrintableFragment;
-- {{.}} is the column.
{{define "printable"}}regexp_replace({{.}}, '[\x00-\x1F\x7F-\x9F\x{2028}\x{2029}\x{202A}-\x{202E}\x{2066}-\x{2069}]', ' ', 'g'){{end}}
{{define "tpot"}}CASE WHEN output_tokens > 1 THEN (latency_ms - ttft_ms) / (output_tokens - 1) END{{end}}
{{define "tps"}}CASE WHEN output_tokens > 0 AND latency_ms > 0 THEN output_tokens / (latency_ms / 1000) END{{end}}

-- The series bucket of a time in µs (the fragment's argument: a column
-- name written in the query), clamped to 1..n. Parameters: the bucket
-- (µs), the number of buckets n. Bucket b covers ((b-1)·bucket, b·bucket].
{{define "bucket"}}least(greatest(1, CAST(ceil({{.}} / ?::DOUBLE) AS BIGINT)), ?){{end}}

-- The successes' values of one figure with the series points they belong
-- to: f is the first point whose time t is at or after the completion
-- (the cumulative series counts the value from f on), l the last point
-- whose window (t - window, t] still holds it. Point i is at
-- t = (i+1)·bucket. Parameters: the figure ('v' the selected metric, or
-- 'ttft'), the bucket (µs), the window (µs).
{{define "series_points"}}WITH p AS (SELECT ?::VARCHAR AS fig, ?::DOUBLE AS bucket, ?::BIGINT AS win),
s AS (
    SELECT
        CASE p.fig WHEN 'ttft' THEN ttft_ms ELSE v END AS x,
        warm,
        step,
        greatest(0, CAST(ceil(c_us / p.bucket) AS BIGINT) - 1) AS f,
        CAST(ceil((c_us + p.win) / p.bucket) AS BIGINT) - 2 AS l
    FROM r, p
    WHERE ok
){{end}}
