-- The expressions and clauses that several queries share, each written
-- once here as a named text/template fragment and inserted where a query
-- names it (query, engine.go). A fragment holds SQL only, never a value:
-- the queries bind theirs with ?, in the order the ? appear once the
-- fragments are in place.

-- Rows of a run file that load.sql keeps (invalid.sql counts the others):
-- the columns every figure needs are present, and the latency is a finite
-- number of ms between 0 and 1e9.
{{define "complete"}}start IS NOT NULL AND scheduled_at IS NOT NULL AND step IS NOT NULL
  AND users IS NOT NULL AND ok IS NOT NULL{{end}}
{{define "latency_valid"}}isfinite(latency_ms) AND latency_ms >= 0 AND latency_ms <= 1e9{{end}}
-- A TTFT that is not a finite number of ms at or above 0 is read as absent.
{{define "ttft_valid"}}isfinite(ttft_ms) AND ttft_ms >= 0{{end}}

-- The time figures of a row, from its file's columns: parameters of the
-- query the run origin p.origin (µs since the epoch), the warmup
-- p.warmup (µs), and a capacity search's step time p.period and each
-- step's own warmup p.pwarm (µs; both 0 for a step load). warm: sent
-- within the warmup, or within the first p.pwarm of its step; c_us:
-- completion, µs since the run's start.
{{define "warm"}}(epoch_us(start) - p.origin < p.warmup
  OR (p.period > 0 AND (epoch_us(start) - p.origin) % p.period < p.pwarm)){{end}}
{{define "c_us"}}epoch_us(start) - p.origin + CAST(round(latency_ms * 1000) AS BIGINT){{end}}
-- The file (glob characters escaped) and those four parameters.
{{define "load_from"}}read_parquet(?) AS f,
     (SELECT ?::BIGINT AS origin, ?::BIGINT AS warmup, ?::BIGINT AS period, ?::BIGINT AS pwarm) AS p{{end}}

-- The LLM figures of a success (NULL where it has none):
--   itl: inter-token latency, (latency_ms - ttft_ms) / (output_tokens - 1)
--   tps: output tokens/s of a request, output_tokens / (latency_ms / 1000)
{{define "itl"}}CASE WHEN output_tokens > 1 THEN (latency_ms - ttft_ms) / (output_tokens - 1) END{{end}}
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
