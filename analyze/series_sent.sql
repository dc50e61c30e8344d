-- Sends per series bucket (warmup included). Parameters: bucket (µs),
-- number of buckets. Bucket b covers ((b-1)·bucket, b·bucket].
SELECT
    {{template "bucket" "send_us"}} AS b,
    max(users),
    count(*)
FROM raw
GROUP BY b
ORDER BY b;
