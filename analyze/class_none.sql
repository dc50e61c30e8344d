-- The post-warmup requests without a class (a file before version 3, a
-- run without --workload, or a class the footer does not name).
SELECT count(*) FROM raw WHERE NOT warm AND class IS NULL;
