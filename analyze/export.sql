-- The rows of `llmrep export`: every column of the run files, in file
-- order (shard, then seq), with the times as RFC 3339 (UTC, µs) and as ms
-- since the run's start, and the warmup flag. Parameters: the list of
-- files (glob characters escaped), the run origin (µs since the epoch),
-- the warmup (µs), a search's step time and each step's warmup (µs; 0
-- and 0 otherwise). Times are formatted from their epoch µs, so that no
-- time zone setting enters.
SELECT
    run_id,
    shard,
    seq,
    "user",
    step,
    users,
    strftime(make_timestamp(epoch_us(scheduled_at)), '%Y-%m-%dT%H:%M:%S.%fZ') AS scheduled_at,
    (epoch_us(scheduled_at) - p.origin) / 1000.0 AS scheduled_ms,
    strftime(make_timestamp(epoch_us(start)), '%Y-%m-%dT%H:%M:%S.%fZ') AS start,
    (epoch_us(start) - p.origin) / 1000.0 AS start_ms,
    {{template "warm"}} AS warmup,
    latency_ms,
    ttft_ms,
    status,
    ok,
    error_class,
    error,
    prompt_tokens,
    output_tokens,
    chunks,
    bytes_in
FROM read_parquet(?::VARCHAR[]) AS f,
     (SELECT ?::BIGINT AS origin, ?::BIGINT AS warmup, ?::BIGINT AS period, ?::BIGINT AS pwarm) AS p
ORDER BY shard, seq
