-- Completions per series bucket (warmup included), by outcome and class,
-- with output tokens of successes. Parameters as series_sent.sql.
SELECT
    least(greatest(1, CAST(ceil(c_us / ?::DOUBLE) AS BIGINT)), ?) AS b,
    ok,
    CASE WHEN ok THEN '' ELSE coalesce(error_class, 'other') END AS class,
    count(*),
    coalesce(sum(output_tokens) FILTER (WHERE ok), 0)
FROM r
GROUP BY b, ok, class
ORDER BY b, ok, class;
