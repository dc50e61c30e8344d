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
-- The step whose span holds the time t_us (µs, a column of the query's
-- relation c), and how far into it t_us is. The query renders them with
-- its queryData: .Ends, the run lists its step ends (p.ends is not
-- empty). ends_before defines, after the query's CTE c, the CTE l: c's
-- rows with lo, how many steps ended at or before t_us, found by halving
-- the list (it holds fewer than 2^14 ends: maxStepEnds), one CTE a half,
-- so a row costs the same whatever the list; step_of and into_step read
-- lo. Without ends, lo is 0 and step_of is t_us // p.period + 1, the
-- equal steps' rule.
{{define "ends_before"}}{{if .Ends}}b0 AS (SELECT c.*, 0 AS lo FROM c),
b8192 AS (SELECT x.* REPLACE (CASE WHEN x.lo + 8192 <= len(p.ends) AND p.ends[x.lo + 8192] <= x.t_us THEN x.lo + 8192 ELSE x.lo END AS lo) FROM b0 AS x, p),
b4096 AS (SELECT x.* REPLACE (CASE WHEN x.lo + 4096 <= len(p.ends) AND p.ends[x.lo + 4096] <= x.t_us THEN x.lo + 4096 ELSE x.lo END AS lo) FROM b8192 AS x, p),
b2048 AS (SELECT x.* REPLACE (CASE WHEN x.lo + 2048 <= len(p.ends) AND p.ends[x.lo + 2048] <= x.t_us THEN x.lo + 2048 ELSE x.lo END AS lo) FROM b4096 AS x, p),
b1024 AS (SELECT x.* REPLACE (CASE WHEN x.lo + 1024 <= len(p.ends) AND p.ends[x.lo + 1024] <= x.t_us THEN x.lo + 1024 ELSE x.lo END AS lo) FROM b2048 AS x, p),
b512 AS (SELECT x.* REPLACE (CASE WHEN x.lo + 512 <= len(p.ends) AND p.ends[x.lo + 512] <= x.t_us THEN x.lo + 512 ELSE x.lo END AS lo) FROM b1024 AS x, p),
b256 AS (SELECT x.* REPLACE (CASE WHEN x.lo + 256 <= len(p.ends) AND p.ends[x.lo + 256] <= x.t_us THEN x.lo + 256 ELSE x.lo END AS lo) FROM b512 AS x, p),
b128 AS (SELECT x.* REPLACE (CASE WHEN x.lo + 128 <= len(p.ends) AND p.ends[x.lo + 128] <= x.t_us THEN x.lo + 128 ELSE x.lo END AS lo) FROM b256 AS x, p),
b64 AS (SELECT x.* REPLACE (CASE WHEN x.lo + 64 <= len(p.ends) AND p.ends[x.lo + 64] <= x.t_us THEN x.lo + 64 ELSE x.lo END AS lo) FROM b128 AS x, p),
b32 AS (SELECT x.* REPLACE (CASE WHEN x.lo + 32 <= len(p.ends) AND p.ends[x.lo + 32] <= x.t_us THEN x.lo + 32 ELSE x.lo END AS lo) FROM b64 AS x, p),
b16 AS (SELECT x.* REPLACE (CASE WHEN x.lo + 16 <= len(p.ends) AND p.ends[x.lo + 16] <= x.t_us THEN x.lo + 16 ELSE x.lo END AS lo) FROM b32 AS x, p),
b8 AS (SELECT x.* REPLACE (CASE WHEN x.lo + 8 <= len(p.ends) AND p.ends[x.lo + 8] <= x.t_us THEN x.lo + 8 ELSE x.lo END AS lo) FROM b16 AS x, p),
b4 AS (SELECT x.* REPLACE (CASE WHEN x.lo + 4 <= len(p.ends) AND p.ends[x.lo + 4] <= x.t_us THEN x.lo + 4 ELSE x.lo END AS lo) FROM b8 AS x, p),
b2 AS (SELECT x.* REPLACE (CASE WHEN x.lo + 2 <= len(p.ends) AND p.ends[x.lo + 2] <= x.t_us THEN x.lo + 2 ELSE x.lo END AS lo) FROM b4 AS x, p),
b1 AS (SELECT x.* REPLACE (CASE WHEN x.lo + 1 <= len(p.ends) AND p.ends[x.lo + 1] <= x.t_us THEN x.lo + 1 ELSE x.lo END AS lo) FROM b2 AS x, p),
l AS (SELECT * FROM b1){{else}}l AS (SELECT c.*, 0 AS lo FROM c){{end}}{{end}}
{{define "step_of"}}{{if .Ends}}(lo + 1 + CASE WHEN lo = len(p.ends)
    THEN (t_us - coalesce(p.ends[lo], 0)) // p.period ELSE 0 END){{else}}(t_us // p.period + 1){{end}}{{end}}
{{define "into_step"}}{{if .Ends}}(t_us - coalesce(p.ends[lo], 0) - CASE WHEN lo = len(p.ends)
    THEN (t_us - coalesce(p.ends[lo], 0)) // p.period * p.period ELSE 0 END){{else}}(t_us % p.period){{end}}{{end}}

-- The time figures of a row, from its file's columns: parameters of the
-- query the run origin p.origin (µs since the epoch), the warmup
-- p.warmup (µs), and a capacity search's step time p.period and each
-- step's own warmup p.pwarm (µs; both 0 for a step load), and the step
-- ends p.ends (step_start; empty when every step is p.period long).
-- warm: sent within the warmup, or within the first p.pwarm of its step
-- (with step ends, .Ends of the query's data: of the step of its step
-- column, from where that step started; without, of the step its send
-- time falls in, which is the same span); c_us: completion, µs since the
-- run's start.
{{define "warm"}}(epoch_us(start) - p.origin < p.warmup
  OR (p.period > 0 AND {{if .Ends}}epoch_us(start) - p.origin - {{template "step_start" "step"}}{{else}}(epoch_us(start) - p.origin) % p.period{{end}} < p.pwarm)){{end}}
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
