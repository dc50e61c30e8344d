-- Append one run file. Parameters: the file path (glob characters
-- escaped, so that it matches that one file), the run origin (µs since
-- the epoch), the warmup (µs).
INSERT INTO raw
SELECT
    step,
    users,
    ok,
    epoch_us(start) - p.origin < p.warmup AS warm,
    epoch_us(start) - p.origin AS send_us,
    epoch_us(start) - p.origin + CAST(round(latency_ms * 1000) AS BIGINT) AS c_us,
    latency_ms,
    ttft_ms,
    output_tokens,
    prompt_tokens,
    CAST((epoch_us(start) - epoch_us(scheduled_at)) / 1000.0 AS FLOAT) AS lag_ms
FROM read_parquet(?) AS f,
     (SELECT ?::BIGINT AS origin, ?::BIGINT AS warmup) AS p;
