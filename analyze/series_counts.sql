-- Successes with a value of one figure, counted by the series points they
-- belong to: f the first, l the last (the fragment series_points, which
-- series_values.sql reads too). Parameters: the figure ('v' the selected
-- metric, or 'ttft'), the bucket (µs), the window (µs).
{{template "series_points"}}
SELECT f, l, warm, count(*), min(x), max(x)
FROM s
WHERE x IS NOT NULL
GROUP BY f, l, warm;
