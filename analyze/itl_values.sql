-- Every chunk gap (ITL) of post-warmup successes in ms, ascending, with
-- its step: pooled over the requests, as vLLM's benchmark does. Read
-- through a file (streamSorted): the database sorts, spilling beyond its
-- memory limit.
WITH g AS (
    SELECT step::BIGINT AS k, unnest(d) AS us
    FROM raw
    WHERE ok AND NOT warm AND d IS NOT NULL
)
SELECT us / 1000.0 AS x, k
FROM g
ORDER BY x;
