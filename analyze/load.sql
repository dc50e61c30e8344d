-- Append one run file. Parameters: file index, run origin (µs since the
-- epoch), warmup (µs), metric ('latency' or 'ttft'), the file path (glob
-- characters escaped, so it matches that one file).
INSERT INTO r
SELECT
    p.file_idx,
    step,
    users,
    ok,
    error_class,
    error,
    epoch_us(start) - p.origin AS send_us,
    epoch_us(start) - p.origin + CAST(round(latency_ms * 1000) AS BIGINT) AS c_us,
    epoch_us(start) - epoch_us(scheduled_at) AS lag_us,
    epoch_us(start) - p.origin < p.warmup AS warm,
    latency_ms,
    ttft_ms,
    CASE WHEN p.metric = 'ttft' THEN ttft_ms ELSE latency_ms END AS v,
    output_tokens,
    prompt_tokens
FROM read_parquet(?) AS f,
     (SELECT ?::INTEGER AS file_idx, ?::BIGINT AS origin, ?::BIGINT AS warmup, ?::VARCHAR AS metric) AS p;
