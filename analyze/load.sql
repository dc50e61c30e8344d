-- Append one run file. Parameters: the file path (glob characters
-- escaped, so that it matches that one file), the run origin (µs since
-- the epoch), the warmup (µs). Rows that break the format's promises are
-- left out (invalid.sql counts them, with the same conditions): a NULL in
-- start, scheduled_at, step, users, ok or latency_ms, or a latency that is
-- negative, under 1 ns but not 0 (below the recorder's clock: a divisor
-- that small makes ratios overflow), not finite or over 1e9 ms. A negative or non-finite ttft_ms
-- and negative token counts are read as absent.
INSERT INTO raw
SELECT
    step,
    users,
    ok,
    epoch_us(start) - p.origin < p.warmup AS warm,
    epoch_us(start) - p.origin AS send_us,
    epoch_us(start) - p.origin + CAST(round(latency_ms * 1000) AS BIGINT) AS c_us,
    latency_ms,
    CASE WHEN isfinite(ttft_ms) AND ttft_ms >= 0 THEN ttft_ms END,
    CASE WHEN output_tokens >= 0 THEN output_tokens END,
    CASE WHEN prompt_tokens >= 0 THEN prompt_tokens END,
    CAST((epoch_us(start) - epoch_us(scheduled_at)) / 1000.0 AS FLOAT) AS lag_ms
FROM read_parquet(?) AS f,
     (SELECT ?::BIGINT AS origin, ?::BIGINT AS warmup) AS p
WHERE start IS NOT NULL AND scheduled_at IS NOT NULL AND step IS NOT NULL
  AND users IS NOT NULL AND ok IS NOT NULL
  AND isfinite(latency_ms) AND (latency_ms = 0 OR latency_ms >= 1e-6) AND latency_ms <= 1e9;
