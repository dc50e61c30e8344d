-- What checking one run file's rows finds, before it is loaded: the rows
-- run_rows leaves out, by reason; of the rows kept, those read in part (a
-- ttft_ms that is negative, not finite or over the latency; a negative
-- token count) or clamped (a scheduled_at after the send or before the
-- run's start by more than the slack $11, in µs: a wall clock slewed
-- during the run moves it a little); their count and the range of their
-- seq; and, over seq in [0, $10], how many kept rows fall there and how
-- many distinct values they hold (a file's seq is 0 to rows-1 with no
-- gaps, so this finds repeated seq in one pass: bitstring_agg sets one bit
-- per value). Parameters: run_rows' ($1 to $8), the run origin ($9, µs
-- since the epoch), the file's rows minus one ($10, at least 0), the
-- slack ($11, µs).
SELECT
    count(*) FILTER (WHERE left_out = 1) AS foreign_rows,
    count(*) FILTER (WHERE left_out = 2) AS nulls,
    count(*) FILTER (WHERE left_out = 3) AS bad_latency,
    count(*) FILTER (WHERE left_out = 4) AS bad_shape,
    count(*) FILTER (WHERE left_out = 5) AS bad_time,
    count(*) FILTER (WHERE left_out = 0 AND ttft_ms IS NOT NULL
        AND NOT ({{template "ttft_valid"}})) AS bad_ttft,
    count(*) FILTER (WHERE left_out = 0 AND (output_tokens < 0 OR prompt_tokens < 0)) AS bad_tokens,
    count(*) FILTER (WHERE left_out = 0 AND (epoch_us(scheduled_at) > epoch_us(start) + $11
        OR epoch_us(scheduled_at) < $9 - $11)) AS bad_lag,
    count(*) FILTER (WHERE left_out = 0) AS kept,
    coalesce(min(seq) FILTER (WHERE left_out = 0), 0) AS min_seq,
    coalesce(max(seq) FILTER (WHERE left_out = 0), 0) AS max_seq,
    count(*) FILTER (WHERE left_out = 0 AND seq BETWEEN 0 AND $10) AS in_range,
    coalesce(bit_count(bitstring_agg(seq, 0::BIGINT, $10::BIGINT) FILTER (WHERE left_out = 0 AND seq BETWEEN 0 AND $10)), 0) AS distinct_in_range
FROM run_rows($1, $2, $3, $4, $5, $6, $7, $8);
