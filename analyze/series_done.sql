-- Completions per series bucket (warmup included): successes with their
-- output tokens, and failures by class. Parameters: bucket (µs), number of
-- buckets, twice. Bucket b covers ((b-1)·bucket, b·bucket].
SELECT
    {{template "bucket" "c_us"}} AS b,
    true AS ok,
    '' AS class,
    count(*),
    coalesce(sum(output_tokens), 0)
FROM raw
WHERE ok
GROUP BY b
UNION ALL
SELECT
    {{template "bucket" "c_us"}} AS b,
    false AS ok,
    coalesce(error_class, 'other') AS class,
    count(*),
    0
FROM failed
GROUP BY b, class
ORDER BY b, ok, class;
