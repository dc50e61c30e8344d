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
    d             INTEGER[], -- every such gap (µs), the ITL values: 4 bytes a gap,
                             -- read only by the queries that name it
    turn          USMALLINT  -- the conversation turn (version 3; NULL without)
);
CREATE TABLE failed (
    step        INTEGER,
    warm        BOOLEAN,
    c_us        BIGINT,
    error_class VARCHAR,
    error       VARCHAR
);
-- repeats: the rows a file repeats, (file index, file_row_number) of each
-- row whose seq an earlier row of the same file holds (repeats.sql fills it
-- for the files whose check found any).
CREATE TABLE repeats (
    file INTEGER,
    n    BIGINT
);
-- run_rows: one run file's rows, each with the reason it is left out
-- (left_out; 0: kept), the first that applies, in this order:
--   1 its run_id or shard is not its footer's (another run's or shard's row);
--   2 a NULL where the format allows none (start, scheduled_at, step, users,
--     ok, latency_ms, seq);
--   3 a latency_ms the fragment latency_valid refuses (negative, under 1 ns
--     but not 0, not finite or over 1e9 ms);
--   4 a step below 1 or above the shape's last step, users below 0 or above
--     the most the shape allows;
--   5 sent (start) outside the run's time, started_at to ended_at;
--   6 it repeats the seq of an earlier row of the file (table repeats).
-- Parameters: the file (glob characters escaped), its index, its footer's
-- run_id and shard, the earliest and latest start (µs since the epoch),
-- the last step and the most users (rows.go computes them from the footer).
CREATE MACRO run_rows(p_path, p_file, p_run_id, p_shard, p_from_us, p_to_us, p_max_step, p_max_users) AS TABLE
SELECT
    f.*,
    CASE
        WHEN f.run_id IS DISTINCT FROM p_run_id OR f.shard IS DISTINCT FROM p_shard THEN 1
        WHEN f.start IS NULL OR f.scheduled_at IS NULL OR f.step IS NULL OR f.users IS NULL
            OR f.ok IS NULL OR f.latency_ms IS NULL OR f.seq IS NULL THEN 2
        WHEN NOT ({{template "latency_valid"}}) THEN 3
        WHEN f.step < 1 OR f.step > p_max_step OR f.users < 0 OR f.users > p_max_users THEN 4
        WHEN epoch_us(f.start) < p_from_us OR epoch_us(f.start) > p_to_us THEN 5
        WHEN r.n IS NOT NULL THEN 6
        ELSE 0
    END AS left_out
FROM read_parquet(p_path, file_row_number = true) AS f
LEFT JOIN repeats AS r ON r.file = p_file AND r.n = f.file_row_number;
