-- r is raw with v, the selected metric: TTFT (send to first token).
CREATE VIEW r AS SELECT *, ttft_ms AS v FROM raw;
