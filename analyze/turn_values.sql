-- The TTFT of the post-warmup successes of turn_counts.sql, ascending,
-- with the turn. Read through a file (streamSorted).
SELECT ttft_ms AS x, turn::BIGINT AS k
FROM raw
WHERE ok AND NOT warm AND turn IS NOT NULL AND ttft_ms IS NOT NULL
ORDER BY x;
