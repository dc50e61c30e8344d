-- The run table: one row per request attempt of every shard, with the
-- derived times the figures use (µs since the run's started_at).
CREATE TABLE r (
    file_idx      INTEGER,
    step          INTEGER,
    users         INTEGER,
    ok            BOOLEAN,
    error_class   VARCHAR,
    error         VARCHAR,
    send_us       BIGINT,   -- start - started_at
    c_us          BIGINT,   -- completion: send_us + latency
    lag_us        BIGINT,   -- start - scheduled_at
    warm          BOOLEAN,  -- sent within the warmup
    latency_ms    DOUBLE,
    ttft_ms       DOUBLE,
    v             DOUBLE,   -- the selected metric (latency_ms or ttft_ms)
    output_tokens INTEGER,
    prompt_tokens INTEGER
);
