-- r is raw with v, the selected metric: latency (send to last byte).
CREATE VIEW r AS SELECT *, latency_ms AS v FROM raw;
