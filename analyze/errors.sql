-- Post-warmup failures by error class, overall (total = 1) and per step.
SELECT
    grouping(step) AS total,
    coalesce(step, 0),
    coalesce(error_class, 'other') AS class,
    count(*) AS n,
    coalesce(min(error), '') AS example
FROM failed
WHERE NOT warm
GROUP BY GROUPING SETS ((step, class), (class))
ORDER BY total DESC, step, class;
