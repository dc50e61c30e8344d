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

-- A step's span, the one rule of Shape.StepSpan (spans.go) in SQL, from
-- the relation p: p.ends, where each step ended (µs from the run's start,
-- BIGINT[]; empty when every step is p.period long) and p.period, the
-- step time (µs). Step k starts where step k−1 ended (step 1 at 0) and
-- ends at p.ends[k]; a step past the list is p.period long after the one
-- before it; with p.ends empty, step k spans [(k−1)·p.period, k·p.period).
-- step_start: the start (µs) of the step {{.}} (a column or expression).
{{define "step_start"}}(coalesce(p.ends[greatest(least(CAST({{.}} AS BIGINT) - 1, len(p.ends)), 0)], 0)
    + greatest(CAST({{.}} AS BIGINT) - 1 - len(p.ends), 0) * p.period){{end}}
-- step_ends: the listed ends as rows (step_i, step_e) for step_of, joined
-- to the rows as "ASOF LEFT JOIN {{template "step_ends"}} AS s ON t >=
-- s.step_e": s is the last step that ended at or before t.
{{define "step_ends"}}(SELECT unnest(generate_series(1, len(p.ends))) AS step_i, unnest(p.ends) AS step_e FROM p){{end}}
-- step_of: the step whose span holds the time {{.}} (µs), through that
-- join; (t // p.period) + 1 when p.ends is empty.
{{define "step_of"}}(coalesce(s.step_i, 0) + 1 + CASE WHEN coalesce(s.step_i, 0) = len(p.ends)
    THEN ({{.}} - coalesce(s.step_e, 0)) // p.period ELSE 0 END){{end}}

-- The time figures of a row, from its file's columns: parameters of the
-- query the run origin p.origin (µs since the epoch), the warmup
-- p.warmup (µs), and a capacity search's step time p.period and each
-- step's own warmup p.pwarm (µs; both 0 for a step load), and the step
-- ends p.ends (step_start; empty when every step is p.period long).
-- warm: sent within the warmup, or within the first p.pwarm of its step
-- (the step of its step column, from where that step started; without
-- step ends, of the step its send time falls in, which is the same
-- span); c_us: completion, µs since the run's start.
{{define "warm"}}(epoch_us(start) - p.origin < p.warmup
  OR (p.period > 0 AND CASE WHEN len(p.ends) = 0 THEN (epoch_us(start) - p.origin) % p.period
      ELSE epoch_us(start) - p.origin - {{template "step_start" "step"}} END < p.pwarm)){{end}}
{{define "c_us"}}epoch_us(start) - p.origin + CAST(round(latency_ms * 1000) AS BIGINT){{end}}
-- One file's rows as run_rows gives them (its parameters $1 to $8) and
-- the five parameters of warm ($9 to $13).
{{define "run_from"}}run_rows($1, $2, $3, $4, $5, $6, $7, $8) AS f,
     (SELECT $9::BIGINT AS origin, $10::BIGINT AS warmup, $11::BIGINT AS period, $12::BIGINT AS pwarm, $13::BIGINT[] AS ends) AS p{{end}}

-- One file's rows of version 2 or later with d, the gaps between their
-- consecutive chunk times (µs), each computed once, and dv, whether they
-- are figures: at least one, none NULL, none negative (the chunk times
-- ascend); and the parameters of run_from.
{{define "run_gaps_from"}}(SELECT *, len(d) >= 1 AND list_count(d) = len(d) AND list_min(d) >= 0 AS dv
      FROM (SELECT *, [chunk_us[i + 1] - chunk_us[i] for i in range(1, len(chunk_us))] AS d
            FROM run_rows($1, $2, $3, $4, $5, $6, $7, $8))) AS f,
     (SELECT $9::BIGINT AS origin, $10::BIGINT AS warmup, $11::BIGINT AS period, $12::BIGINT AS pwarm, $13::BIGINT[] AS ends) AS p{{end}}

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

-- A good request: it succeeded and meets every bound of b (b.ttft,
-- b.tpot, b.itl, b.lat in ms, each NULL when not set; the query names the
-- relation b). A bound on TTFT needs a TTFT, one on TPOT a TTFT and at
-- least two output tokens, one on ITL (every gap between content chunks:
-- the longest) two chunk times: a request without them is not good.
{{define "good"}}ok
        AND (b.lat IS NULL OR latency_ms <= b.lat)
        AND (b.ttft IS NULL OR coalesce(ttft_ms <= b.ttft, false))
        AND (b.tpot IS NULL OR coalesce({{template "tpot"}} <= b.tpot, false))
        AND (b.itl IS NULL OR coalesce(max_gap_us / 1000.0 <= b.itl, false)){{end}}

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
