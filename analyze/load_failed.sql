-- Append the failures of one run file. Parameters as load.sql.
INSERT INTO failed
SELECT
    step,
    epoch_us(start) - p.origin < p.warmup AS warm,
    epoch_us(start) - p.origin + CAST(round(latency_ms * 1000) AS BIGINT) AS c_us,
    error_class,
    error
FROM read_parquet(?) AS f,
     (SELECT ?::BIGINT AS origin, ?::BIGINT AS warmup) AS p
WHERE NOT ok;
