-- Append one run file. Parameters: run_rows' ($1 to $8: the file, its
-- index, its footer's run_id and shard, the bounds of start, step and
-- users), then the run origin ($9, µs since the epoch) and the warmup
-- ($10, µs). The rows run_rows leaves out (left_out > 0: another run's or
-- shard's row, a NULL where none is allowed, an absurd latency, step,
-- users or start, a repeated seq) are not loaded; invalid.sql counts them.
-- A ttft_ms that breaks the fragment ttft_valid (negative, not finite or
-- over the latency) and a negative token count are read as absent; the
-- send lag is clamped to [0, start - origin] (scheduled_at is neither
-- after the send nor before the run's start).
-- With chunk times (a file of version 2 or later: the template's
-- .Chunks), max_gap_us is the longest gap between consecutive chunk
-- times; chunk times that do not ascend, hold a NULL or are fewer than two
-- are read as absent. With a class column (version 3 or later: .Class),
-- class is the index of the row's class in the table classes; NULL when
-- the footer does not name it.
INSERT INTO raw
SELECT
    step,
    users,
    ok,
    {{template "warm" .}} AS warm,
    epoch_us(start) - p.origin AS send_us,
    {{template "c_us"}} AS c_us,
    latency_ms,
    CASE WHEN {{template "ttft_valid"}} THEN ttft_ms END,
    CASE WHEN output_tokens >= 0 THEN output_tokens END,
    CASE WHEN prompt_tokens >= 0 THEN prompt_tokens END,
    CAST(least(greatest(epoch_us(start) - epoch_us(scheduled_at), 0), greatest(epoch_us(start) - p.origin, 0)) / 1000.0 AS FLOAT) AS lag_ms,
    {{if .Chunks}}CASE WHEN dv THEN list_max(d) END{{else}}NULL{{end}} AS max_gap_us,
    {{if .Chunks}}CASE WHEN dv THEN d END{{else}}NULL{{end}} AS d,
    {{if has .Version "turn"}}CASE WHEN turn BETWEEN 1 AND 65535 THEN turn END{{else}}NULL{{end}} AS turn,
    {{if has .Version "class"}}(SELECT min(c.idx) FROM classes AS c WHERE c.name = f.class){{else}}NULL{{end}} AS class
FROM {{if .Chunks}}{{template "run_gaps_from"}}{{else}}{{template "run_from"}}{{end}}
WHERE left_out = 0;
