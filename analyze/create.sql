-- The run tables. raw: one row per request attempt of every shard, with the
-- derived times the figures use (µs since the run's started_at); failed:
-- the failures' classes and messages (strings kept apart: they are rare,
-- and a string column costs 16 bytes a row in memory).
CREATE TABLE raw (
    step          INTEGER,
    users         INTEGER,
    ok            BOOLEAN,
    warm          BOOLEAN,  -- sent within the warmup
    send_us       BIGINT,   -- start - started_at
    c_us          BIGINT,   -- completion: send_us + latency
    latency_ms    DOUBLE,
    ttft_ms       DOUBLE,
    output_tokens INTEGER,
    prompt_tokens INTEGER,
    lag_ms        FLOAT,    -- start - scheduled_at
    max_gap_us    INTEGER,  -- the longest gap between content chunks (chunk_us)
    d             INTEGER[] -- every such gap (µs), the ITL values: 4 bytes a gap,
                            -- read only by the queries that name it
);
CREATE TABLE failed (
    step        INTEGER,
    warm        BOOLEAN,
    c_us        BIGINT,
    error_class VARCHAR,
    error       VARCHAR
);
