-- r is raw with v, the selected metric: latency from schedule (arrival or
-- scheduled time to last byte: the send's lag plus the latency).
CREATE VIEW r AS SELECT *, latency_ms + CAST(lag_ms AS DOUBLE) AS v FROM raw;
