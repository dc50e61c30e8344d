-- Sends per series bucket (warmup included). Parameters: bucket (µs),
-- number of buckets. Bucket b covers ((b-1)·bucket, b·bucket].
SELECT
    least(greatest(1, CAST(ceil(send_us / ?::DOUBLE) AS BIGINT)), ?) AS b,
    max(users),
    count(*)
FROM raw
GROUP BY b
ORDER BY b;
