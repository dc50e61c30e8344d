-- Rows of one run file that load.sql leaves out or corrects, by reason.
-- Parameter: the file path (glob characters escaped). The conditions are
-- load.sql's (the fragments complete, latency_valid and ttft_valid); a
-- row is counted under its first reason only.
WITH r AS (
    SELECT
        (NOT ({{template "complete"}}) OR latency_ms IS NULL) AS has_null,
        latency_ms, ttft_ms, output_tokens, prompt_tokens
    FROM read_parquet(?)
)
SELECT
    count(*) FILTER (WHERE has_null) AS nulls,
    count(*) FILTER (WHERE NOT has_null
        AND NOT ({{template "latency_valid"}})) AS bad_latency,
    count(*) FILTER (WHERE ttft_ms IS NOT NULL AND NOT ({{template "ttft_valid"}})) AS bad_ttft,
    count(*) FILTER (WHERE output_tokens < 0 OR prompt_tokens < 0) AS bad_tokens
FROM r;
