-- The bounds of scanValues' pages of one figure's values over successes:
-- approximate quantiles (a bounded sketch) that split them into pages of
-- about equal size. Any bounds give the exact values, in order: the pages
-- partition them; the sketch only sizes the pages. Parameters: the figure
-- ('v' or 'ttft'), the fractions.
WITH p AS (SELECT ?::VARCHAR AS fig)
SELECT approx_quantile(CASE p.fig WHEN 'ttft' THEN ttft_ms ELSE v END, ?::FLOAT[])
FROM r, p
WHERE ok;
