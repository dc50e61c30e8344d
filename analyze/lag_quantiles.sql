-- The lag's percentiles over post-warmup requests by the exact quantile
-- aggregate, for runs small enough (aggregateValues); larger runs take
-- them from the sorted values (lag_values.sql). lag_ms is a FLOAT: so are
-- its quantiles.
SELECT q[1], q[2]
FROM (SELECT quantile_cont(lag_ms, [0.5, 0.99]) AS q FROM raw WHERE NOT warm);
