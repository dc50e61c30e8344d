-- Rows of one run file that load.sql leaves out or corrects, by reason.
-- Parameter: the file path (glob characters escaped). The conditions are
-- load.sql's; a row is counted under its first reason only.
WITH r AS (
    SELECT
        (start IS NULL OR scheduled_at IS NULL OR step IS NULL OR users IS NULL
            OR ok IS NULL OR latency_ms IS NULL) AS has_null,
        latency_ms, ttft_ms, output_tokens, prompt_tokens
    FROM read_parquet(?)
)
SELECT
    count(*) FILTER (WHERE has_null) AS nulls,
    count(*) FILTER (WHERE NOT has_null
        AND NOT (isfinite(latency_ms) AND (latency_ms = 0 OR latency_ms >= 1e-6) AND latency_ms <= 1e9)) AS bad_latency,
    count(*) FILTER (WHERE ttft_ms IS NOT NULL AND NOT (isfinite(ttft_ms) AND ttft_ms >= 0)) AS bad_ttft,
    count(*) FILTER (WHERE output_tokens < 0 OR prompt_tokens < 0) AS bad_tokens
FROM r;
